"""collect_many: every source side by side, results as if collected one by one; what earlier runs
left comes from a FetchHistory, never from re-reading the journal."""

import gzip
import json
import threading
from datetime import datetime
from pathlib import Path

import pytest

from pipeline.core.archive import RawArchive
from pipeline.core.fetch_history import FetchHistory
from pipeline.core.fetch_records import Fetched, FetchPlan, SourceUnavailable
from pipeline.core.fetching import collect, collect_many
from pipeline.core.http import HttpClient, HttpPolicy
from pipeline.core.sources import Parsed, Source, SourceFormatError
from tests.support.loopback import Loopback, Reply
from tests.unit.test_host_limits import HeldHost

NOW = datetime(2026, 11, 28, 12, 0)
A, B = "https://a.example", "https://b.example"


def _parse(body: bytes, observed_at: datetime, url: str = "") -> Parsed:
    raise AssertionError("not parsed here")


def make(name: str, *urls: str, tmp_path: Path | None = None, bundled: dict[str, bytes] | None = None,
         next_page=None) -> Source:
    folder = None
    if tmp_path is not None:
        folder = tmp_path / "recorded" / name
        folder.mkdir(parents=True, exist_ok=True)
        entries = []
        for day, body in (bundled or {}).items():
            (folder / f"{day}.json").write_bytes(body)
            entries.append({"observed_on": day, "url": urls[0], "file": f"{day}.json", "citation": "test fixture"})
        (folder / "index.json").write_text(json.dumps({"source": name, "responses": entries}))
    return Source(name=name, family="prices", parse=_parse, parser_version="1", urls=urls, recorded_dir=folder,
                  next_page=next_page)


def plan(mode: str, tmp_path: Path, as_of: datetime = NOW) -> FetchPlan:
    return FetchPlan(mode=mode, as_of=as_of, run_id=f"run-{as_of:%m%d}", curated_dir=tmp_path)


def client(**origins: str) -> HttpClient:
    return HttpClient(HttpPolicy(max_attempts=1, read_timeout_s=10),
                      origin_overrides={f"https://{k}.example": v for k, v in origins.items()})


def shape(fetched: list[Fetched]) -> list[tuple]:
    return [(f.body, f.record["url"], f.record["endpoint"], f.record["page"], f.record["mode"]) for f in fetched]


def test_results_come_in_source_and_url_order_as_if_collected_one_by_one(tmp_path, loopback):
    with Loopback() as other:
        # Earlier URLs answer later: completion order is the reverse of the order asked.
        for i, delay in enumerate((0.3, 0.2, 0.1)):
            loopback.route(f"/s1/{i}", Reply(200, f"s1-{i}".encode(), delay_s=delay))
        other.route("/s2/0", Reply(200, b"s2-0", delay_s=0.2))
        other.route("/s2/1", Reply(200, b"s2-1"))
        other.route("/down", Reply(503, b"maintenance"))
        sources = [make("s1", *(f"{A}/s1/{i}" for i in range(3))), make("s2", f"{B}/s2/0", f"{B}/s2/1"),
                   make("s3", f"{B}/down")]
        with client(a=loopback.origin, b=other.origin) as http:
            together = collect_many(sources, plan("live", tmp_path), http, RawArchive(tmp_path / "x"),
                                    FetchHistory(()), {})
            one_by_one = {}
            for s in sources:
                try:
                    one_by_one[s.name] = shape(collect(s, plan("live", tmp_path), http, RawArchive(tmp_path / "y"),
                                                       set(), FetchHistory(())))
                except SourceUnavailable as exc:
                    one_by_one[s.name] = str(exc)
    assert list(together) == ["s1", "s2", "s3"]
    assert [b for b, *_ in shape(together["s1"])] == [b"s1-0", b"s1-1", b"s1-2"]
    assert isinstance(together["s3"], SourceUnavailable) and "HTTP 503" in str(together["s3"])
    assert {"s1": shape(together["s1"]), "s2": shape(together["s2"]), "s3": str(together["s3"])} == one_by_one


