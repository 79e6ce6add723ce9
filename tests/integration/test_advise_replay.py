"""`ledger advise` on the shipped data (the replay build): the decision framework's own cases come
out as the guide reasons, every figure agrees with the published tables, and every number in the
JSON answer names where it comes from."""

from __future__ import annotations

import json

import duckdb
import pytest
from click.testing import CliRunner

from pipeline.app.cli import main
from pipeline.core.warehouse import RefreshLock
from tests.support.replay_build import replay_build

pytestmark = pytest.mark.integration
QUARTERS = ["2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4"]


@pytest.fixture(scope="module")
def paths(tmp_path_factory, instance):
    return replay_build(tmp_path_factory, instance)[0]


def run(paths, *args: str, code: int = 0):
    done = CliRunner().invoke(main, ["advise", *args], env={"LEDGER_WAREHOUSE_DIR": str(paths.warehouse_dir)})
    assert done.exit_code == code, done.output
    return done


def advise(paths, *args: str) -> dict:
    return json.loads(run(paths, *args, "--format", "json").stdout)


def sql(paths, query: str, params=()):
    with duckdb.connect(str(paths.db), read_only=True) as con:
        return con.execute(query, list(params)).fetchall()


def test_without_an_ml_ops_team_an_api_ranks_first(paths):
    out = advise(paths, "--requests-per-month", "1000000", "--no-ml-ops")
    assert out["options"][0]["kind"] in ("closed_api", "managed")
    assert {o["kind"] for o in out["options"]} <= {"closed_api", "managed"}
    hosted = [e for e in out["excluded"] if e["kind"] == "self_hosted"]
    assert len(hosted) == 10 and {e["rule"] for e in hosted} == {"no_ml_ops"}
    # The top figure is the published price times the volume and the default mix (1,000 + 1,000 tokens).
    top = out["options"][0]
    (pin, pout), = sql(paths, "SELECT DISTINCT input_usd_per_mtok, output_usd_per_mtok FROM api_cost_at_scale "
                              "WHERE quarter = '2026Q4' AND canonical_model = ? AND provider = ?",
                       [top["model"], top["provider"]])
    assert top["monthly_cost_usd"] == pytest.approx(1_000_000 * (1000 * pin + 1000 * pout) / 1e6)


