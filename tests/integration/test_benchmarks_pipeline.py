"""The benchmark family end to end without Dagster: bundled responses replayed into a warehouse,
mapped, snapshotted per quarter, indexed and compared quarter over quarter."""

from __future__ import annotations

import polars as pl
import pytest

from pipeline.benchmarks import FAMILY
from pipeline.benchmarks.registry import load_registry
from pipeline.benchmarks.snapshot import (quarter_rows, snapshot_benchmark_scores, store_quality_index,
                                          store_score_moves)
from pipeline.prices.coverage import alias_coverage_report
from pipeline.core.archive import RawArchive
from pipeline.core.fetch_records import FetchPlan
from pipeline.core.ingest import ingest_source
from pipeline.core.paths import CURATED_DIR
from pipeline.core.quarters import Quarter, quarter_range
from pipeline.core.sources import discover_sources, source_by_name
from pipeline.core.warehouse import apply_ddl, connect, insert_frame, query
from pipeline.prices.registry import rebuild_identity
from tests.conftest import AS_OF

pytestmark = pytest.mark.integration
QUARTERS = quarter_range(Quarter(2025, 2), Quarter(2026, 4))


def _warehouse(path):
    con = connect(path / "ledger.duckdb")
    apply_ddl(con)
    rebuild_identity(con, CURATED_DIR)
    benchmarks, names = load_registry(CURATED_DIR)
    insert_frame(con, "benchmarks", benchmarks)
    insert_frame(con, "benchmark_names", names)
    return con


def _ingest(con, path, source, curated_dir=CURATED_DIR):
    plan = FetchPlan(mode="replay", as_of=AS_OF, run_id="bench", curated_dir=curated_dir, env={})
    return ingest_source(source, FAMILY, plan, None, RawArchive(path / "raw"), con)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench")
    con = _warehouse(path)
    outcomes = {s.name: _ingest(con, path, s) for s in discover_sources("benchmarks")}
    rebuild_identity(con, CURATED_DIR)  # the ids just ingested, mapped as the prices step does
    for q in QUARTERS:
        snapshot_benchmark_scores(con, q, q == QUARTERS[-1])
        store_quality_index(con, q, q == QUARTERS[-1])
        store_score_moves(con, q, q == QUARTERS[-1])
    yield con, outcomes
    con.close()


def _score(con, quarter, model, benchmark, source):
    rows = query(con, "SELECT * FROM benchmark_scores WHERE quarter = ? AND canonical_model = ? AND benchmark = ? "
                      "AND source = ?", [quarter, model, benchmark, source])
    assert rows.height == 1
    return rows.to_dicts()[0]


def test_every_source_passes_its_checks(warehouse):
    _, outcomes = warehouse
    for name, outcome in outcomes.items():
        assert all(c.passed for c in outcome.checks), (name, [c.summary for c in outcome.checks])
        assert outcome.rows_added > 0 and outcome.quarantined == 0


def test_quarter_takes_the_newest_response_before_its_end(warehouse):
    con, _ = warehouse
    q3 = _score(con, "2025Q3", "openai/gpt-4o", "arena_elo_raw", "lmarena")   # 2025-05-27 board: none in Q3
    q4 = _score(con, "2025Q4", "openai/gpt-4o", "arena_elo_raw", "lmarena")   # 2025-12-11 board
    assert q3["observed_at"].date().isoformat() == "2025-05-27"
    assert (q3["raw_score"], q3["raw_ci_low"], q3["raw_ci_high"]) == pytest.approx(
        (1261.7502022088124, 1259.233743575206, 1264.1410341397448))
    assert q4["raw_score"] == pytest.approx(1283.465895957351)
    assert q4["observed_at"].date().isoformat() == "2025-12-11" and q4["source_model_id"] == "gpt-4o-2024-08-06"


def test_the_newest_snapshot_then_the_best_variant_stands_for_the_model(warehouse):
    con, _ = warehouse
    # gpt-4o-2024-05-13 scores higher on the board (1346.4) but the name serves the 2024-08-06 release.
    gpt4o = _score(con, "2026Q3", "openai/gpt-4o", "arena_elo", "lmarena")
    assert (gpt4o["source_model_id"], gpt4o["snapshot"].isoformat()) == ("gpt-4o-2024-08-06", "2024-08-06")
    assert gpt4o["raw_score"] == pytest.approx(1335.7637246399254)
    # Same snapshot: the thinking run (1423.3) stands before the plain one (1412.2), and says so.
    opus4 = _score(con, "2026Q3", "anthropic/claude-opus-4", "arena_elo", "lmarena")
    assert (opus4["source_model_id"], opus4["variant"]) == ("claude-opus-4-20250514-thinking-16k", "thinking:16k")
    assert opus4["raw_score"] == pytest.approx(1423.2936349572346)
    # The running quarter carries the newest board forward and is provisional.
    q4 = _score(con, "2026Q4", "anthropic/claude-opus-4", "arena_elo", "lmarena")
    assert q4["raw_score"] == opus4["raw_score"] and q4["provisional"] is True


