"""Drift frames: the change words, percentages, and license moves (crafted frames)."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from pipeline.marts.drift import compare, license_drift, tier_drift


def test_compare_words_and_percentages():
    old = pl.DataFrame({"k": ["a", "b", "c", "d"], "v": [10.0, 10.0, 10.0, None]})
    new = pl.DataFrame({"k": ["a", "b", "e", "d"], "v": [5.0, 10.0, 1.0, 3.0]})
    out = compare(old, new, ["k"], ["v"], "v")
    assert out.select("k", "old_v", "new_v", "pct_change", "change").rows() == [
        ("a", 10.0, 5.0, -50.0, "down"), ("b", 10.0, 10.0, 0.0, "unchanged"), ("c", 10.0, None, None, "gone"),
        ("d", None, 3.0, None, "new"), ("e", None, 1.0, None, "new")]


def test_a_lower_tier_number_is_up():
    old = pl.DataFrame({"canonical_model": ["x", "y"], "tier": [2, 1], "score": [80.0, 90.0],
                        "gap_to_best": [10.0, 0.0]})
    new = pl.DataFrame({"canonical_model": ["x", "y"], "tier": [1, 3], "score": [91.0, 70.0],
                        "gap_to_best": [0.0, 21.0]})
    assert dict(tier_drift(old, new).select("canonical_model", "change").rows()) == {"x": "up", "y": "down"}


def test_license_moves_and_text_changes():
    # Crafted: a model relicensed from a community license to Apache-2.0, which also moves its category.
    old = pl.DataFrame({"canonical_model": ["m/open", "m/same"], "category": ["open-weight restricted", "fully closed"],
                        "license_id": ["llama3.1", "proprietary"]})
    new = pl.DataFrame({"canonical_model": ["m/open", "m/same", "m/new"],
                        "category": ["open-weight permissive", "fully closed", "fully open"],
                        "license_id": ["Apache-2.0", "proprietary", "Apache-2.0"]})
    texts = pl.DataFrame({"license_id": ["llama3.1"], "source_url": ["https://example.org/LICENSE"],
                          "old_sha256": ["aa"], "new_sha256": ["bb"], "material": [True],
                          "clauses_changed": ["commercial_use"], "observed_at": [datetime(2026, 5, 2)]})
    out = license_drift(texts, old, new)
    assert out.select("kind", "license_id", "canonical_model", "old_value", "new_value", "material").rows() == [
        ("license_text", "llama3.1", None, "aa", "bb", True),
        ("model_license", "Apache-2.0", "m/open", "llama3.1", "Apache-2.0", None),
        ("openness_category", "Apache-2.0", "m/open", "open-weight restricted", "open-weight permissive", None)]