def test_regulated_data_with_an_ml_ops_team_at_1m_requests_self_hosts_open_weights(paths):
    out = advise(paths, "--requests-per-month", "1000000", "--data-in-house")
    top = out["options"][0]
    assert top["kind"] == "self_hosted" and top["weights_open"] is True
    assert {o["kind"] for o in out["options"]} == {"self_hosted"}
    assert {e["rule"] for e in out["excluded"]} == {"data_in_house"}
    (gpu, hidden, capacity), = sql(paths, "SELECT monthly_gpu_cost_high, hidden_costs_usd, monthly_capacity_requests "
                                          "FROM self_hosted_cost WHERE quarter = '2026Q4' AND deployment = ?", [top["id"]])
    replicas = -(-1_000_000 // capacity)
    assert top["cost"]["replicas"] == replicas and top["monthly_cost_usd"] == pytest.approx(replicas * gpu + hidden)
    # Every other deployment costs at least as much at this volume.
    assert all(o["monthly_cost_usd"] >= top["monthly_cost_usd"] for o in out["options"])


def test_800m_monthly_active_users_rule_out_every_llama_model_quoting_the_700m_clause(paths):
    out = advise(paths, "--requests-per-month", "1000000", "--monthly-active-users", "800000000")
    assert not [o for o in out["options"] if (o["model"] or "").startswith("meta-llama/")]
    llama = [e for e in out["excluded"] if e["model"].startswith("meta-llama/")]
    assert {e["rule"] for e in llama} == {"mau_license"}
    # The ten self-hosted deployments and every managed Llama offer of the quarter are ruled out.
    (managed,), = sql(paths, "SELECT count(*) FROM managed_inference "
                             "WHERE quarter = '2026Q4' AND canonical_model LIKE 'meta-llama/%'")
    assert managed > 0
    assert sum(e["kind"] == "self_hosted" for e in llama) == 10
    assert sum(e["kind"] == "managed" for e in llama) == managed and len(llama) == 10 + managed
    clause = llama[0]["evidence"][1]
    (stored,), = sql(paths, "SELECT mau_threshold_evidence FROM licenses WHERE source_url = ? AND version_sha256 = ?",
                     [clause["source_url"], clause["version_sha256"]])
    assert clause["passage"] == stored and "greater than 700 million monthly active users" in stored
    assert clause["threshold"] == 700_000_000
    text = run(paths, "--requests-per-month", "1000000", "--monthly-active-users", "800000000").stdout
    over = sum(e["rule"] == "mau_license" for e in out["excluded"])  # Llama's 700M and Qwen's 100M clauses
    assert over > len(llama) and f"mau_license ({over})" in text and "greater than 700 million monthly active users" in text
    # Below the threshold the deployments are offered again.
    again = advise(paths, "--requests-per-month", "1000000", "--monthly-active-users", "600000000")
    assert sum(o["kind"] == "self_hosted" for o in again["options"]) == 10
    assert sum(o["kind"] == "managed" and o["model"].startswith("meta-llama/") for o in again["options"]) == managed


def test_on_the_edge_only_weights_that_fit_the_memory_budget_are_offered(paths):
    out = advise(paths, "--requests-per-month", "1000000", "--edge")
    assert [o["id"] for o in out["options"]] == ["8b-int4-t4"]  # 8B x 0.5 bytes x 1.2 = 4.8 GB of 8 GB
    rules = {e["id"]: e["rule"] for e in out["excluded"]}
    assert rules["8b-fp8-h100"] == "edge_memory" and rules["70b-int4-a100"] == "edge_memory"
    assert {r for k, r in rules.items() if "/" in k} == {"edge_off_device"}
    memory = next(e for e in out["excluded"] if e["id"] == "8b-fp8-h100")["evidence"][1]
    assert memory["weights_gb"] == pytest.approx(9.6) and memory["budget_gb"] == 8


def test_a_structured_task_allows_a_tier_2_open_model_a_complex_one_does_not(paths):
    structured = advise(paths, "--requests-per-month", "1000000", "--task", "structured")
    credited = [o for o in structured["options"] if o["weights_open"] and o["tier_for_task"] == 2]
    # Credited: 70B+ open weights whose composite tier is 3 or not yet ranked.
    assert credited and {o["tier"] for o in credited} <= {3, None} and 3 in {o["tier"] for o in credited}
    assert {o["credits"][0]["rule"] for o in credited} == {"structured_open_70b"}
    assert all(o["tier_for_task"] <= 2 for o in structured["options"])
    complex_ = advise(paths, "--requests-per-month", "1000000", "--task", "complex")
    assert complex_["options"] and all(o["tier_for_task"] == 1 and not o["weights_open"] for o in complex_["options"])
    assert {o["id"] for o in credited} <= {e["id"] for e in complex_["excluded"] if e["rule"] == "task_complex"}


def test_the_json_answer_is_the_documented_contract_with_provenance_for_every_number(paths):
    out = advise(paths, "--requests-per-month", "2500000", "--input-tokens", "3000", "--output-tokens", "400")
    assert {"schema", "quarter", "provisional", "inputs", "options", "excluded", "unpriced", "notes"} <= set(out)
    assert (out["quarter"], out["provisional"]) == ("2026Q4", True)
    assert out["inputs"]["provenance"] == {"requests_per_month": "--requests-per-month",
                                           "input_tokens": "--input-tokens", "output_tokens": "--output-tokens"}
    (open_rows,), = sql(paths, "SELECT count(*) FROM api_cost_at_scale a JOIN openness_spectrum o "
                               "ON o.quarter = a.quarter AND o.canonical_model = a.canonical_model "
                               "WHERE a.quarter = '2026Q4' AND o.weights_open AND a.monthly_requests = 1000000")
    assert any(n.startswith(f"{open_rows} open-weight model") and "through managed_inference" in n
               for n in out["notes"])
    fetch_ids = {r[0] for r in sql(paths, "SELECT fetch_id FROM raw_fetch")}
    for o in out["options"]:
        assert {"rank", "kind", "id", "provider", "monthly_cost_usd", "tier", "openness", "excluded", "evidence"} <= set(o)
        whats = {e["what"] for e in o["evidence"]}
        if o["kind"] in ("closed_api", "managed"):
            price = next(e for e in o["evidence"] if e["what"] == "price")
            assert price["fetch_id"] in fetch_ids and price["url"] and price["observed_at"]
            table = "api_cost_at_scale" if o["kind"] == "closed_api" else "managed_inference"
            assert price["quarter"] == "2026Q4" and price["table"] == table
        else:
            assert {"self_hosted_cost", "gpu_rate", "capacity", "hidden_costs"} <= whats
            assert all(e["fetch_id"] in fetch_ids for e in o["evidence"] if e["what"] == "gpu_rate")
            assert next(e for e in o["evidence"] if e["what"] == "hidden_costs")["citation"].count("https://") >= 3
        if o["tier"] is not None:
            assert "tier" in whats


def test_a_past_quarter_and_the_history_answer_from_their_own_tables(paths):
    past = advise(paths, "--requests-per-month", "1000000", "--quarter", "2025Q3")
    assert past["quarter"] == "2025Q3" and past["provisional"] is False
    assert all(e["quarter"] == "2025Q3" for o in past["options"] for e in o["evidence"] if "quarter" in e)
    with_history = advise(paths, "--requests-per-month", "1000000", "--data-in-house", "--history")
    assert [h["quarter"] for h in with_history["history"]] == QUARTERS
    last = with_history["history"][-1]["top"]
    assert (last["key"], last["monthly_cost_usd"]) == (with_history["options"][0]["key"],
                                                       with_history["options"][0]["monthly_cost_usd"])
    assert all(h["top"]["kind"] == "self_hosted" for h in with_history["history"])
    done = run(paths, "--requests-per-month", "10", "--quarter", "2031Q1", code=2)
    assert "no options computed for 2031Q1" in done.output and "2026Q4" in done.output


def test_a_usage_export_sets_volume_and_mix_and_its_bad_rows_are_named(paths, tmp_path):
    usage = tmp_path / "spend_logs.csv"
    usage.write_text("request_id,prompt_tokens,completion_tokens,startTime\n"
                     "a,1200,300,2026-10-01T00:00:00Z\nb,800,500,2026-10-01T12:00:00Z\nc,oops,1,2026-10-01T13:00:00Z\n")
    out = advise(paths, "--usage", str(usage))
    assert (out["inputs"]["requests_per_month"], out["inputs"]["input_tokens"], out["inputs"]["output_tokens"]) == (
        61, 1000, 400)  # 2 requests in one day x 730 / 24 = 60.8
    assert out["inputs"]["usage"]["bad"] == [{"where": "line 4", "reason": "prompt_tokens is not a number ('oops')"}]
    text = run(paths, "--usage", str(usage)).stdout
    assert "bad row line 4: prompt_tokens is not a number ('oops')" in text
    clash = run(paths, "--usage", str(usage), "--input-tokens", "5", code=2)
    assert "not both" in clash.output


def test_it_answers_while_a_refresh_holds_the_lock_and_says_when_nothing_is_published(paths, tmp_path):
    lock = RefreshLock(paths.lock_file)
    lock.acquire({"run_id": "test", "pid": 0})
    try:
        assert advise(paths, "--requests-per-month", "1000")["options"]
    finally:
        lock.release()
    done = CliRunner().invoke(main, ["advise", "--requests-per-month", "1"],
                              env={"LEDGER_WAREHOUSE_DIR": str(tmp_path / "empty")})
    assert done.exit_code == 2 and "nothing published yet" in done.output
