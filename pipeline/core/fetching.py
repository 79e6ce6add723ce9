"""Getting a source's bodies in each mode, and recording every attempt.

- live:   fetch from the internet (conditional GET against the last live success).
- replay: serve the bundled recorded responses dated at or before the run's as-of time.
- auto:   replay what is bundled and not yet ingested (the seed history), then live; a URL that
          cannot be reached falls back to the newest archived or bundled response, recorded as
          mode `fallback`, stale, with the reason.
- file:   a local copy of a response, observed at a given date (`ledger ingest`).
- backfill: past versions from the public record (GitHub commits, Wayback Machine captures),
          one per quarter asked, observed at the commit's or capture's time (pipeline/core/backfill.py).

Every attempt gets a fetch record (the `raw_fetch` columns) appended to the journal before
anything parses it; every body, and every partial body of a failed request, is archived. What
earlier runs left (the body for a 304, a response to fall back on) comes from a FetchHistory
built once per run, never from re-reading the journal.

`collect_many` runs every source side by side in one bounded pool (pipeline/core/parallel.py):
each URL of a live source is a task, the pages of one URL are fetched in order, and the HTTP
client's per-host limit keeps each host's share polite. Results come back in source and URL
order, as if the sources had been collected one by one.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime

from pipeline.core.archive import RawArchive
from pipeline.core.credentials import bearer
from pipeline.core.fetch_history import FetchHistory
from pipeline.core.fetch_offline import curated_files, foreign_facts, from_file, replay_bundled
from pipeline.core.fetch_records import Fetched, FetchPlan, SourceUnavailable, make_record, new_fetch_id
from pipeline.core.http import FetchError, HttpClient, host_of
from pipeline.core.parallel import Raised, Task, run_tasks
from pipeline.core.recorded import load_index
from pipeline.core.sources import Source, SourceFormatError

Outcome = list[Fetched] | SourceUnavailable


def collect(source: Source, plan: FetchPlan, http: HttpClient | None, archive: RawArchive,
            known_fetch_ids: set[str], history: FetchHistory | None = None) -> list[Fetched]:
    """All bodies this run gets for `source`, in order. Raises SourceUnavailable.

    Without `history`, the journal is read once to make one (for callers with no warehouse)."""
    if history is None:
        live = plan.mode in ("live", "auto") and not source.local
        history = FetchHistory.from_journal(archive) if live else FetchHistory(())
    result = collect_many([source], plan, http, archive, history, {source.name: known_fetch_ids})[source.name]
    if isinstance(result, SourceUnavailable):
        raise result
    return result


def collect_many(sources: Sequence[Source], plan: FetchPlan, http: HttpClient | None, archive: RawArchive,
                 history: FetchHistory, known_fetch_ids_by_source: Mapping[str, set[str]]) -> dict[str, Outcome]:
    """{source name: its bodies in order, or SourceUnavailable}, in the order of `sources`.

    Two rounds, each side by side: first what needs no network (bundled, curated and local
    files; backfill), then every live URL. A URL that failed falls back afterwards, in URL
    order. So every record of a source is made in the order collecting it alone makes them:
    replayed before live before fallback (snapshots break ties between fetches observed at the
    same moment by `requested_at`).

    Backfill sources share one request budget, so they run one after another in source order
    (a capped run reaches the same quarters whatever the timing). Any other exception from a
    source's work is raised once every source's work is over: the first one, in source order.
    A live run without an HTTP client, or a URL list that cannot be read, fails before any fetch."""
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise ValueError(f"sources named more than once: {sorted({n for n in names if names.count(n) > 1})}")
    jobs = [_Job(s, plan, http, archive, history, known_fetch_ids_by_source.get(s.name, set())) for s in sources]
    first = iter(run_tasks([t for job in jobs for t in job.first]))
    live = iter(run_tasks([t for job in jobs for t in job.live]))
    return {job.source.name: job.assemble([next(first) for _ in job.first], [next(live) for _ in job.live])
            for job in jobs}


class _Job:
    """One source's tasks, and how their outcomes make its result."""

    def __init__(self, source: Source, plan: FetchPlan, http: HttpClient | None, archive: RawArchive,
                 history: FetchHistory, known: set[str]):
        self.source, self.plan, self.archive, self.history = source, plan, archive, history
        self.urls: list[str] = []
        self.live: list[Task] = []
        if source.local:
            self.first = [Task(lambda: curated_files(source, plan, archive, known))]
        elif plan.mode == "file":
            self.first = [Task(lambda: from_file(source, plan, archive, known))]
        elif plan.mode == "replay":
            self.first = [Task(lambda: replay_bundled(source, plan, archive, known))]
        elif plan.mode == "backfill":
            # Imported here: the backfill module builds on this one's records.
            from pipeline.core.backfill import collect_backfill

            self.first = [Task(lambda: collect_backfill(source, plan, http, archive, known), serial=True)]
        elif http is None:
            raise RuntimeError("live fetching needs an HTTP client")
        else:
            self.first = [Task(lambda: replay_bundled(source, plan, archive, known))] if plan.mode == "auto" else []
            self.urls = source.url_list(plan.curated_dir)
            self.live = [Task(lambda u=url: _live_or_failure(source, plan, http, archive, history, u),
                              host_of(http.resolve(url))) for url in self.urls]

    def assemble(self, first: list[object], live: list[object]) -> Outcome:
        for got in first + live:
            if isinstance(got, Raised):
                raise got.error
        out: list[Fetched] = [f for got in first for f in got]
        failures = []
        for url, got in zip(self.urls, live):
            if isinstance(got, _GroupFailed):
                fallback = (_fallback(self.source, self.plan, self.archive, self.history, url, got.record)
                            if self.plan.mode == "auto" else [])
                if not fallback:
                    failures.append(got.record)
                got = fallback
            out.extend(got)
        return SourceUnavailable(self.source.name, failures) if failures else out


