"""The marts in a real refresh: replay of the bundled history, a what-if rerun of one quarter, `ledger diff`."""

from __future__ import annotations

import math
import shutil

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from pipeline.app.cli import main
from pipeline.core.paths import Paths
from pipeline.core.quarters import Quarter, quarter_range
from pipeline.core.warehouse import query, read_published
from pipeline.app.diff import diff_published
from pipeline.marts.assumptions import load_assumptions
from pipeline.marts.checks import CROSSOVER_CONSISTENT, NO_NEGATIVE_COSTS
from pipeline.marts.tables import BASE_MARTS, DRIFT_MARTS
from tests.conftest import AS_OF, FIXTURES, refresh
from tests.support.replay_build import QUARTERS, replay_build

pytestmark = pytest.mark.integration
WHAT_IF = FIXTURES / "marts" / "what_if_reserved.yaml"
RUNNING, LAST, FIRST = Quarter.of(AS_OF), Quarter.of(AS_OF).previous(), Quarter(2025, 2)


@pytest.fixture(scope="module")
def published(tmp_path_factory, instance):
    # The quarters of the bundled history (2025Q3 on) and the one before it, for its drift: the
    # session's shared replay build (tests/support/replay_build.py), which only reads here.
    paths, report = replay_build(tmp_path_factory, instance)
    assert QUARTERS == quarter_range(FIRST, RUNNING)
    return paths, report


def frame(paths: Paths, sql: str, params=None):
    with read_published(paths) as con:
        return query(con, sql, params)


def test_mart_checks_pass(published):
    _, report = published
    ours = [c for c in report.checks if c.asset in BASE_MARTS + DRIFT_MARTS]
    assert {c.check for c in ours} >= {NO_NEGATIVE_COSTS, CROSSOVER_CONSISTENT, "crossover_valid"}
    assert [c for c in ours if not c.passed and c.severity == "ERROR"] == []


def test_every_mart_row_has_quarter_provisional_and_the_assumptions_hash(published):
    paths, _ = published
    default = load_assumptions().hash
    for table in BASE_MARTS + DRIFT_MARTS:
        rows = frame(paths, f"SELECT quarter, provisional, assumptions_hash FROM {table}")
        assert rows.height, table
        assert set(rows["assumptions_hash"]) == {default}, table
        assert set(rows.filter(rows["provisional"])["quarter"]) <= {RUNNING.label}, table
        assert set(rows.filter(rows["quarter"] == RUNNING.label)["provisional"]) <= {True}, table
        if table in BASE_MARTS:
            assert RUNNING.label in set(rows["quarter"]), table
    stored = frame(paths, "SELECT assumptions_hash, source FROM run_assumptions")
    assert stored.rows() == [(default, "default")]
    assert (paths.exports_dir / "crossover" / f"quarter={RUNNING}" / "crossover.parquet").exists()


def test_crossover_agrees_with_the_cost_tables(published):
    paths, _ = published
    row = frame(paths, """
        SELECT c.breakeven_requests_gpu_only AS v, s.monthly_gpu_cost_high AS gpu, a.usd_per_request AS api
        FROM crossover c JOIN self_hosted_cost s USING (quarter, deployment)
        JOIN api_cost_at_scale a ON a.quarter = c.quarter AND a.canonical_model = c.canonical_model
        WHERE c.quarter = ? AND c.deployment = '8b-int4-t4' AND c.canonical_model = 'openai/gpt-4o-mini'
          AND a.is_reference AND a.monthly_requests = 100000""", [RUNNING.label]).row(0, named=True)
    # One T4 replica serves 821,250 requests, more than the break-even: V = ceil(GPU cost / API cost).
    assert row["api"] == 0.00075
    assert row["v"] == math.ceil(round(row["gpu"] / row["api"], 6))