def test_sources_are_fetched_side_by_side(tmp_path):
    with HeldHost("127.0.0.24") as a, HeldHost("127.0.0.25") as b, client(a=a.origin, b=b.origin) as http:
        sources = [make("first", f"{A}/x"), make("second", f"{B}/x")]
        done = {}
        worker = threading.Thread(target=lambda: done.update(collect_many(
            sources, plan("live", tmp_path), http, RawArchive(tmp_path / "raw"), FetchHistory(()), {})))
        worker.start()
        # The first source's request is held: the second one's must be in flight all the same.
        assert a.held(1) and b.held(1)
        a.release.release(1)
        b.release.release(1)
        worker.join(10)
    assert [f.body for f in done["first"]] == [b"ok"] and [f.body for f in done["second"]] == [b"ok"]


def test_an_unexpected_error_is_raised_once_the_other_sources_are_done(tmp_path, loopback):
    def broken_next_page(body: bytes, url: str) -> str | None:
        raise KeyError("a bug in a paging function")

    loopback.route("/bug", Reply(200, b"1"))
    loopback.route("/fine", Reply(200, b"2", delay_s=0.3))
    sources = [make("buggy", f"{A}/bug", next_page=broken_next_page), make("fine", f"{A}/fine")]
    with client(a=loopback.origin) as http, pytest.raises(KeyError, match="a bug in a paging function"):
        collect_many(sources, plan("live", tmp_path), http, RawArchive(tmp_path / "raw"), FetchHistory(()), {})
    assert loopback.hits("/fine") == 1 and loopback.hits("/bug") == 1


def test_replay_goes_through_it_too_and_skips_what_is_known(tmp_path):
    sources = [make("r1", f"{A}/r1", tmp_path=tmp_path, bundled={"2026-01-15": b"r1-jan", "2026-07-15": b"r1-jul"}),
               make("r2", f"{A}/r2", tmp_path=tmp_path, bundled={"2026-03-01": b"r2-mar", "2027-01-01": b"future"})]
    archive, known = RawArchive(tmp_path / "raw"), {"r1": set()}
    got = collect_many(sources, plan("replay", tmp_path), None, archive, FetchHistory(()), known)
    assert {k: [f.body for f in v] for k, v in got.items()} == {"r1": [b"r1-jan", b"r1-jul"], "r2": [b"r2-mar"]}
    again = collect_many(sources, plan("replay", tmp_path), None, archive, FetchHistory(()), known)
    assert again["r1"] == [] and [f.body for f in again["r2"]] == [b"r2-mar"]  # only r1's ids were kept


def test_conditional_get_and_fallback_never_read_the_journal(tmp_path, loopback, monkeypatch):
    src = make("items", f"{A}/v1", tmp_path=tmp_path)
    archive = RawArchive(tmp_path / "raw")
    sha = archive.put(b'{"v": "october"}')
    earlier = {"fetch_id": "oct", "source": "items", "url": f"{loopback.origin}/v1", "endpoint": f"{A}/v1",
               "requested_at": "2026-10-01T00:00:00", "observed_at": "2026-10-01T00:00:00", "sha256": sha,
               "mode": "live", "error": None, "etag": '"oct"', "group_id": "oct", "page": 0}
    history = FetchHistory([earlier])
    monkeypatch.setattr(RawArchive, "fetches", lambda self: pytest.fail("the journal was read"))
    loopback.route("/v1", Reply(304), Reply(500))
    with client(a=loopback.origin) as http:
        (reused,) = collect_many([src], plan("live", tmp_path), http, archive, history, {})["items"]
        (fallback,) = collect_many([src], plan("auto", tmp_path), http, archive, history, {})["items"]
    assert loopback.requests[0].headers["if-none-match"] == '"oct"'
    assert reused.body == b'{"v": "october"}' and reused.record["reused_fetch_id"] == "oct"
    assert fallback.record["mode"] == "fallback" and fallback.record["reused_fetch_id"] == "oct"


def _group(archive: RawArchive, gid: str, day: str, bodies: list[bytes]) -> list[dict]:
    return [{"fetch_id": f"{gid}-{n}", "source": "items", "url": f"{A}/v1?p={n}", "endpoint": f"{A}/v1",
             "requested_at": f"{day}T00:00:00", "observed_at": f"{day}T00:00:00", "sha256": archive.put(body),
             "mode": "live", "error": None, "group_id": gid, "page": n} for n, body in enumerate(bodies)]