class _GroupFailed(Exception):
    def __init__(self, record: dict):
        self.record = record


def _readable(archive: RawArchive, sha256: str) -> bytes | None:
    """An archived body, or None when it is missing or does not match its sha256."""
    try:
        return archive.get(sha256)
    except (OSError, ValueError, EOFError):
        return None


def _live_or_failure(source: Source, plan: FetchPlan, http: HttpClient, archive: RawArchive,
                     history: FetchHistory, url: str) -> list[Fetched] | _GroupFailed:
    try:
        return _live_group(source, plan, http, archive, history, url)
    except _GroupFailed as failed:
        return failed


def _live_group(source: Source, plan: FetchPlan, http: HttpClient, archive: RawArchive, history: FetchHistory,
                url: str) -> list[Fetched]:
    out: list[Fetched] = []
    group_id = None
    page_url: str | None = url
    allowed = source.allowed_hosts(plan.curated_dir)
    auth = bearer(plan.secrets.get(source.auth_env)) if source.auth_env else {}
    for page in range(source.max_pages):
        if page_url is None:
            break
        fetch_id = new_fetch_id(source.name, plan.as_of)
        group_id = group_id or fetch_id
        last = history.last_success(source.name, http.resolve(page_url))
        cached = _readable(archive, last["sha256"]) if last else None
        if cached is None:
            last = None  # nothing (intact) to re-use on a 304: ask for the full body
        try:
            resp = http.get(page_url, allowed_hosts=allowed, headers=source.headers,
                            secret_headers=auth,
                            etag=last.get("etag") if last else None,
                            last_modified=last.get("last_modified") if last else None)
        except FetchError as exc:
            partial = exc.body if exc.body else None
            if partial is not None:
                archive.put(partial)
            rec = make_record(source, plan, fetch_id=fetch_id, url=exc.url, mode="live", endpoint=url,
                              observed_at=plan.as_of, body=partial, status=exc.status,
                              error=f"{exc.reason} after {exc.attempts} attempt(s)",
                              attempts=exc.attempts, group_id=group_id, page=page)
            archive.append_fetch(rec)
            raise _GroupFailed(rec) from exc
        reused = None
        if resp.not_modified and last:
            body, reused = cached, last["fetch_id"]
        else:
            body = resp.body
            archive.put(body)
        rec = make_record(source, plan, fetch_id=fetch_id, url=resp.url, mode="live", endpoint=url,
                          observed_at=plan.as_of, body=body, status=resp.status,
                          content_type=resp.content_type or (last or {}).get("content_type"),
                          etag=resp.etag or (last or {}).get("etag"),
                          last_modified=resp.last_modified or (last or {}).get("last_modified"),
                          attempts=resp.attempts, elapsed_ms=int(resp.elapsed_s * 1000),
                          reused_fetch_id=reused, group_id=group_id, page=page)
        archive.append_fetch(rec)
        out.append(Fetched(rec, body))
        if source.next_page is None:
            break
        try:
            page_url = source.next_page(body, page_url)
        except SourceFormatError as exc:
            raise _failed_after(archive, rec, f"cannot find the next page: {exc}") from exc
        if page_url and source.page_delay_s:
            time.sleep(source.page_delay_s)
    else:
        raise _failed_after(archive, out[-1].record, f"stopped after {source.max_pages} pages")
    return out


