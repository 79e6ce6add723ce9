"""Source modes and the raw archive, with a throw-away source served from a loopback server."""

import gzip
import json
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from pipeline.core.archive import RawArchive, sha256_hex
from pipeline.core.credentials import secrets_from_env
from pipeline.core.fetch_records import FetchPlan, SourceUnavailable
from pipeline.core.fetching import collect
from pipeline.core.http import HttpClient, HttpPolicy
from pipeline.core.sources import Parsed, Source
from tests.support.loopback import Reply

URL = "https://data.example.org/v1/items"
NOW = datetime(2026, 11, 28, 12, 0)


def _parse(body: bytes, observed_at: datetime, url: str = "") -> Parsed:
    return Parsed(pl.DataFrame({"x": [1]}))


def make_source(tmp_path: Path, recorded: list[tuple[str, bytes]] = (), auth_env=None) -> Source:
    folder = tmp_path / "recorded" / "items"
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for day, body in recorded:
        (folder / f"{day}.json").write_bytes(body)
        entries.append({"observed_on": day, "url": URL, "file": f"{day}.json", "citation": "test fixture"})
    (folder / "index.json").write_text(json.dumps({"source": "items", "responses": entries}))
    return Source(name="items", family="prices", parse=_parse, parser_version="items/1", urls=(URL,),
                  recorded_dir=folder, auth_env=auth_env)


def plan(mode, tmp_path, **kw):
    return FetchPlan(mode=mode, as_of=kw.pop("as_of", NOW), run_id="run-1", curated_dir=tmp_path, **kw)


def http(loopback):
    return HttpClient(HttpPolicy(max_attempts=2, backoff_initial_s=0.01, backoff_max_s=0.01, read_timeout_s=2),
                      origin_overrides={"https://data.example.org": loopback.origin}, sleep=lambda s: None)


def test_archive_is_content_addressed_and_deterministic(tmp_path):
    archive = RawArchive(tmp_path / "raw")
    sha = archive.put(b"hello")
    assert sha == sha256_hex(b"hello") and archive.get(sha) == b"hello"
    first = archive.path_for(sha).read_bytes()
    archive.path_for(sha).unlink()
    archive.put(b"hello")
    assert archive.path_for(sha).read_bytes() == first  # gzip with mtime 0: same bytes every time
    assert gzip.decompress(first) == b"hello"


def test_journal_survives_a_line_cut_short_by_a_kill(tmp_path):
    archive = RawArchive(tmp_path / "raw")
    archive.append_fetch({"fetch_id": "a", "source": "s"})
    with open(archive.journal_path, "a") as fh:
        fh.write('{"fetch_id": "b", "sou')
    archive.append_fetch({"fetch_id": "c", "source": "s"})
    assert [r["fetch_id"] for r in archive.fetches()] == ["a", "c"]


def test_replay_serves_bundled_responses_up_to_as_of_once(tmp_path):
    src = make_source(tmp_path, [("2026-01-15", b'{"v": 1}'), ("2026-07-15", b'{"v": 2}'), ("2026-12-15", b'{"v": 3}')])
    archive, known = RawArchive(tmp_path / "raw"), set()
    got = collect(src, plan("replay", tmp_path), None, archive, known)
    assert [f.body for f in got] == [b'{"v": 1}', b'{"v": 2}']  # the December file is after as-of
    assert [f.record["observed_at"][:10] for f in got] == ["2026-01-15", "2026-07-15"]
    assert {f.record["mode"] for f in got} == {"bundled"} and all(f.record["endpoint"] == URL for f in got)
    assert collect(src, plan("replay", tmp_path), None, archive, known) == []  # already ingested


def test_a_bundled_file_read_from_another_sources_record_says_so_in_its_fetch(tmp_path):
    src = make_source(tmp_path, [("2026-01-15", b'{"v": 1}'), ("2026-07-15", b'{"v": 2}')])
    index = json.loads((src.recorded_dir / "index.json").read_text())
    index["responses"][0]["facts_from"] = "litellm"   # its facts were read from LiteLLM's file
    index["responses"][1]["facts_from"] = "items"     # the source's own record: nothing to say
    (src.recorded_dir / "index.json").write_text(json.dumps(index))
    got = collect(src, plan("replay", tmp_path), None, RawArchive(tmp_path / "raw"), set())
    assert [f.record.get("facts_from") for f in got] == ["litellm", None]


def test_live_then_conditional_get_reuses_the_archived_body(tmp_path, loopback):
    src = make_source(tmp_path)
    loopback.route("/v1/items", Reply(200, b'{"v": 9}', headers={"ETag": '"abc"'}), Reply(304))
    archive = RawArchive(tmp_path / "raw")
    first = collect(src, plan("live", tmp_path), http(loopback), archive, set())
    second = collect(src, plan("live", tmp_path), http(loopback), archive, set())
    assert loopback.requests[-1].headers["if-none-match"] == '"abc"'
    assert second[0].body == b'{"v": 9}' and second[0].record["status"] == 304
    assert second[0].record["reused_fetch_id"] == first[0].record["fetch_id"]
    assert second[0].record["sha256"] == first[0].record["sha256"]


