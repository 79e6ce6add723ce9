"""Row guards for prices: each crafted bad row is held back for the right rule, the rest passes."""

from datetime import datetime

import polars as pl
import pytest

from pipeline.core.family import GuardContext
from pipeline.core.validate import validate
from pipeline.prices import FAMILY
from pipeline.prices.confirm import confirmations
from pipeline.prices.rows import PRICE_ROW_SCHEMA, price_row

HEADER = ("provider,model,input_usd_per_mtok,output_usd_per_mtok,cached_input_usd_per_mtok,cache_write_usd_per_mtok,"
          "batch_input_usd_per_mtok,batch_output_usd_per_mtok,context_tier_min_tokens,observed_on,citation\n")
GOOD = price_row("openai", "gpt-4o", {"input_usd_per_mtok": 2.5, "output_usd_per_mtok": 10.0})


def _frame(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=PRICE_ROW_SCHEMA)


def _ctx(source="litellm", previous=None, conf=None) -> GuardContext:
    prev = previous if previous is not None else _frame().head(0)
    return GuardContext(source, prev, conf)


def _rules(frame, ctx) -> dict[str, str]:
    """Quarantined model -> its rule(s), "+"-joined when a row breaks several."""
    checked = validate(FAMILY, frame, ctx)
    assert GOOD["source_model_id"] in checked.clean["source_model_id"].to_list()  # the good row publishes
    out: dict[str, set[str]] = {}
    for model, rule in zip(checked.quarantined["source_model_id"], checked.quarantined["rule"]):
        out.setdefault(model, set()).add(rule)
    return {model: "+".join(sorted(rules)) for model, rules in out.items()}


def _row(model: str, inp: float, out: float = 10.0, provider: str = "openai") -> dict:
    return price_row(provider, model, {"input_usd_per_mtok": inp, "output_usd_per_mtok": out})


def test_negative_and_nan_prices_are_quarantined_by_the_schema():
    rules = _rules(_frame(GOOD, _row("neg", -1.0), _row("nan", float("nan"))), _ctx())
    assert rules == {"neg": "schema:input_usd_per_mtok:greater_than_or_equal_to(0)",
                     "nan": "schema:input_usd_per_mtok:not_nan"}


def test_price_above_cap_is_held_back():
    rules = _rules(_frame(GOOD, _row("o1-pro", 150.0, 600.0), _row("unit-slip", 3_000_000.0)), _ctx())
    assert rules == {"unit-slip": "price_above_cap"}


def test_x100_jump_against_the_previous_observation_is_held_back():
    previous = _frame(_row("gpt-4.1", 2.0, 8.0), _row("o3", 10.0, 40.0))
    # gpt-4.1 read per token instead of per 1M (2e-06), o3's real 5x cut passes.
    rules = _rules(_frame(GOOD, _row("gpt-4.1", 0.000002, 0.000008), _row("o3", 2.0, 8.0)), _ctx(previous=previous))
    assert rules == {"gpt-4.1": "price_jump_x100"}


def test_duplicate_keys_in_one_fetch_are_held_back():
    checked = validate(FAMILY, _frame(GOOD, _row("gpt-5", 1.25), _row("gpt-5", 1.5)), _ctx())
    assert checked.quarantined["rule"].to_list() == ["duplicate_key", "duplicate_key"]
    assert checked.clean["source_model_id"].to_list() == ["gpt-4o"]


@pytest.fixture
def curated_dir(tmp_path):
    (tmp_path / "prices.csv").write_text(
        HEADER + "openai,openai/o1-pro,1500,6000,,,,,,2025-03-19,https://example.org/crafted-confirmation\n"
        "openai,openai/gpt-4.1,2,8,,,,,,2025-04-14,https://openai.com/index/gpt-4-1/\n")
    (tmp_path / "model_aliases.csv").write_text(
        "source,source_model_id,canonical_model,citation\n"
        "litellm,o1-pro,openai/o1-pro,https://platform.openai.com/docs/models\n"
        "litellm,gpt-4.1,openai/gpt-4.1,https://platform.openai.com/docs/models\n")
    return tmp_path


def test_a_curated_row_stating_the_same_price_confirms_it(curated_dir):
    conf = confirmations(curated_dir)
    assert _rules(_frame(GOOD, _row("o1-pro", 1500.0, 6000.0)), _ctx(conf=conf)) == {}


def test_a_curated_row_for_the_model_does_not_confirm_a_different_price(curated_dir):
    conf = confirmations(curated_dir)
    previous = _frame(_row("gpt-4.1", 2.0, 8.0))
    rules = _rules(_frame(GOOD, _row("o1-pro", 150000.0, 600000.0), _row("gpt-4.1", 200.0, 800.0)),
                   _ctx(previous=previous, conf=conf))
    assert rules == {"o1-pro": "price_above_cap", "gpt-4.1": "price_jump_x100"}


def test_confirmations_only_apply_to_the_source_the_alias_names(curated_dir):
    conf = confirmations(curated_dir)
    # lmarena has no alias to openai/o1-pro: its $1,500 price stays held back.
    assert _rules(_frame(GOOD, _row("o1-pro", 1500.0, 6000.0)), _ctx("lmarena_prices", conf=conf)) == {
        "o1-pro": "price_above_cap"}