def _failed_after(archive: RawArchive, rec: dict, error: str) -> _GroupFailed:
    """A page that came back whole, but after which the group cannot go on: journalled again
    with the error (the later line wins), so that the group is never taken for a whole one."""
    rec = dict(rec, error=error)
    archive.append_fetch(rec)
    return _GroupFailed(rec)


def _fallback(source: Source, plan: FetchPlan, archive: RawArchive, history: FetchHistory, url: str,
              failure: dict) -> list[Fetched]:
    """The newest whole archived live response for `url`, or the newest bundled one, marked stale."""
    bundled = [e for e in load_index(source.name, source.recorded_dir) if e.group == url and e.observed_at <= plan.as_of]
    newest_bundled_day = max((e.observed_on for e in bundled), default=None)
    entries = [e for e in bundled if e.observed_on == newest_bundled_day]
    bundled_at = entries[0].observed_at if entries else None
    reason = f"live fetch failed: {failure['error']}"
    live = _newest_intact(archive, history.complete_groups(source.name, url), bundled_at)
    if live is not None:
        observed_at, pages = live
    elif entries:
        observed_at = bundled_at
        pages = [(e.body(), e.url, f"bundled:{e.path.name}", None, e.provenance, foreign_facts(source.name, e))
                 for e in entries]
    else:
        return []
    out = []
    group_id = None
    for page, (body, page_url, origin, content_type, provenance, facts_from) in enumerate(pages):
        fetch_id = new_fetch_id(source.name, plan.as_of) + "-fallback"
        group_id = group_id or fetch_id
        archive.put(body)
        rec = make_record(source, plan, fetch_id=fetch_id, url=page_url, mode="fallback", endpoint=url,
                          observed_at=observed_at, body=body, content_type=content_type,
                          error=None, stale=True, stale_reason=reason, reused_fetch_id=origin,
                          group_id=group_id, page=page)
        if provenance:
            rec["provenance"] = provenance
        if facts_from:
            rec["facts_from"] = facts_from
        archive.append_fetch(rec)
        out.append(Fetched(rec, body))
    return out


def _newest_intact(archive: RawArchive, groups: list[list[dict]], not_before: datetime | None
                   ) -> tuple[datetime, list[tuple[bytes, str, str, str | None, str | None, str | None]]] | None:
    """The newest group whose every body is in the archive and matches its sha256, unless it is
    older than `not_before` (the bundled response then wins; a tie goes to the live one)."""
    for recs in groups:
        observed_at = datetime.fromisoformat(recs[0]["observed_at"])
        if not_before is not None and observed_at < not_before:
            return None
        bodies = [_readable(archive, r["sha256"]) for r in recs]
        if all(b is not None for b in bodies):
            return observed_at, [(b, r["url"], r["fetch_id"], r.get("content_type"), r.get("provenance"),
                                  r.get("facts_from")) for b, r in zip(bodies, recs)]
    return None
