"""Quality tiers relative to the quarter's best, and the open–closed gap."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.marts.tiers import assign_tiers, open_closed_gap, tier_of

# Composite scores (0-100) of a hand-made quarter.
SCORES = pl.DataFrame({"canonical_model": ["google/gemini-2.5-pro", "anthropic/claude-opus-4", "openai/gpt-4o",
                                           "meta-llama/llama-3.1-405b-instruct", "meta-llama/llama-3.1-8b-instruct",
                                           "allenai/olmo-2-0325-32b-instruct"],
                       "score": [91.0, 89.5, 84.0, 83.0, 62.5, None]})
MODELS = pl.DataFrame({"canonical_model": ["google/gemini-2.5-pro", "anthropic/claude-opus-4", "openai/gpt-4o",
                                           "meta-llama/llama-3.1-405b-instruct", "meta-llama/llama-3.1-8b-instruct"],
                       "weights_open": [False, False, False, True, True]})


def test_tier_boundaries_are_inclusive():
    assert [tier_of(g, 2.0, 8.0) for g in (0.0, 2.0, 2.01, 8.0, 8.01)] == [1, 1, 2, 2, 3]
    with pytest.raises(ValueError):
        tier_of(-0.1, 2.0, 8.0)


def test_assign_tiers_against_the_quarters_best():
    tiers = assign_tiers(SCORES, 2.0, 8.0)
    got = {r["canonical_model"]: (r["tier"], r["tier_label"], r["gap_to_best"]) for r in tiers.iter_rows(named=True)}
    assert got == {"google/gemini-2.5-pro": (1, "frontier", 0.0),
                   "anthropic/claude-opus-4": (1, "frontier", 1.5),
                   "openai/gpt-4o": (2, "near-frontier", 7.0),
                   "meta-llama/llama-3.1-405b-instruct": (2, "near-frontier", 8.0),
                   "meta-llama/llama-3.1-8b-instruct": (3, "capable small", 28.5)}
    assert set(tiers["best_score"]) == {91.0}
    assert "allenai/olmo-2-0325-32b-instruct" not in got  # no score, no tier


def test_no_scores_no_tiers():
    assert assign_tiers(SCORES.head(0), 2.0, 8.0).height == 0


@settings(deadline=None)  # a shared machine's load is not the code's speed
@given(st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=1, max_size=30),
       st.floats(min_value=0, max_value=20), st.floats(min_value=0, max_value=20))
def test_tiers_are_monotone_in_score(scores, gap1, extra):
    frame = pl.DataFrame({"canonical_model": [f"m{i}" for i in range(len(scores))], "score": scores})
    tiers = assign_tiers(frame, gap1, gap1 + extra).sort("score")
    assert tiers["tier"].to_list() == sorted(tiers["tier"].to_list(), reverse=True)
    assert tiers.filter(pl.col("score") == max(scores))["tier"].to_list()[0] == 1


def test_open_closed_gap():
    gap = open_closed_gap(SCORES, MODELS)
    assert gap == {"best_closed_model": "google/gemini-2.5-pro", "best_closed_score": 91.0,
                   "best_open_model": "meta-llama/llama-3.1-405b-instruct", "best_open_score": 83.0, "gap": 8.0}


def test_open_closed_gap_without_open_models():
    gap = open_closed_gap(SCORES, MODELS.filter(~pl.col("weights_open")))
    assert gap["best_open_model"] is None and gap["gap"] is None
