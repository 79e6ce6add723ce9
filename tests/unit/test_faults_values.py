"""Value faults in one OpenRouter response, through the real parser and the prices family's rules.

The healthy response (twelve models as OpenRouter listed them on 2026-08-19) is the previous
observation; the next response carries one bad value per model. Each bad value must end as a
reject (the parser could not read it) or a quarantined row (read, but held back by a named rule),
and every other model must publish unchanged.
"""

import json
from datetime import datetime

import polars as pl
import pytest

from pipeline.core.family import GuardContext
from pipeline.core.validate import validate
from pipeline.prices import FAMILY
from pipeline.prices.openrouter import parse
from tests.conftest import FIXTURES

HEALTHY = (FIXTURES / "prices" / "openrouter_healthy.json").read_bytes()
BEFORE, AFTER = datetime(2026, 8, 19), datetime(2026, 11, 1)

# model -> (the bad pricing it is given, what must become of it)
FAULTS = {
    "openai/gpt-4o": ({"prompt": "-0.0000025", "completion": "0.00001"},
                      ("quarantined", "schema:input_usd_per_mtok:greater_than_or_equal_to(0)")),
    "openai/gpt-4o-mini": ({"prompt": "NaN", "completion": "0.0000006"},
                           ("rejected", "base: prompt price not a finite number")),
    "openai/gpt-4.1": ({"prompt": "-1", "completion": "-1"},
                       ("rejected", "base: prompt price sentinel -1 (price depends on the routed model)")),
    # A per-1M figure in the per-token field: 2.0 USD per token is 2,000,000 per 1M (and ×1e6).
    "openai/o3": ({"prompt": "2", "completion": "8"},
                  ("quarantined", "price_above_cap"), ("quarantined", "price_jump_x100")),
    # Read per 1M twice over (÷1e6): below the previous observation by a factor of a million.
    "anthropic/claude-opus-4": ({"prompt": "0.000000000015", "completion": "0.000000000075"},
                                ("quarantined", "price_jump_x100")),
    # ×100 up from the previous observation, still under the cap.
    "google/gemini-2.5-pro": ({"prompt": "0.000125", "completion": "0.0001"}, ("quarantined", "price_jump_x100")),
}


@pytest.fixture(scope="module")
def outcome():
    previous = parse(HEALTHY, BEFORE).rows
    doc = json.loads(HEALTHY)
    for model in doc["data"]:
        if model["id"] in FAULTS:
            model["pricing"] = FAULTS[model["id"]][0]
    # The same model listed twice with different prices: which one holds is unknowable.
    twin = next(m for m in doc["data"] if m["id"] == "qwen/qwen-2.5-72b-instruct")
    doc["data"].append({**twin, "pricing": {"prompt": "0.0000009", "completion": "0.0000009"}})
    parsed = parse(json.dumps(doc).encode(), AFTER)
    ctx = GuardContext("openrouter", previous.with_columns(pl.lit("openrouter").alias("source")), None)
    return previous, parsed, validate(FAMILY, parsed.rows, ctx)


def test_each_bad_value_is_rejected_or_quarantined_for_its_named_rule(outcome):
    _, parsed, checked = outcome
    got: dict[str, set] = {}
    for model, reason in parsed.rejects.select("record_key", "reason").rows():
        got.setdefault(model, set()).add(("rejected", reason))
    for model, rule in checked.quarantined.select("source_model_id", "rule").rows():
        if model != "qwen/qwen-2.5-72b-instruct":
            got.setdefault(model, set()).add(("quarantined", rule))
    assert got == {model: set(expected) for model, (_, *expected) in FAULTS.items()}


def test_duplicate_keys_hold_back_both_rows(outcome):
    _, _, checked = outcome
    twins = checked.quarantined.filter(pl.col("source_model_id") == "qwen/qwen-2.5-72b-instruct")
    assert twins["rule"].to_list() == ["duplicate_key", "duplicate_key"]
    assert sorted(twins["input_usd_per_mtok"].to_list()) == [0.36, 0.9]
    assert "2 rows share this key in one fetch" in twins["detail"][0]


def test_every_other_model_publishes_unchanged(outcome):
    previous, _, checked = outcome
    untouched = set(previous["source_model_id"]) - set(FAULTS) - {"qwen/qwen-2.5-72b-instruct"}
    assert set(checked.clean["source_model_id"]) == untouched and len(untouched) == 5
    cols = ["source_model_id", "input_usd_per_mtok", "output_usd_per_mtok"]
    assert checked.clean.select(cols).sort("source_model_id").equals(
        previous.filter(pl.col("source_model_id").is_in(sorted(untouched))).select(cols).sort("source_model_id"))