def test_diff_summarises_the_drift_tables(published):
    paths, _ = published
    text = diff_published(paths, LAST.previous(), RUNNING)
    for title in ("API prices", "Quality tiers", "Crossover", "GPU on-demand rates", "Licenses", "Open–closed gap"):
        assert title in text
    cuts = frame(paths, "SELECT canonical_model, provider FROM price_drift WHERE change = 'cut'")
    assert cuts.height > 0  # the bundled history holds real price cuts
    one = diff_published(paths, Quarter(2025, 2), Quarter(2025, 3), limit=100)
    q3_cuts = frame(paths, "SELECT canonical_model, provider FROM price_drift "
                           "WHERE quarter = '2025Q3' AND change = 'cut'")
    for model, provider in q3_cuts.rows():
        assert f"{model} @ {provider}:" in one


def test_diff_cli_refuses_an_uncomputed_quarter(published):
    paths, _ = published
    env = {"LEDGER_WAREHOUSE_DIR": str(paths.warehouse_dir)}
    result = CliRunner().invoke(main, ["diff", "2023Q4", str(RUNNING)], env=env)
    assert result.exit_code == 1
    assert "quarter 2023Q4 has not been computed" in result.output
    assert CliRunner().invoke(main, ["diff", "2026Q5", "2026Q4"], env=env).exit_code == 2


def test_what_if_rerun_of_one_quarter(published, tmp_path, instance):
    source, _ = published
    paths = Paths(warehouse_dir=tmp_path / "warehouse", exports_dir=tmp_path / "exports")
    shutil.copytree(source.warehouse_dir, paths.warehouse_dir,
                    ignore=shutil.ignore_patterns("staging", ".refresh.lock"))
    before = frame(paths, "SELECT count(*) AS n FROM model_prices WHERE quarter = '2025Q3'")["n"][0]
    report = refresh(paths, instance, mode="replay", quarters=[Quarter(2025, 3)], only=["curated_prices"],
                     assumptions_file=WHAT_IF)
    assert report.published, report.failures
    what_if, default = load_assumptions(WHAT_IF).hash, load_assumptions().hash
    hashes = dict(frame(paths, "SELECT DISTINCT quarter, assumptions_hash FROM self_hosted_cost").rows())
    assert hashes.pop("2025Q3") == what_if
    assert set(hashes.values()) == {default}  # the other quarters are left as they were
    hosted = frame(paths, "SELECT * FROM self_hosted_cost WHERE quarter = '2025Q3'")
    assert "8b-int4-l4" in hosted["deployment"].to_list()
    fixed = hosted.filter(hosted["deployment"] == "70b-fp8-2xh100").row(0, named=True)
    assert (fixed["monthly_gpu_cost_low"], fixed["monthly_gpu_cost_high"]) == (5000.0, 5000.0)
    # Recomputed from observations as of the quarter's end: the snapshot is the same as before.
    assert frame(paths, "SELECT count(*) AS n FROM model_prices WHERE quarter = '2025Q3'")["n"][0] == before
    assert frame(paths, "SELECT DISTINCT previous_computed FROM price_drift WHERE quarter = '2025Q3'").rows() == [
        (True,)]
    assert {r[0] for r in frame(paths, "SELECT assumptions_hash FROM run_assumptions").rows()} == {default, what_if}


def test_invalid_assumptions_fail_the_run_with_the_reason(tmp_path, instance):
    paths = Paths(tmp_path / "warehouse", tmp_path / "exports")
    report = refresh(paths, instance, mode="replay", quarters=[Quarter(2025, 3)], only=["curated_prices"],
                     assumptions_file=FIXTURES / "marts" / "broken.yaml")
    assert not report.published and not paths.db.exists()
    assert any("hours_per_mnth: unknown key" in f for f in report.failures), report.failures


def test_mart_inputs_are_real_assets():
    from pipeline.defs.marts import SNAPSHOTS
    from pipeline.definitions import defs

    materializable = {k.to_user_string() for k in defs.resolve_asset_graph().materializable_asset_keys}
    assert set(SNAPSHOTS) <= materializable  # a misspelt key would be an unmaterializable stub


