"""FetchHistory: the answers fetching needs from earlier runs, from record dicts, a polars frame
or a warehouse's raw_fetch table."""

from datetime import datetime

import duckdb
import polars as pl

from pipeline.core.fetch_history import FetchHistory
from pipeline.core.warehouse import apply_ddl

URL = "https://data.example.org/v1/items"
PAGE2 = URL + "?page=2"
SHA = {n: f"{n:064x}" for n in range(1, 20)}


def rec(fetch_id: str, n: int, *, day: int, url: str = URL, group: str | None = None, page: int = 0,
        error: str | None = None, mode: str = "live", source: str = "items", etag: str | None = None) -> dict:
    moment = datetime(2026, 10, day, 12, 0).isoformat(timespec="microseconds")
    return {"fetch_id": fetch_id, "source": source, "family": "prices", "url": url, "endpoint": URL,
            "requested_at": moment, "observed_at": moment, "status": 200, "sha256": SHA[n], "content_type": None,
            "mode": mode, "error": error, "etag": etag, "last_modified": None, "group_id": group or fetch_id,
            "page": page, "run_id": f"run-{day}", "parser_version": "items/1"}


RECORDS = [
    rec("a", 1, day=1, etag='"a"'),
    rec("b", 2, day=3, etag='"b"'),                       # the newest success for URL
    rec("c", 3, day=4, error="parse failed: not JSON"),   # newer, but refused
    rec("d", 4, day=5, mode="bundled"),                     # not live
    rec("e", 5, day=6, source="other"),                    # another source
    # paged groups for URL: whole (day 2), a failed page (day 7), a missing page (day 8)
    rec("g1", 6, day=2, group="g1"), rec("g1p", 7, day=2, url=PAGE2, group="g1", page=1),
    rec("g2", 8, day=7, group="g2"), rec("g2p", 9, day=7, url=PAGE2, group="g2", page=1, error="HTTP 502"),
    rec("g3", 10, day=8, group="g3"), rec("g3p", 11, day=8, url=PAGE2, group="g3", page=2),
]


def test_last_success_is_the_newest_live_fetch_of_the_url_with_a_body():
    history = FetchHistory(RECORDS)
    # g3 (day 8) is the newest live success for URL: a group's pages count one by one here.
    assert history.last_success("items", URL)["fetch_id"] == "g3"
    assert FetchHistory(RECORDS[:5]).last_success("items", URL)["etag"] == '"b"'
    assert history.last_success("items", "https://data.example.org/other") is None
    assert history.last_success("nobody", URL) is None


def test_only_groups_with_every_page_intact_are_whole_newest_first():
    history = FetchHistory(RECORDS)
    groups = history.complete_groups("items", URL)
    ids = [[r["fetch_id"] for r in g] for g in groups]
    # c has an error, g2 a failed page, g3 no page 1; replay and other sources are not counted.
    assert ids == [["b"], ["g1", "g1p"], ["a"]]
    assert history.newest_complete_group("items", URL)[0]["fetch_id"] == "b"
    assert history.newest_complete_group("items", "https://elsewhere.example/") is None


def test_a_later_line_for_the_same_fetch_replaces_the_earlier_one():
    # A page journalled whole, then again with the error that stopped its group.
    later = dict(RECORDS[6], error="cannot find the next page: no link")
    history = FetchHistory([RECORDS[5], RECORDS[6], later])
    assert history.complete_groups("items", URL) == []
    assert history.last_success("items", URL)["fetch_id"] == "g1"


def test_a_frame_with_timestamps_gives_the_same_answers_as_text_records():
    frame = pl.DataFrame(RECORDS).with_columns(pl.col("requested_at", "observed_at").str.to_datetime())
    from_frame, from_dicts = FetchHistory.from_frame(frame), FetchHistory(RECORDS)
    assert from_frame.last_success("items", URL) == from_dicts.last_success("items", URL)
    assert from_frame.complete_groups("items", URL) == from_dicts.complete_groups("items", URL)
    assert from_frame.last_success("items", URL)["requested_at"] == "2026-10-08T12:00:00.000000"


class CountingConnection:
    """Passes queries to DuckDB and keeps them, to see how many and what SQL text was sent."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con, self.sent = con, []

    def execute(self, sql: str, params=None):
        self.sent.append((sql, params))
        return self.con.execute(sql, params)


def test_from_connection_reads_the_sources_live_fetches_in_one_parameterised_query():
    con = duckdb.connect()
    apply_ddl(con)
    quoted = [dict(r, source="it's", fetch_id="q-" + r["fetch_id"], group_id="q-" + r["group_id"])
              for r in RECORDS if r["source"] == "items"]
    frame = pl.DataFrame(RECORDS + quoted).with_columns(pl.col("requested_at", "observed_at").str.to_datetime())
    con.register("incoming", frame)
    con.execute("INSERT INTO raw_fetch BY NAME SELECT * FROM incoming")
    counting = CountingConnection(con)
    history = FetchHistory.from_connection(counting, ["it's", "nobody"])
    ((sql, params),) = counting.sent
    assert "it's" not in sql and params == [["it's", "nobody"]]
    assert history.last_success("it's", URL)["fetch_id"] == "q-g3"
    assert history.last_success("items", URL) is None  # not asked for
    assert [[r["fetch_id"] for r in g] for g in history.complete_groups("it's", URL)] == [
        ["q-b"], ["q-g1", "q-g1p"], ["q-a"]]
