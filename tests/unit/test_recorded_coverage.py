"""The bundled seed: every URL of every source has a bundled response or a declared, explained
gap (nothing in the public record could be cited), and the seed spans the quarters it claims."""

import json
from urllib.parse import urlsplit

import pytest

from pipeline.core.paths import CURATED_DIR
from pipeline.core.quarters import Quarter, quarter_range
from pipeline.core.recorded import load_index
from pipeline.core.sources import discover_sources
from tests.conftest import AS_OF

FETCHED = [s for s in discover_sources() if not s.local]


@pytest.mark.parametrize("source", FETCHED, ids=lambda s: s.name)
def test_every_url_has_a_bundled_response_or_a_declared_gap(source):
    entries = load_index(source.name, source.recorded_dir)
    bundled = {e.group for e in entries if e.observed_at <= AS_OF}
    missing = [u for u in source.url_list(CURATED_DIR) if u not in bundled]
    if missing:
        note = json.loads((source.recorded_dir / "index.json").read_text()).get("note", "")
        assert "gap" in note and len(note) > 80, f"{source.name}: no bundled response for {missing} and no note why"
    for e in entries:
        assert e.citation.strip() and urlsplit(e.url).scheme == "https"


def test_the_seed_has_a_dated_response_in_every_quarter_from_2024q3_to_2026q3():
    quarters = {Quarter.of(e.observed_on) for s in FETCHED for e in load_index(s.name, s.recorded_dir)}
    expected = set(quarter_range(Quarter(2024, 3), Quarter(2026, 3)))
    assert expected <= quarters, sorted(q.label for q in expected - quarters)


def test_the_two_sources_without_a_citable_record_bundle_nothing():
    empty = sorted(s.name for s in FETCHED if not load_index(s.name, s.recorded_dir))
    assert empty == ["google_gemini_pricing_page", "skypilot_catalog"]