def test_diff_without_a_published_warehouse(tmp_path):
    from pipeline.app.diff import DiffError

    with pytest.raises(DiffError, match="nothing published yet"):
        diff_published(Paths(tmp_path / "warehouse", tmp_path / "exports"), Quarter(2025, 3), Quarter(2025, 4))


def test_managed_inference_in_every_quarter_with_prices(published):
    paths, report = published
    priced = {r[0] for r in frame(paths, "SELECT DISTINCT quarter FROM model_prices").rows()}
    for table in ("managed_inference", "managed_crossover"):
        assert {r[0] for r in frame(paths, f"SELECT DISTINCT quarter FROM {table}").rows()} == priced, table
    offers = frame(paths, "SELECT * FROM managed_inference WHERE quarter = ? AND canonical_model = ? "
                          "ORDER BY blended_usd_per_mtok", [RUNNING.label, "meta-llama/llama-3.1-8b-instruct"])
    assert offers.select("provider", "source", "blended_usd_per_mtok", "is_cheapest", "providers_offering").rows() == [
        ("openrouter", "openrouter", 0.065, True, 2), ("together_ai", "litellm", 0.18, False, 2)]
    assert offers["fetch_id"].null_count() == 0 and offers["carried_forward"].to_list() == [True, True]
    # DeepSeek's own API is not managed inference; OpenRouter's offer of R1 is. Closed models never appear.
    r1 = frame(paths, "SELECT DISTINCT provider FROM managed_inference WHERE canonical_model = 'deepseek/deepseek-r1'")
    assert r1["provider"].to_list() == ["openrouter"]
    closed = frame(paths, "SELECT count(*) AS n FROM managed_inference JOIN models USING (canonical_model) "
                          "WHERE NOT weights_open")
    assert closed["n"][0] == 0
    managed_checks = [c for c in report.checks if c.asset in ("managed_inference", "managed_crossover")]
    assert {c.check for c in managed_checks} >= {"managed_inference_valid", NO_NEGATIVE_COSTS, CROSSOVER_CONSISTENT}
    assert all(c.passed for c in managed_checks)


def test_managed_crossover_and_tco_rows(published):
    paths, _ = published
    h100 = frame(paths, "SELECT * FROM managed_crossover WHERE quarter = ? AND deployment = '8b-fp8-h100'",
                 [RUNNING.label]).row(0, named=True)
    assert (h100["provider"], h100["api_usd_per_request"], h100["monthly_capacity_requests"]) == (
        "openrouter", 0.00013, 3_713_364)
    assert h100["breakeven_requests_gpu_only"] is None and h100["throughput_basis"] == "measured"
    assert h100["reason_gpu_only"] == ("the API is cheaper even at full load: 3,713,364 requests cost $482.74 "
                                       "through the API vs $3,688.03 for one replica's GPUs")
    tco = frame(paths, "SELECT * FROM tco_at_volume WHERE quarter = ? AND monthly_requests = 10000000 "
                       "AND kind = 'managed' ORDER BY option", [RUNNING.label])
    assert tco.select("option", "provider", "inference", "total").rows() == [
        ("managed:meta-llama/llama-3.1-405b-instruct", "together_ai", 70_000.0, 70_000.0),
        ("managed:meta-llama/llama-3.1-70b-instruct", "openrouter", 8_000.0, 8_000.0),
        ("managed:meta-llama/llama-3.1-8b-instruct", "openrouter", 1_300.0, 1_300.0)]