def test_curated_rows_count_from_their_own_date(warehouse):
    con, _ = warehouse
    sonnet4 = _score(con, "2025Q3", "anthropic/claude-sonnet-4", "swe_bench_verified", "curated_benchmarks")
    assert sonnet4["score"] == 72.7
    none = query(con, "SELECT * FROM benchmark_scores WHERE quarter = '2025Q3' AND canonical_model = "
                      "'anthropic/claude-opus-4.5' AND source = 'curated_benchmarks'")
    assert none.height == 0  # published 2025-11-24, after 2025Q3
    assert _score(con, "2025Q4", "anthropic/claude-opus-4.5", "swe_bench_verified",
                  "curated_benchmarks")["score"] == 80.9


def test_re_anchoring_between_boards_is_not_a_move(warehouse):
    con, _ = warehouse
    moves = quarter_rows(con, "benchmark_score_moves", Quarter(2025, 4))
    arena = moves.filter(pl.col("benchmark") == "arena_elo_raw")
    gpt4o = arena.filter(pl.col("canonical_model") == "openai/gpt-4o").to_dicts()[0]
    assert gpt4o["delta"] == pytest.approx(1283.465895957351 - 1261.7502022088124)
    assert gpt4o["anchor_delta"] == pytest.approx(19.014, abs=1e-3)  # the boards' common models moved 19 points
    assert gpt4o["adjusted_delta"] == pytest.approx(gpt4o["delta"] - gpt4o["anchor_delta"])
    assert abs(gpt4o["adjusted_delta"]) < 3.0 and not gpt4o["unexplained"]
    assert arena.height >= 14 and not arena["unexplained"].any()


def test_quality_index_ranks_the_quarter(warehouse):
    con, _ = warehouse
    index = quarter_rows(con, "quality_index", Quarter(2025, 4)).filter(pl.col("meets_coverage"))
    best = index.sort("quality_index", descending=True).to_dicts()
    assert best[0]["quality_index"] <= 100 and best[-1]["canonical_model"] == "eleutherai/pythia-12b"
    ranks = [r["canonical_model"] for r in best]
    assert ranks.index("openai/gpt-5") < ranks.index("openai/gpt-4o") < ranks.index("meta-llama/llama-3.1-8b-instruct")


def test_status_lists_unmapped_names_with_counts(warehouse):
    con, _ = warehouse
    text = alias_coverage_report(con)
    lmarena_line = next(line for line in text.splitlines() if line.strip().startswith("lmarena"))
    unmapped = query(con, "SELECT count(*) AS n FROM benchmark_unmapped_models WHERE source = 'lmarena' "
                          "AND status = 'unmapped'")["n"][0]
    assert lmarena_line.split()[4] == str(unmapped)


def test_score_outside_its_scale_is_quarantined(tmp_path):
    con = _warehouse(tmp_path)
    (tmp_path / "benchmark_scores.csv").write_text(
        "model,benchmark,score,scale_max,observed_on,citation\n"
        "openai/gpt-4o,mmlu,88.7,100,2024-05-13,https://openai.com/index/hello-gpt-4o/\n"
        "openai/gpt-4o,mt_bench,12.5,10,2024-05-13,a figure typed on the wrong scale\n")
    outcome = _ingest(con, tmp_path, source_by_name("curated_benchmarks"), curated_dir=tmp_path)
    held = query(con, "SELECT rule, row_key FROM quarantine")
    assert held["rule"].to_list() == ["score_outside_scale"] and "mt_bench" in held["row_key"][0]
    assert (outcome.rows_added, outcome.quarantined) == (1, 1)
    snapshot_benchmark_scores(con, Quarter(2026, 4), True)
    assert query(con, "SELECT benchmark FROM benchmark_scores")["benchmark"].to_list() == ["mmlu"]
    con.close()

