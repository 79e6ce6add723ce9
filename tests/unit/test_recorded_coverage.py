"""The bundled recorded responses cover every URL of every source, so an offline run never fails."""

from urllib.parse import urlsplit

import pytest

from pipeline.core.paths import CURATED_DIR
from pipeline.core.quarters import Quarter
from pipeline.core.recorded import load_index
from pipeline.core.sources import discover_sources
from tests.conftest import AS_OF

FETCHED = [s for s in discover_sources() if not s.local]


@pytest.mark.parametrize("source", FETCHED, ids=lambda s: s.name)
def test_every_url_has_a_bundled_response(source):
    entries = load_index(source.name, source.recorded_dir)
    bundled = {e.group for e in entries if e.observed_at <= AS_OF}
    missing = [u for u in source.url_list(CURATED_DIR) if u not in bundled]
    assert not missing, f"{source.name}: no bundled response for {missing}"
    for e in entries:
        assert e.citation.strip() and urlsplit(e.url).scheme == "https"


def test_the_bundled_history_spans_six_quarters_up_to_the_running_one():
    quarters = {Quarter.of(e.observed_on) for s in FETCHED for e in load_index(s.name, s.recorded_dir)}
    running = Quarter.of(AS_OF)
    six = [running]
    while len(six) < 6:
        six.append(six[-1].previous())
    assert set(six) <= quarters, sorted(q.label for q in set(six) - quarters)