def test_self_hosted_cost_shows_its_throughput_basis(published):
    paths, _ = published
    hosted = frame(paths, "SELECT * FROM self_hosted_cost WHERE quarter = ? ORDER BY deployment", [RUNNING.label])
    by_id = {r["deployment"]: r for r in hosted.iter_rows(named=True)}
    fp16 = by_id["70b-fp16-4xa100"]  # TensorRT-LLM v0.9: LLaMA 70B FP16, 4x A100, 289 tok/s per GPU
    assert (fp16["throughput_basis"], fp16["output_tokens_per_s"], fp16["monthly_capacity_requests"]) == (
        "measured", 1156.0, 1_518_984)
    assert fp16["throughput_note"].startswith("measured (trtllm_perf_overview, 2024-04-24)")
    a10g = by_id["8b-fp16-a10g"]
    assert (a10g["throughput_basis"], a10g["throughput_flagged"], a10g["monthly_capacity_requests"]) == (
        "estimated", True, 204_011)
    int4 = by_id["70b-int4-a100"]
    assert (int4["throughput_basis"], int4["monthly_capacity_requests"], int4["quality_penalty_pct_high"]) == (
        "assumption", 919_800, 3.0)
    assert (int4["model_tier"], int4["effective_tier"]) == (3, 3)
    assert int4["effective_score"] == pytest.approx(int4["model_score"] * 0.97)
    assert all(r["assumed_monthly_capacity_requests"] for r in by_id.values())


def test_existing_marts_keep_their_values(published):
    """Figures the managed inference and measured capacity work must not move (taken before it)."""
    paths, _ = published
    q = RUNNING.label
    assert frame(paths, "SELECT monthly_cost_usd FROM api_cost_at_scale WHERE quarter = ? AND monthly_requests = "
                        "1000000 AND canonical_model = 'openai/gpt-4o-mini' AND provider = 'openai'", [q]).item() \
        == 750.0
    assert frame(paths, "SELECT tier, round(score, 3) FROM quality_tiers WHERE quarter = ? AND canonical_model = "
                        "'openai/gpt-5'", [q]).row(0) == (1, 97.912)
    gpu = frame(paths, "SELECT monthly_gpu_cost_low, monthly_gpu_cost_high FROM self_hosted_cost WHERE quarter = ? "
                       "AND deployment = '70b-fp8-2xh100'", [q]).row(0)
    assert gpu == (5765.832, 7376.066)
    # Deployments that keep their assumption (no int4 measurement) keep their break-even volumes.
    cross = dict(frame(paths, "SELECT deployment || ' vs ' || canonical_model, breakeven_requests_gpu_only "
                              "FROM crossover WHERE quarter = ? AND deployment IN ('70b-int4-h100', '8b-int4-t4') "
                              "AND canonical_model IN ('openai/gpt-4o', 'anthropic/claude-haiku-4.5')", [q]).rows())
    assert cross == {"70b-int4-h100 vs openai/gpt-4o": 295_043, "8b-int4-t4 vs anthropic/claude-haiku-4.5": 71_832}
    assert frame(paths, "SELECT total FROM tco_at_volume WHERE quarter = ? AND monthly_requests = 10000000 "
                        "AND option = 'deployment:70b-int4-a100'", [q]).item() == pytest.approx(28_960.171)


def test_diff_and_report_show_managed_inference(published):
    paths, _ = published
    text = diff_published(paths, Quarter(2025, 2), RUNNING, limit=100)
    assert "meta-llama/llama-3.1-8b-instruct: $0.018 @ openrouter → $0.065 @ openrouter  increase +251.4%" in text
    assert "Self-hosted capacity (requests a month per replica)" in text
    html = (paths.exports_dir / "report" / "index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "lxml")
    rows = {tr.find("td").get_text(): [td.get_text() for td in tr.find_all("td")]
            for tr in soup.find("table", id="t-managed").find("tbody").find_all("tr")}
    eight = rows["meta-llama/llama-3.1-8b-instruct"]
    # model, tier, providers, cheapest, low, high, deployment, self-hosted, basis, closed model, closed
    assert eight == ["meta-llama/llama-3.1-8b-instruct", "capable small", "2", "openrouter", "$0.13", "$0.36",
                     "8b-int4-t4", "$0.525", "assumption", "openai/gpt-4o-mini", "$0.75"]