def test_live_failure_is_recorded_with_partial_bytes(tmp_path, loopback):
    src = make_source(tmp_path)
    loopback.route("/v1/items", Reply(502, b"bad gateway"))
    archive = RawArchive(tmp_path / "raw")
    with pytest.raises(SourceUnavailable, match=r"source 'items' unavailable: HTTP 502 after 2 attempt\(s\)"):
        collect(src, plan("live", tmp_path), http(loopback), archive, set())
    (rec,) = list(archive.fetches())
    assert rec["status"] == 502 and rec["error"].startswith("HTTP 502") and rec["url"].startswith(loopback.origin)
    assert archive.get(rec["sha256"]) == b"bad gateway"


def test_auto_falls_back_to_the_newest_of_archived_and_bundled(tmp_path, loopback):
    src = make_source(tmp_path, [("2026-07-15", b'{"v": "bundled"}')])
    archive = RawArchive(tmp_path / "raw")
    loopback.route("/v1/items", Reply(500))
    got = collect(src, plan("auto", tmp_path), http(loopback), archive, set())
    replayed, fallback = got
    assert replayed.record["mode"] == "bundled"
    assert fallback.record["mode"] == "fallback" and fallback.record["stale"] is True
    assert fallback.body == b'{"v": "bundled"}' and fallback.record["observed_at"].startswith("2026-07-15")
    assert "HTTP 500" in fallback.record["stale_reason"] and fallback.record["reused_fetch_id"] == "bundled:2026-07-15.json"

    # A live success newer than the bundled file is preferred the next time the source is down.
    loopback.route("/v1/items", Reply(200, b'{"v": "live"}'), Reply(500))
    collect(src, plan("auto", tmp_path, as_of=datetime(2026, 11, 1)), http(loopback), archive, {replayed.record["fetch_id"]})
    got = collect(src, plan("auto", tmp_path), http(loopback), archive, {replayed.record["fetch_id"]})
    assert [f.body for f in got] == [b'{"v": "live"}'] and got[0].record["observed_at"].startswith("2026-11-01")


def test_auto_with_nothing_to_fall_back_on_fails(tmp_path, loopback):
    src = make_source(tmp_path)
    loopback.route("/v1/items", Reply(500))
    with pytest.raises(SourceUnavailable):
        collect(src, plan("auto", tmp_path), http(loopback), RawArchive(tmp_path / "raw"), set())


def test_file_mode_records_the_file_and_its_date(tmp_path):
    src = make_source(tmp_path)
    copy = tmp_path / "download.json"
    copy.write_bytes(b'{"v": 5}')
    p = plan("file", tmp_path, ingest_file=copy, ingest_observed_at=datetime(2025, 8, 5))
    (got,) = collect(src, p, None, RawArchive(tmp_path / "raw"), set())
    assert got.record["url"] == copy.as_uri() and got.record["endpoint"] == URL
    assert got.record["observed_at"].startswith("2025-08-05") and got.record["mode"] == "file"
    assert collect(src, p, None, RawArchive(tmp_path / "raw"), {got.record["fetch_id"]}) == []


def test_api_key_is_sent_but_never_archived_or_journaled(tmp_path, loopback):
    secret = "hf_SECRETTOKEN0123456789"
    src = make_source(tmp_path, auth_env="ITEMS_TOKEN")
    loopback.route("/v1/items", Reply(200, b'{"v": 1}'))
    archive = RawArchive(tmp_path / "raw")
    secrets = secrets_from_env({"ITEMS_TOKEN": secret}, [src])
    collect(src, plan("live", tmp_path, secrets=secrets), http(loopback), archive, set())
    assert loopback.requests[-1].headers["authorization"] == f"Bearer {secret}"
    for path in (tmp_path / "raw").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert secret.encode() not in data and secret.encode() not in (gzip.decompress(data) if path.suffix == ".gz" else b"")


def test_a_corrupt_archived_body_is_not_trusted_for_a_304(tmp_path, loopback):
    src = make_source(tmp_path)
    loopback.route("/v1/items", Reply(200, b'{"v": 1}', headers={"ETag": '"e1"'}), Reply(200, b'{"v": 2}'))
    archive = RawArchive(tmp_path / "raw")
    (first,) = collect(src, plan("live", tmp_path), http(loopback), archive, set())
    archive.path_for(first.record["sha256"]).write_bytes(gzip.compress(b"something else"))
    (second,) = collect(src, plan("live", tmp_path), http(loopback), archive, set())
    assert "if-none-match" not in loopback.requests[-1].headers  # asked for the whole body again
    assert second.body == b'{"v": 2}' and second.record["status"] == 200
