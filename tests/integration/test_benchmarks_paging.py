"""The Open LLM Leaderboard rows API walked page by page against a loopback server."""

from __future__ import annotations

import dataclasses
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from pipeline.benchmarks import open_llm_leaderboard as oll
from pipeline.core.archive import RawArchive
from pipeline.core.fetch_records import FetchPlan, SourceUnavailable
from pipeline.core.fetching import collect
from pipeline.core.http import HttpClient, HttpPolicy
from tests.conftest import AS_OF
from tests.support.loopback import Reply

pytestmark = pytest.mark.integration
ORIGIN = "https://datasets-server.huggingface.co"
TOTAL = 237


def page(offset: int, n: int) -> bytes:
    rows = [{"row_idx": offset + i, "row": {
        "fullname": f"org/model-{offset + i}", "Model": f"<a href='x'>org/model-{offset + i}</a>",
        **{f"{b} Raw": 0.5 for b in oll.BENCHMARKS}, **{b: 25.0 for b in oll.BENCHMARKS}}, "truncated_cells": []}
        for i in range(n)]
    return json.dumps({"features": [], "rows": rows, "num_rows_total": TOTAL, "num_rows_per_page": 100,
                       "partial": False}).encode()


ROWS = urlsplit(oll.URL).path  # the loopback scripts replies per path, whatever the query


@pytest.fixture
def walk(loopback, tmp_path):
    source = dataclasses.replace(oll.SOURCE, page_delay_s=0.01, recorded_dir=None)
    http = HttpClient(HttpPolicy(max_attempts=3, backoff_initial_s=0.01, backoff_max_s=0.01, read_timeout_s=5),
                      origin_overrides={ORIGIN: loopback.origin}, sleep=lambda s: None)
    plan = FetchPlan(mode="live", as_of=AS_OF, run_id="paging", curated_dir=tmp_path, env={})
    return lambda: collect(source, plan, http, RawArchive(tmp_path / "raw"), set())


def test_pages_are_followed_a_failing_page_retried_and_a_short_page_ends(loopback, walk):
    loopback.route(ROWS, Reply(200, page(0, 100)), Reply(503, b"busy"), Reply(200, page(100, 100)),
                   Reply(200, page(200, 37)))
    fetched = walk()
    offsets = [parse_qs(urlsplit(r.path).query)["offset"][0] for r in loopback.requests]
    assert offsets == ["0", "100", "100", "200"]
    records = [f.record for f in fetched]
    assert [r["page"] for r in records] == [0, 1, 2]
    assert len({r["group_id"] for r in records}) == 1 and records[0]["group_id"] == records[0]["fetch_id"]
    assert records[1]["attempts"] == 2 and all(r["endpoint"] == oll.URL for r in records)
    names = {n for f in fetched for n in oll.parse(f.body, AS_OF, f.record["url"]).rows["source_model_id"]}
    assert len(names) == TOTAL


def test_a_page_that_keeps_failing_fails_the_source(loopback, walk):
    loopback.route(ROWS, Reply(200, page(0, 100)), Reply(500, b"down"))
    with pytest.raises(SourceUnavailable, match="offset=100"):
        walk()
    assert loopback.hits(ROWS) == 1 + 3