@pytest.mark.parametrize("damage", ["corrupt", "missing"])
def test_fallback_skips_a_group_with_a_damaged_body_for_the_next_whole_one(tmp_path, loopback, damage):
    src = make("items", f"{A}/v1", tmp_path=tmp_path, bundled={"2026-07-15": b"bundled"})
    archive = RawArchive(tmp_path / "raw")
    older = _group(archive, "sep", "2026-09-01", [b"sep-0", b"sep-1"])
    newer = _group(archive, "oct", "2026-10-01", [b"oct-0", b"oct-1"])
    path = archive.path_for(newer[1]["sha256"])
    path.write_bytes(gzip.compress(b"not what was fetched")) if damage == "corrupt" else path.unlink()
    loopback.route("/v1", Reply(500))
    with client(a=loopback.origin) as http:
        got = collect(src, plan("auto", tmp_path), http, archive, {"replay-items-2026-07-15"},
                      FetchHistory(older + newer))
    fallback = [f for f in got if f.record["mode"] == "fallback"]
    assert [(f.body, f.record["reused_fetch_id"]) for f in fallback] == [(b"sep-0", "sep-0"), (b"sep-1", "sep-1")]
    assert fallback[0].record["observed_at"].startswith("2026-09-01")


def test_fallback_takes_the_bundled_response_when_it_is_newer_than_the_archived_one(tmp_path, loopback):
    src = make("items", f"{A}/v1", tmp_path=tmp_path, bundled={"2026-07-15": b"bundled"})
    archive = RawArchive(tmp_path / "raw")
    loopback.route("/v1", Reply(500))
    with client(a=loopback.origin) as http:
        got = collect(src, plan("auto", tmp_path), http, archive, set(),
                      FetchHistory(_group(archive, "jun", "2026-06-01", [b"june"])))
    assert [(f.record["mode"], f.body) for f in got] == [("bundled", b"bundled"), ("fallback", b"bundled")]


def test_a_group_cut_short_by_an_unreadable_next_page_link_is_no_fallback(tmp_path, loopback):
    def next_page(body: bytes, url: str) -> str | None:
        if body == b"garbled":
            raise SourceFormatError("no next link")
        return f"{A}/v1?page=2" if body == b"page 1" else None

    src = make("items", f"{A}/v1", tmp_path=tmp_path, bundled={"2026-07-15": b"bundled"}, next_page=next_page)
    archive = RawArchive(tmp_path / "raw")
    loopback.route("/v1", Reply(200, b"page 1"), Reply(500))
    loopback.route("/v1?page=2", Reply(200, b"garbled"))
    with client(a=loopback.origin) as http:
        with pytest.raises(SourceUnavailable, match="cannot find the next page: no next link"):
            collect(src, plan("live", tmp_path, as_of=datetime(2026, 11, 1)), http, archive, set())
        # The journal (the only history an older caller has) holds both pages; the second one again, failed.
        got = collect(src, plan("auto", tmp_path), http, archive, set())
    assert [(f.record["mode"], f.body) for f in got] == [("bundled", b"bundled"), ("fallback", b"bundled")]


def test_auto_mode_records_replayed_then_live_then_fallback(tmp_path, monkeypatch):
    """Snapshots break ties between fetches observed at the same moment by requested_at, so a
    fallback to a bundled response must be recorded after the replay of that same response."""
    import httpx

    from pipeline.core import fetching

    live_started, order = threading.Event(), []
    replay = fetching.replay_bundled

    def slow_replay(*args):
        live_started.wait(0.5)  # a live request running meanwhile would set this at once
        got = replay(*args)
        order.append("replayed")
        return got

    def refuse(request):
        live_started.set()
        order.append("live")
        raise httpx.ConnectError("Connection refused", request=request)

    monkeypatch.setattr(fetching, "replay_bundled", slow_replay)
    src = make("items", f"{A}/v1", tmp_path=tmp_path, bundled={"2026-07-15": b"bundled"})
    http = HttpClient(HttpPolicy(max_attempts=1), transport=httpx.MockTransport(refuse))
    got = collect_many([src], plan("auto", tmp_path), http, RawArchive(tmp_path / "raw"), FetchHistory(()), {})
    assert order == ["replayed", "live"]
    replayed, fallback = got["items"]
    assert (replayed.record["mode"], fallback.record["mode"]) == ("bundled", "fallback")
    assert replayed.record["requested_at"] < fallback.record["requested_at"]
