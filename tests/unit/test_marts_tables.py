"""The mart frames of a quarter, read from snapshot tables built from tests/fixtures/marts."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from pipeline.core.quarters import Quarter
from pipeline.core.validate import schema_failures
from pipeline.marts.assumptions import load_assumptions
from pipeline.marts.checks import crossover_inconsistencies, negative_costs, uncovered_required_models
from pipeline.marts.inputs import coverage_inputs, load_quarter
from pipeline.marts.store import compute_drift, compute_quarter
from pipeline.marts.tables import stamp
from schemas.marts import MART_SCHEMAS
from tests.conftest import FIXTURES

Q2, Q3 = Quarter(2025, 2), Quarter(2025, 3)
TABLES = ("model_prices", "gpu_price_summary", "gpus", "quality_index", "models", "openness_spectrum",
          "license_changes", "throughput_measurements")


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    for table in TABLES:
        c.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, header = true)",
                  [str(FIXTURES / "marts" / f"{table}.csv")])
    yield c
    c.close()


@pytest.fixture(scope="module")
def a():
    return load_assumptions()


@pytest.fixture(scope="module")
def q3(con, a):
    frames, missing = compute_quarter(con, Q3, a)
    assert missing == ["benchmark_scores"] or missing == []
    return frames


def row(frame: pl.DataFrame, **where) -> dict:
    hits = frame.filter(pl.all_horizontal([pl.col(k) == v for k, v in where.items()]))
    assert hits.height == 1, f"{where}: {hits.height} rows"
    return hits.row(0, named=True)


def test_inputs_read_only_the_asked_quarter(con, a):
    inputs = load_quarter(con, Q2, a.tier_metric)
    assert set(inputs.prices["fetch_id"]) == {"f-q2-litellm", "f-q2-openrouter"}
    assert inputs.gpu_rates.filter(pl.col("gpu") == "H100-SXM")["median_usd_per_gpu_hour"].to_list() == [12.29]
    assert inputs.license_changes.height == 0  # the gemma text changed in Q3
    assert load_quarter(con, Q3, a.tier_metric).license_changes["license_id"].to_list() == ["gemma"]


def test_api_cost_uses_base_standard_paid_prices(q3):
    cost = q3["api_cost_at_scale"]
    mini = row(cost, canonical_model="openai/gpt-4o-mini", monthly_requests=100_000)
    assert mini["monthly_cost_usd"] == 75.0  # the worked example
    sonnet = cost.filter((pl.col("canonical_model") == "anthropic/claude-sonnet-4"))
    assert set(sonnet["input_usd_per_mtok"]) == {3.0}  # not the >200K tier
    o3 = row(cost, canonical_model="openai/o3", monthly_requests=1_000_000)
    assert (o3["input_usd_per_mtok"], o3["monthly_cost_usd"]) == (2.0, 10_000.0)  # standard, not flex
    assert set(cost.filter(pl.col("canonical_model") == "meta-llama/llama-3.1-8b-instruct")["source_model_id"]) == {
        "meta-llama/llama-3.1-8b-instruct"}  # not the :free variant
    assert cost.height == 8 * 4  # 8 (model, provider) pairs x 4 volumes


def test_curated_row_wins_and_first_party_is_the_reference(q3):
    cost = q3["api_cost_at_scale"]
    assert row(cost, canonical_model="openai/gpt-4o-mini", monthly_requests=100_000)["source"] == "curated_prices"
    ref = cost.filter(pl.col("is_reference") & (pl.col("monthly_requests") == 100_000))
    assert dict(zip(ref["canonical_model"], ref["provider"])) == {
        "anthropic/claude-sonnet-4": "anthropic", "google/gemini-2.5-pro": "gemini",
        "meta-llama/llama-3.1-70b-instruct": "openrouter", "meta-llama/llama-3.1-8b-instruct": "openrouter",
        "openai/gpt-4o": "openai", "openai/gpt-4o-mini": "openai", "openai/o3": "openai"}


def test_self_hosted_cost_from_the_gpu_summary(q3):
    hosted = q3["self_hosted_cost"]
    a10g = row(hosted, deployment="8b-fp16-a10g")
    assert (a10g["monthly_gpu_cost_low"], a10g["monthly_gpu_cost_high"]) == (734.38, 884.76)
    assert a10g["usd_per_mtok_output_high"] == pytest.approx(884.76 / 1511.1)
    assert (a10g["fits_in_memory"], a10g["note"]) == (True, "needs 19.2 GB of 24 GB")
    h100 = row(hosted, deployment="405b-fp8-8xh100")
    assert h100["monthly_gpu_cost_high"] == pytest.approx(6.88 * 8 * 730)
    l4 = row(hosted, deployment="8b-fp16-l4")  # no L4 rate this quarter: no cost, and it says so
    assert l4["monthly_gpu_cost_low"] is None and "no on-demand rate" in l4["note"]


def test_crossover_rows(q3):
    cross = q3["crossover"]
    mini = row(cross, deployment="8b-fp16-a10g", canonical_model="openai/gpt-4o-mini")
    assert mini["breakeven_requests_gpu_only"] == 1_179_680       # ceil(884.76 / 0.00075)
    assert mini["breakeven_requests_gpu_only_low"] == 979_174     # at the cheapest A10G rate
    # A full replica saves $248.565 against the API: 8 replicas recover $1,797 of hidden costs.
    assert (mini["breakeven_requests_with_hidden_costs"], mini["replicas_with_hidden_costs"]) == (11_833_440, 8)
    assert mini["reason_gpu_only"] is None and mini["reason_with_hidden_costs"] is None


def test_crossover_reasons(q3):
    cross = q3["crossover"]
    hosted_8b = row(cross, deployment="8b-fp16-a10g", canonical_model="meta-llama/llama-3.1-8b-instruct")
    assert hosted_8b["breakeven_requests_gpu_only"] is None
    assert hosted_8b["reason_gpu_only"].startswith("the API is cheaper even at full load")
    haiku = row(cross, deployment="8b-fp16-a10g", canonical_model="anthropic/claude-3.5-haiku")
    assert haiku["reason_gpu_only"] == "no base API price for anthropic/claude-3.5-haiku this quarter"
    l4 = row(cross, deployment="8b-fp16-l4", canonical_model="openai/gpt-4o-mini")
    assert l4["reason_gpu_only"] == "no GPU cost for L4 this quarter"


def test_tco_at_volume(q3):
    tco = q3["tco_at_volume"]
    api = row(tco, option="api:openai/gpt-4o", monthly_requests=1_000_000)
    assert (api["inference"], api["total"], api["provider"]) == (12_500.0, 12_500.0, "openai")
    dep = row(tco, option="deployment:70b-fp8-2xh100", monthly_requests=10_000_000)
    # 2 replicas of 2x H100-SXM at $6.88 x 730 h, + $3,940 + $150 + $92
    assert dep["replicas"] == 2
    assert dep["inference"] == pytest.approx(2 * 2 * 6.88 * 730)
    assert dep["total"] == pytest.approx(2 * 2 * 6.88 * 730 + 4182)


def test_quality_tiers_use_the_composite_with_coverage(q3):
    tiers = q3["quality_tiers"]
    assert "openai/gpt-4o-mini" not in tiers["canonical_model"].to_list()  # below coverage in Q2 only
    assert row(tiers, canonical_model="openai/o3")["tier"] == 1              # 1 point from the best
    assert row(tiers, canonical_model="openai/gpt-4o")["tier"] == 3          # 9 points


def test_drift_between_consecutive_quarters(con, a):
    drift = compute_drift(con, Q3, a)
    prices = drift["price_drift"]
    o3 = row(prices, canonical_model="openai/o3", provider="openai")
    assert (o3["change"], o3["pct_change"], o3["input_pct_change"]) == ("cut", -80.0, -80.0)
    assert row(prices, canonical_model="google/gemini-2.5-pro", provider="gemini")["change"] == "new"
    assert row(prices, canonical_model="openai/gpt-4o", provider="openai")["change"] == "unchanged"
    tiers = drift["tier_drift"]
    sonnet = row(tiers, canonical_model="anthropic/claude-sonnet-4")   # best moved from 92 to 93
    assert (sonnet["old_tier"], sonnet["new_tier"], sonnet["change"]) == (1, 2, "down")
    gpu = row(drift["gpu_rate_drift"], gpu="H100-SXM")
    assert (gpu["change"], round(gpu["pct_change"], 2)) == ("down", -44.02)
    # The H100 cut moves 70B FP8 vs GPT-4o ($0.0125 a request) from ceil($17,943.40 / 0.0125) to
    # ceil($10,044.80 / 0.0125), and makes 405B on 8x H100 break even at all.
    cross = row(drift["crossover_drift"], deployment="70b-fp8-2xh100", canonical_model="openai/gpt-4o")
    assert (cross["old_breakeven_requests_gpu_only"], cross["new_breakeven_requests_gpu_only"],
            cross["change"]) == (1_435_472, 803_584, "down")
    big = row(drift["crossover_drift"], deployment="405b-fp8-8xh100", canonical_model="openai/gpt-4o")
    assert big["old_breakeven_requests_gpu_only"] is None and big["change"] == "new"
    lic = drift["license_drift"]
    assert lic.select("kind", "license_id", "material").rows() == [("license_text", "gemma", False)]
    gap = drift["open_closed_gap"].row(0, named=True)
    assert (gap["best_closed_model"], gap["best_open_model"], gap["gap"], gap["previous_gap"]) == (
        "google/gemini-2.5-pro", "meta-llama/llama-3.1-70b-instruct", 23.0, 22.0)
    assert set(prices["previous_quarter"]) == {"2025Q2"} and set(prices["previous_computed"]) == {True}


def test_drift_against_a_quarter_never_computed(con, a):
    drift = compute_drift(con, Q2, a)  # 2025Q1 has no snapshots in the fixtures
    assert set(drift["price_drift"]["change"]) == {"new"}
    assert set(drift["price_drift"]["previous_computed"]) == {False}


def test_checks_pass_on_computed_marts_and_catch_tampering(con, a, q3):
    stamped = {n: stamp(f, "2025Q3", False, a.hash) for n, f in q3.items()}
    cross, hosted, cost = stamped["crossover"], stamped["self_hosted_cost"], stamped["api_cost_at_scale"]
    assert crossover_inconsistencies(cross, hosted, cost).height == 0
    moved = cross.with_columns(pl.when(pl.col("deployment") == "8b-fp16-a10g")
                               .then(pl.col("breakeven_requests_gpu_only") + 1)
                               .otherwise(pl.col("breakeven_requests_gpu_only"))
                               .alias("breakeven_requests_gpu_only"))
    problems = crossover_inconsistencies(moved, hosted, cost)
    assert problems.filter(pl.col("canonical_model") == "openai/gpt-4o-mini")["problem"].to_list() == [
        "breakeven_requests_gpu_only = 1179681 is not the smallest: 1179680 already breaks even"]
    assert negative_costs(cost, ("monthly_cost_usd",)).height == 0
    assert negative_costs(cost.with_columns(-pl.col("monthly_cost_usd")), ("monthly_cost_usd",)).height == cost.height
    spectrum, models = coverage_inputs(con, [Q3])
    missing = uncovered_required_models(cost, stamped["quality_tiers"], spectrum, models)
    assert missing["canonical_model"].to_list() == ["openai/gpt-4o-mini"]  # priced, required, no tier


def test_marts_pass_their_schemas_and_the_schemas_bite(con, a, q3):
    drift = compute_drift(con, Q3, a)
    for name, frame in {**q3, **drift}.items():
        if name in MART_SCHEMAS:
            assert schema_failures(MART_SCHEMAS[name], stamp(frame, "2025Q3", False, a.hash)).height == 0, name
    cross = stamp(q3["crossover"], "2025Q3", False, a.hash)
    silent = cross.with_columns(pl.lit(None, pl.String).alias("reason_gpu_only"))  # a null volume, no reason
    assert "a_volume_or_a_reason" in set(schema_failures(MART_SCHEMAS["crossover"], silent)["check"])
    cost = stamp(q3["api_cost_at_scale"], "2025Q3", False, a.hash).with_columns(-pl.col("monthly_cost_usd"))
    assert schema_failures(MART_SCHEMAS["api_cost_at_scale"], cost).height > 0


def test_capacity_comes_from_the_quarters_measurements(con, a, q3):
    hosted = q3["self_hosted_cost"]
    fp8 = row(hosted, deployment="70b-fp8-2xh100")
    # The fixture's TensorRT-LLM row (2,102.5 tok/s per GPU on 2x H100) is the figure the assumption cites.
    assert (fp8["throughput_basis"], fp8["monthly_capacity_requests"], fp8["throughput_fetch_id"]) == (
        "measured", 5_525_370, "f-q3-trtllm")
    big = row(hosted, deployment="405b-fp8-8xh100")  # scaled from the 70B row by parameters per token
    assert (big["throughput_basis"], big["throughput_flagged"], big["monthly_capacity_requests"]) == (
        "estimated", True, 3_820_008)
    assert row(hosted, deployment="70b-int4-a100")["throughput_basis"] == "assumption"
    q2, _ = compute_quarter(con, Q2, a)  # no measurements before Q3: every deployment on its assumption
    assert set(q2["self_hosted_cost"]["throughput_basis"]) == {"assumption"}
    moved = row(compute_drift(con, Q3, a)["throughput_drift"], deployment="405b-fp8-8xh100")
    assert (moved["old_monthly_capacity_requests"], moved["new_monthly_capacity_requests"], moved["change"]) == (
        3_835_566, 3_820_008, "down")


def test_managed_inference_from_the_snapshot(con, a, q3):
    managed = q3["managed_inference"]
    assert set(managed["canonical_model"]) == {"meta-llama/llama-3.1-8b-instruct", "meta-llama/llama-3.1-70b-instruct"}
    q2, _ = compute_quarter(con, Q2, a)  # Q2 lists OpenRouter's free 8B offer too
    eight = q2["managed_inference"].filter(pl.col("canonical_model") == "meta-llama/llama-3.1-8b-instruct")
    assert eight.sort("is_free").select("provider", "is_free", "is_cheapest", "blended_usd_per_mtok").rows() == [
        ("openrouter", False, True, 0.025), ("openrouter", True, False, 0.0)]
    assert set(eight["providers_offering"]) == {1}
    cross = row(q3["managed_crossover"], deployment="70b-fp8-2xh100")
    assert (cross["provider"], cross["api_usd_per_request"], cross["breakeven_requests_gpu_only"]) == (
        "openrouter", 0.00038, None)


def test_prices_are_read_with_or_without_variant_and_quantization(con, a):
    older = load_quarter(con, Q2, a.tier_metric).prices  # the fixture's model_prices has neither column
    assert older["variant"].null_count() == older["quantization"].null_count() == older.height > 0
    c = duckdb.connect()
    c.execute("CREATE TABLE model_prices AS SELECT *, NULL::VARCHAR AS variant, NULL::VARCHAR AS quantization "
              "FROM read_csv(?, header = true)", [str(FIXTURES / "marts" / "model_prices.csv")])
    c.execute("UPDATE model_prices SET variant = 'free', quantization = 'fp8' WHERE source_model_id LIKE '%:free'")
    inputs = load_quarter(c, Q2, a.tier_metric)
    free = inputs.prices.filter(pl.col("is_free"))
    assert free.select("variant", "quantization", "age_days").rows() == [("free", "fp8", None)]
    assert "model_prices" not in inputs.missing and "throughput_measurements" in inputs.missing
    c.close()
