"""`backfill` mode in the fetch layer: each version once through the raw archive, deterministic
fetch ids, resumption after an interruption, unreadable and failed versions reported, the token
kept out of every record."""

import json
import uuid
from datetime import datetime

import pytest

from pipeline.core.archive import RawArchive
from pipeline.core.fetch_records import FetchPlan
from pipeline.core.fetching import collect
from pipeline.core.history_sources import HistoryLog
from pipeline.core.http import HttpClient, HttpPolicy
from pipeline.core.paths import CURATED_DIR
from pipeline.core.quarters import Quarter, quarter_range
from pipeline.core.sources import source_by_name
from tests.support.history_server import HISTORY, HistoryServer, commit_sha

AS_OF = datetime(2026, 11, 28, 12)
QUARTERS = tuple(quarter_range(Quarter(2024, 3), Quarter(2025, 3)))
LITELLM = source_by_name("litellm")
MODAL = source_by_name("modal_pricing_page")
SECRET = "ghp_test-token-never-stored"
RUN_IDS: dict[str, str] = {}


def litellm_sha(date: str) -> str:
    return commit_sha("BerriAI/litellm", "model_prices_and_context_window.json", date)


def plan(run: str, **kw) -> FetchPlan:
    # A run's request budget is shared by its sources, by run id: each test's runs are its own.
    return FetchPlan(mode="backfill", as_of=AS_OF, run_id=RUN_IDS.setdefault(run, f"{run}-{uuid.uuid4().hex[:8]}"),
                     curated_dir=CURATED_DIR,
                     env=kw.pop("env", {}), backfill_quarters=QUARTERS, history_file=HISTORY / "history_sources.csv",
                     backfill_pause_s=0, **kw)


@pytest.fixture(autouse=True)
def fresh_run_ids():
    RUN_IDS.clear()


@pytest.fixture
def server():
    with HistoryServer() as s:
        yield s


@pytest.fixture
def http(server):
    return HttpClient(HttpPolicy(max_attempts=2, backoff_initial_s=0.01, backoff_max_s=0.01, read_timeout_s=2),
                      origin_overrides=server.overrides, sleep=lambda s: None)


def raw_downloads(server) -> int:
    return server.hits("/BerriAI/litellm/")


def test_each_version_is_archived_once_with_its_commit_time_and_provenance(tmp_path, server, http):
    archive = RawArchive(tmp_path / "raw")
    fetched = collect(LITELLM, plan("run-1"), http, archive, set())
    # 2024Q3..2025Q3 stand on four commits (2025Q1 carries the 2024-11-05 one; April 2025 is not a quarter's last).
    dates = ["2024-08-21T17:02:11Z", "2024-11-05T09:14:52Z", "2025-06-11T02:25:40Z", "2025-08-08T11:05:27Z"]
    assert [f.record["observed_at"] for f in fetched] == [d.replace("Z", ".000000") for d in dates]
    first = fetched[0].record
    sha = litellm_sha(dates[0])
    assert first["mode"] == "backfill" and first["fetch_id"].endswith(f"-{sha[:12]}")
    assert first["fetch_id"].startswith("backfill-litellm-")
    assert first["provenance"] == f"https://github.com/BerriAI/litellm/blob/{sha}/model_prices_and_context_window.json"
    assert first["endpoint"] == LITELLM.url_list(CURATED_DIR)[0]
    assert archive.get(first["sha256"]) == (HISTORY / "litellm" / "2024-08-21.json").read_bytes()
    journal = [r["fetch_id"] for r in archive.fetches()]
    assert journal == [f.record["fetch_id"] for f in fetched]
    assert raw_downloads(server) == 4
    rows = {r["quarter"]: r for r in HistoryLog(archive.raw_dir).coverage(RUN_IDS["run-1"])}
    assert {q: r["status"] for q, r in rows.items()} == {
        "2024Q3": "found", "2024Q4": "found", "2025Q1": "carried", "2025Q2": "found", "2025Q3": "found"}
    assert rows["2025Q1"]["fetch_id"] == fetched[1].record["fetch_id"]


def test_a_second_run_adds_nothing_and_asks_nothing(tmp_path, server, http):
    archive = RawArchive(tmp_path / "raw")
    known: set[str] = set()
    first = collect(LITELLM, plan("run-1"), http, archive, known)
    requests = len(server.requests)
    # `known` now holds the published fetch ids, as the warehouse's raw_fetch would.
    again = collect(LITELLM, plan("run-2"), http, archive, known)
    assert len(first) == 4 and again == []
    # Closed quarters' answers are kept in the history log: no API request, no download.
    assert len(server.requests) == requests
    assert len(list(archive.fetches())) == 4
    rows = HistoryLog(archive.raw_dir).coverage(RUN_IDS["run-2"])
    assert {r["status"] for r in rows} == {"found", "carried"}


