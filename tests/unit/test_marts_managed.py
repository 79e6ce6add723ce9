"""Managed inference on small frames: which offers count, the cheapest, the crossover and TCO against it."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core.validate import schema_failures
from pipeline.marts.api import PRICES_SCHEMA
from pipeline.marts.assumptions import load_assumptions
from pipeline.marts.checks import managed_crossover_inconsistencies
from pipeline.marts.costs import blended_usd_per_mtok
from pipeline.marts.drift import managed_inference_drift
from pipeline.marts.managed import managed_crossover, managed_inference
from pipeline.marts.selfhosted import self_hosted_cost, tco_at_volume
from pipeline.marts.tables import stamp
from schemas.marts import MART_SCHEMAS

A = load_assumptions()  # 1,000 + 1,000 tokens a request; meta-llama's own API is meta_llama
MODELS = pl.DataFrame({"canonical_model": ["meta-llama/llama-3.1-8b-instruct", "meta-llama/llama-3.1-70b-instruct",
                                           "openai/gpt-4o", "acme/unknown-weights", "google/gemma-2-9b-it"],
                       "weights_open": [True, True, False, None, True]})
DAY = datetime(2026, 6, 1)


def price(model, provider, i, o, source="litellm", **kw) -> dict:
    return {"canonical_model": model, "provider": provider, "source": source, "source_model_id": f"{provider}/{model}",
            "service_tier": "standard", "context_tier_min_tokens": 0, "is_free": False, "input_usd_per_mtok": i,
            "output_usd_per_mtok": o, "observed_at": DAY, "fetch_id": f"f-{source}", **kw}


def frame(*rows) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=PRICES_SCHEMA)


L8, L70 = "meta-llama/llama-3.1-8b-instruct", "meta-llama/llama-3.1-70b-instruct"
PRICES = frame(
    price(L8, "together_ai", 0.18, 0.18),
    price(L8, "openrouter", 0.05, 0.08, source="openrouter"),
    price(L8, "openrouter", 0.0, 0.0, source="openrouter", is_free=True),           # a free, rate-limited offer
    price(L8, "meta_llama", 0.01, 0.01),                                            # Meta's own API: not managed
    price(L8, "groq", 0.05, 0.08, context_tier_min_tokens=128_000),                 # not the base context tier
    price(L70, "together_ai", 0.88, 0.88, source="lmarena_prices", quantization="fp8"),
    price(L70, "together_ai", 0.88, 0.88, source="litellm", observed_at=datetime(2026, 6, 20)),
    price(L70, "fireworks", 0.90, 0.90, source="litellm", variant="turbo", quantization="fp8"),
    price(L70, "fireworks", 0.90, 0.90, source="litellm"),
    price("openai/gpt-4o", "openrouter", 2.5, 10.0),                                # closed weights
    price("acme/unknown-weights", "together_ai", 0.1, 0.1),                         # weights_open unknown
    price("google/gemma-2-9b-it", "gemini", 0.1, 0.1))                              # Google's own API


@pytest.fixture(scope="module")
def managed():
    return managed_inference(PRICES, MODELS, A)


def offer(managed: pl.DataFrame, model: str, provider: str, **where) -> dict:
    hits = managed.filter((pl.col("canonical_model") == model) & (pl.col("provider") == provider))
    for k, v in where.items():
        hits = hits.filter(pl.col(k).is_null() if v is None else pl.col(k) == v)
    assert hits.height == 1, hits
    return hits.row(0, named=True)


def test_only_open_models_at_providers_other_than_the_developer(managed):
    assert set(managed["canonical_model"]) == {L8, L70}  # closed, unknown and first-party-only models left out
    assert "meta_llama" not in set(managed["provider"])
    assert managed.filter(pl.col("canonical_model") == L8).height == 3  # together, openrouter paid and free


def test_the_cheapest_paid_offer_and_the_free_one(managed):
    cheapest = managed.filter(pl.col("is_cheapest"))
    assert dict(zip(cheapest["canonical_model"], cheapest["provider"])) == {L8: "openrouter", L70: "together_ai"}
    free = offer(managed, L8, "openrouter", is_free=True)
    assert (free["is_cheapest"], free["blended_usd_per_mtok"]) == (False, 0.0)  # listed, never cheapest
    paid = offer(managed, L8, "openrouter", is_free=False)
    assert (paid["blended_usd_per_mtok"], paid["usd_per_request"]) == (0.065, 0.00013)
    assert set(managed.filter(pl.col("canonical_model") == L8)["providers_offering"]) == {2}


def test_one_offer_per_source_group_keeping_a_stated_quantization(managed):
    together = offer(managed, L70, "together_ai")
    # The newer LiteLLM row stands for the offer; LMArena's statement that it is FP8 is kept.
    assert (together["source"], together["observed_at"], together["quantization"]) == (
        "litellm", datetime(2026, 6, 20), "fp8")
    base, turbo = offer(managed, L70, "fireworks", variant=None), offer(managed, L70, "fireworks", variant="turbo")
    assert (base["quantization"], turbo["quantization"]) == (None, "fp8")
    assert not base["is_cheapest"] and not turbo["is_cheapest"]


def test_a_tie_goes_to_the_base_offer():
    tied = managed_inference(frame(price(L8, "groq", 0.05, 0.05, variant="instant"), price(L8, "zeta", 0.05, 0.05)),
                             MODELS, A)
    assert tied.filter(pl.col("is_cheapest"))[["provider", "variant"]].rows() == [("zeta", None)]


def test_managed_inference_passes_its_schema_and_the_schema_bites(managed):
    stamped = stamp(managed, "2026Q2", False, A.hash)
    assert schema_failures(MART_SCHEMAS["managed_inference"], stamped).height == 0
    two = stamped.with_columns(pl.lit(True).alias("is_cheapest"))  # two cheapest per model, one of them free
    assert "one_paid_cheapest_per_model" in set(schema_failures(MART_SCHEMAS["managed_inference"], two)["check"])


@settings(deadline=None)  # a shared machine's load is not the code's speed
@given(st.integers(0, 10_000), st.integers(1, 10_000), st.decimals(0, 100, places=3), st.decimals(0, 100, places=3))
def test_the_blended_price_is_the_token_weighted_mean(tokens_in, tokens_out, price_in, price_out):
    got = blended_usd_per_mtok(tokens_in, tokens_out, float(price_in), float(price_out))
    exact_mean = (tokens_in * Fraction(price_in) + tokens_out * Fraction(price_out)) / (tokens_in + tokens_out)
    assert got == float(exact_mean)  # exact from the decimals as written, rounded once
    assert float(min(price_in, price_out)) <= got <= float(max(price_in, price_out))


GPU_RATES = pl.DataFrame({"gpu": ["A10G", "H100-SXM"], "min_usd_per_gpu_hour": [1.006, 2.0],
                          "median_usd_per_gpu_hour": [1.006, 2.0], "offers": [1, 1]})
GPU_MEMORY = pl.DataFrame({"gpu": ["A10G", "H100-SXM", "A100-80GB"], "gpu_memory_gb": [24.0, 80.0, 80.0]})


def test_managed_crossover_against_the_cheapest_offer(managed):
    hosted = self_hosted_cost(A, GPU_RATES, GPU_MEMORY)
    cross = managed_crossover(A, hosted, managed)
    a10g = cross.filter(pl.col("deployment") == "8b-fp16-a10g").row(0, named=True)
    # 1,511,100 requests cost $196.44 at OpenRouter's $0.00013: less than the A10G's $734.38 a month.
    assert (a10g["provider"], a10g["api_usd_per_request"], a10g["monthly_capacity_requests"]) == (
        "openrouter", 0.00013, 1_511_100)
    assert a10g["breakeven_requests_gpu_only"] is None
    assert a10g["reason_gpu_only"].startswith("the API is cheaper even at full load: 1,511,100 requests cost $196.44")
    # 70B FP8 on 2x H100 at $2/GPU-hour ($2,920) against Together's $0.00176 a request, 5,525,370 a month.
    fp8 = cross.filter(pl.col("deployment") == "70b-fp8-2xh100").row(0, named=True)
    assert fp8["breakeven_requests_gpu_only"] == 1_659_091  # ceil(2,920 / 0.00176)
    # A replica saves 5,525,370 x 0.00176 - 2,920 = $6,804.65 a month: one recovers the $4,182 hidden costs.
    assert (fp8["breakeven_requests_with_hidden_costs"], fp8["replicas_with_hidden_costs"]) == (4_035_228, 1)
    assert (fp8["quantization"], fp8["source"], fp8["throughput_basis"]) == ("fp8", "litellm", "assumption")
    none = cross.filter(pl.col("deployment") == "405b-fp8-8xh100").row(0, named=True)
    assert none["reason_gpu_only"] == "no paid managed offer for meta-llama/llama-3.1-405b-instruct this quarter"
    stamped = {n: stamp(f, "2026Q2", False, A.hash) for n, f in
               {"c": cross, "h": hosted, "m": managed}.items()}
    assert managed_crossover_inconsistencies(stamped["c"], stamped["h"], stamped["m"]).height == 0
    moved = stamped["c"].with_columns(pl.col("api_usd_per_request") * 2)
    assert managed_crossover_inconsistencies(moved, stamped["h"], stamped["m"]).height > 0


def test_tco_prices_a_managed_option_at_its_cheapest_offer(managed):
    hosted = self_hosted_cost(A, GPU_RATES, GPU_MEMORY)
    tco = tco_at_volume(A, hosted, pl.DataFrame(schema={"canonical_model": pl.String}), managed)
    row = tco.filter((pl.col("option") == f"managed:{L70}") & (pl.col("monthly_requests") == 10_000_000)).row(
        0, named=True)
    assert (row["kind"], row["provider"], row["inference"], row["total"]) == (
        "managed", "together_ai", 17_600.0, 17_600.0)
    assert row["note"] == "cheapest managed offer: together_ai (litellm, fp8)"
    gone = tco.filter(pl.col("option") == "managed:meta-llama/llama-3.1-405b-instruct").row(0, named=True)
    assert gone["total"] is None and gone["note"].startswith("no paid managed offer")


def test_drift_follows_the_cheapest_offer(managed):
    later = managed_inference(PRICES.with_columns(
        pl.when((pl.col("provider") == "fireworks") & pl.col("variant").is_null()).then(0.6)
        .otherwise(pl.col("input_usd_per_mtok")).alias("input_usd_per_mtok")), MODELS, A)
    moved = managed_inference_drift(managed, later)
    row = moved.filter(pl.col("canonical_model") == L70).row(0, named=True)
    # Fireworks' base offer at $0.60 / $0.90 (blended $0.75) undercuts Together's $0.88.
    assert (row["old_provider"], row["new_provider"], row["change"]) == ("together_ai", "fireworks", "cut")
    assert row["pct_change"] == pytest.approx((0.75 - 0.88) / 0.88 * 100)
    assert moved.filter(pl.col("canonical_model") == L8)["change"].to_list() == ["unchanged"]


def test_a_providers_base_offer_is_its_api_price():
    from pipeline.marts.api import base_prices

    base = base_prices(frame(price(L70, "groq", 0.59, 0.79, variant="speculative", observed_at=datetime(2026, 6, 30)),
                             price(L70, "groq", 0.70, 0.90), price(L8, "groq", 0.05, 0.08, variant="instant")), A)
    # The newer variant does not replace the base offer; a provider offering only a variant keeps it.
    assert base.select("canonical_model", "input_usd_per_mtok").sort("canonical_model").rows() == [
        (L70, 0.70), (L8, 0.05)]


def test_the_undated_release_name_stands_for_the_model_then_the_newest_snapshot():
    from datetime import date

    from pipeline.marts.api import base_prices

    g4o, mini = "openai/gpt-4o", "openai/gpt-4o-mini"
    base = base_prices(frame(
        # 2024Q3: `gpt-4o` still served the May release at $5 / $15; the cheaper August snapshot was listed beside it.
        price(g4o, "openai", 5.0, 15.0),
        price(g4o, "openai", 2.5, 10.0, snapshot=date(2024, 8, 6)),
        price(mini, "openai", 0.15, 0.6, snapshot=date(2024, 7, 18)),
        price(mini, "openai", 0.3, 1.2, snapshot=date(2024, 1, 1)),
    ), A)
    assert base.select("canonical_model", "input_usd_per_mtok").sort("canonical_model").rows() == [
        (g4o, 5.0), (mini, 0.15)]
    managed = managed_inference(frame(price(L70, "together_ai", 0.88, 0.88, snapshot=date(2024, 7, 23)),
                                      price(L70, "together_ai", 0.9, 0.9)), MODELS, A)
    assert managed["input_usd_per_mtok"].to_list() == [0.9]
