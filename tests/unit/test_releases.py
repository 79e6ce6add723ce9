"""The release-date guard: an observation dated before the model's release is held back."""

from datetime import date, datetime

import polars as pl

from pipeline.core.family import GuardContext
from pipeline.core.releases import RELEASES_SCHEMA, observed_before_release, release_rows
from pipeline.core.validate import ROW

RELEASES = pl.DataFrame([
    {"source": "litellm", "source_model_id": "gpt-5", "release_date": date(2025, 8, 7), "basis": "registry, models.csv"},
], schema=RELEASES_SCHEMA)


def rows(**columns) -> pl.DataFrame:
    frame = pl.DataFrame(columns)
    return frame.with_row_index(ROW).with_columns(pl.col(ROW).cast(pl.Int64))


def test_a_model_priced_before_its_registry_release_is_held_back_with_both_dates():
    got = observed_before_release(rows(source_model_id=["gpt-5", "gpt-4o"]),
                                  GuardContext("litellm", pl.DataFrame(), observed_at=datetime(2025, 8, 5),
                                               releases=RELEASES))
    assert got.rows() == [(0, "gpt-5 observed 2025-08-05, before its release on 2025-08-07 (registry, models.csv)")]


def test_the_release_day_itself_and_later_pass():
    for day in (datetime(2025, 8, 7, 0, 0), datetime(2025, 8, 7, 23, 59), datetime(2026, 1, 1)):
        ctx = GuardContext("litellm", pl.DataFrame(), observed_at=day, releases=RELEASES)
        assert observed_before_release(rows(source_model_id=["gpt-5"]), ctx).height == 0


def test_the_sources_own_listing_date_counts_when_it_is_earlier_or_the_only_one():
    frame = rows(source_model_id=["openai/gpt-5", "z-ai/glm-5"],
                 model_created_at=[datetime(2025, 8, 7, 16), datetime(2026, 2, 11, 9)])
    ctx = GuardContext("openrouter", pl.DataFrame(), observed_at=datetime(2025, 12, 31), releases=RELEASES)
    assert observed_before_release(frame, ctx).rows() == [
        (1, "z-ai/glm-5 observed 2025-12-31, before its release on 2026-02-11 (openrouter's own listing)")]


def test_rows_that_date_themselves_are_checked_against_their_own_date():
    frame = rows(source_model_id=["gpt-5", "gpt-5"],
                 observed_at=[datetime(2025, 8, 1), datetime(2025, 8, 10)])
    ctx = GuardContext("litellm", pl.DataFrame(), observed_at=datetime(2026, 1, 1), releases=RELEASES)
    assert observed_before_release(frame, ctx)[ROW].to_list() == [0]


def test_release_rows_come_through_aliases_and_for_sources_whose_ids_are_canonical():
    models = pl.DataFrame({"canonical_model": ["openai/gpt-5", "openai/gpt-4o"],
                           "release_date": [date(2025, 8, 7), None]})
    aliases = pl.DataFrame({"source": ["litellm"], "source_model_id": ["gpt-5"], "canonical_model": ["openai/gpt-5"]})
    got = release_rows(models, aliases, {"openrouter": "OpenRouter ids are canonical"})
    assert sorted(got.select("source", "source_model_id", "release_date").rows()) == [
        ("litellm", "gpt-5", date(2025, 8, 7)), ("openrouter", "openai/gpt-5", date(2025, 8, 7))]