def test_an_interrupted_backfill_resumes_without_downloading_again(tmp_path, server, http, monkeypatch):
    archive = RawArchive(tmp_path / "raw")
    real_append = archive.append_fetch
    calls = []

    def killed_on_the_third(record):
        calls.append(record["fetch_id"])
        if len(calls) == 3:
            raise KeyboardInterrupt  # the process dies while journalling the third version
        real_append(record)

    monkeypatch.setattr(archive, "append_fetch", killed_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        collect(LITELLM, plan("run-1"), http, archive, set())
    monkeypatch.setattr(archive, "append_fetch", real_append)
    assert raw_downloads(server) == 3 and len(list(archive.fetches())) == 2
    first_two = {r["fetch_id"]: r["requested_at"] for r in archive.fetches()}

    # Nothing was published: the next run starts from an empty warehouse but the same archive.
    resumed = collect(LITELLM, plan("run-2"), http, archive, set())
    assert len(resumed) == 4
    assert raw_downloads(server) == 3 + 2  # the two journalled versions come from the archive
    for f in resumed:
        if f.record["fetch_id"] in first_two:
            assert f.record["requested_at"] == first_two[f.record["fetch_id"]]
            assert f.record["run_id"] == RUN_IDS["run-2"]
    assert sorted(r["fetch_id"] for r in archive.fetches()) == sorted(f.record["fetch_id"] for f in resumed)


def test_the_request_cap_stops_and_the_next_run_continues(tmp_path, server, http):
    archive = RawArchive(tmp_path / "raw")
    known: set[str] = set()
    # One API request settles the five quarters (one page), then two downloads fit under the cap.
    partial = collect(LITELLM, plan("run-1", backfill_max_requests=3), http, archive, known)
    rows = {r["quarter"]: r for r in HistoryLog(archive.raw_dir).coverage(RUN_IDS["run-1"])}
    assert len(partial) == 2
    assert [rows[q]["status"] for q in sorted(rows)] == ["found", "found", "carried", "not_reached", "not_reached"]
    assert "cap of 3 requests" in rows["2025Q2"]["detail"]
    rest = collect(LITELLM, plan("run-2"), http, archive, known)
    assert [f.record["observed_at"][:10] for f in rest] == ["2025-06-11", "2025-08-08"]
    assert server.hits("/repos/") == 1 and raw_downloads(server) == 4


def test_an_unreadable_capture_is_archived_and_reported_with_its_date(tmp_path, server, http):
    archive = RawArchive(tmp_path / "raw")
    fetched = collect(MODAL, plan("run-1"), http, archive, set())
    assert [f.record["observed_at"][:10] for f in fetched] == ["2025-06-12"]
    rows = {r["quarter"]: r for r in HistoryLog(archive.raw_dir).coverage(RUN_IDS["run-1"])}
    assert rows["2024Q4"]["status"] == rows["2025Q1"]["status"] == "unreadable"
    assert rows["2024Q4"]["observed_at"].startswith("2024-11-15T09:30:12")
    assert "no 'GPU Tasks' block" in rows["2024Q4"]["detail"]
    assert rows["2024Q3"]["status"] == "gap" and "no capture of https://modal.com/pricing" in rows["2024Q3"]["detail"]
    unreadable = [r for r in archive.fetches() if r.get("error")]
    assert len(unreadable) == 1 and unreadable[0]["error"].startswith("unreadable: wayback version of 2024-11-15")
    assert archive.get(unreadable[0]["sha256"]) == (HISTORY / "modal" / "unknown-layout.html").read_bytes()
    # Reported once: a second run reads it from the archive and journals nothing new.
    collect(MODAL, plan("run-2"), http, archive, {f.record["fetch_id"] for f in fetched})
    assert server.hits("/web/20241115093012id_/") == 1 and len([r for r in archive.fetches() if r.get("error")]) == 1


def test_a_failed_download_is_reported_and_fetched_by_the_next_run(tmp_path, server, http):
    archive = RawArchive(tmp_path / "raw")
    sha = litellm_sha("2024-11-05T09:14:52Z")
    server.fail(f"/BerriAI/litellm/{sha}/", 404)
    known: set[str] = set()
    fetched = collect(LITELLM, plan("run-1"), http, archive, known)
    rows = {r["quarter"]: r for r in HistoryLog(archive.raw_dir).coverage(RUN_IDS["run-1"])}
    assert len(fetched) == 3 and rows["2024Q4"]["status"] == rows["2025Q1"]["status"] == "failed"
    assert "HTTP 404" in rows["2024Q4"]["detail"]
    failed = [r for r in archive.fetches() if r.get("error")]
    assert len(failed) == 1 and failed[0]["fetch_id"].startswith("backfill-litellm-")
    assert "-failed-" in failed[0]["fetch_id"]
    again = collect(LITELLM, plan("run-2"), http, archive, known)
    assert [f.record["observed_at"][:10] for f in again] == ["2024-11-05"]


def test_the_token_goes_to_the_api_only_and_is_never_recorded(tmp_path, server, http):
    archive = RawArchive(tmp_path / "raw")
    collect(LITELLM, plan("run-1", env={"GITHUB_TOKEN": SECRET}), http, archive, set())
    sent = {path.split("?")[0].split("/")[1]: headers.get("authorization") for path, headers in server.requests}
    assert sent == {"repos": f"Bearer {SECRET}", "BerriAI": None}
    for path in (archive.raw_dir / "fetches.jsonl", archive.raw_dir / "history.jsonl"):
        assert SECRET not in path.read_text()
    assert all(SECRET not in json.dumps(r) for r in archive.fetches())
