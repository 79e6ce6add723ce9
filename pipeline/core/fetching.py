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
anything parses it; every body, and every partial body of a failed request, is archived.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from pipeline.core.archive import RawArchive
from pipeline.core.fetch_records import Fetched, FetchPlan, SourceUnavailable, make_record, new_fetch_id
from pipeline.core.http import FetchError, HttpClient
from pipeline.core.recorded import RecordedResponse, load_index
from pipeline.core.sources import Source, SourceFormatError

MAX_PARALLEL_URLS = 8


def collect(source: Source, plan: FetchPlan, http: HttpClient | None, archive: RawArchive,
            known_fetch_ids: set[str]) -> list[Fetched]:
    """All bodies this run gets for `source`, in order. Raises SourceUnavailable."""
    recorded = load_index(source.name, source.recorded_dir)
    if source.local:
        return _local(source, plan, archive, known_fetch_ids)
    if plan.mode == "file":
        return _from_file(source, plan, archive, known_fetch_ids)
    if plan.mode == "replay":
        return _replay(source, plan, archive, recorded, known_fetch_ids)
    if plan.mode == "backfill":
        # Imported here: the backfill module builds on this one's records.
        from pipeline.core.backfill import collect_backfill

        return collect_backfill(source, plan, http, archive, known_fetch_ids)
    out = _replay(source, plan, archive, recorded, known_fetch_ids) if plan.mode == "auto" else []
    if http is None:
        raise RuntimeError("live fetching needs an HTTP client")
    failures = []
    urls = source.url_list(plan.curated_dir)
    # Several URLs are fetched side by side; the client's per-host limit keeps it polite.
    with ThreadPoolExecutor(max_workers=max(1, min(MAX_PARALLEL_URLS, len(urls)))) as pool:
        results = list(pool.map(lambda u: _live_or_failure(source, plan, http, archive, u), urls))
    for url, result in zip(urls, results):
        if isinstance(result, _GroupFailed):
            if plan.mode == "auto":
                fallback = _fallback(source, plan, archive, recorded, url, result.record)
                if fallback:
                    out.extend(fallback)
                    continue
            failures.append(result.record)
        else:
            out.extend(result)
    if failures:
        raise SourceUnavailable(source.name, failures)
    return out


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
                     url: str) -> list[Fetched] | _GroupFailed:
    try:
        return _live_group(source, plan, http, archive, url)
    except _GroupFailed as failed:
        return failed


def _auth_headers(source: Source, plan: FetchPlan) -> dict[str, str]:
    token = plan.env.get(source.auth_env) if source.auth_env else None
    return {"Authorization": f"Bearer {token}"} if token else {}


def _live_group(source: Source, plan: FetchPlan, http: HttpClient, archive: RawArchive,
                url: str) -> list[Fetched]:
    out: list[Fetched] = []
    group_id = None
    page_url: str | None = url
    allowed = source.allowed_hosts(plan.curated_dir)
    for page in range(source.max_pages):
        if page_url is None:
            break
        fetch_id = new_fetch_id(source.name, plan.as_of)
        group_id = group_id or fetch_id
        last = archive.last_success(source.name, http.resolve(page_url))
        cached = _readable(archive, last["sha256"]) if last else None
        if cached is None:
            last = None  # nothing (intact) to re-use on a 304: ask for the full body
        try:
            resp = http.get(page_url, allowed_hosts=allowed, headers=source.headers,
                            secret_headers=_auth_headers(source, plan),
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
            rec["error"] = f"cannot find the next page: {exc}"
            raise _GroupFailed(rec) from exc
        if page_url and source.page_delay_s:
            time.sleep(source.page_delay_s)
    else:
        rec = dict(out[-1].record, error=f"stopped after {source.max_pages} pages")
        raise _GroupFailed(rec)
    return out


def _replay(source: Source, plan: FetchPlan, archive: RawArchive,
            recorded: list[RecordedResponse], known_fetch_ids: set[str]) -> list[Fetched]:
    out = []
    groups: dict[tuple, str] = {}
    pages: dict[tuple, int] = {}
    for entry in recorded:
        if entry.observed_at > plan.as_of:
            continue
        body = entry.body()
        sha = archive.put(body)
        fetch_id = f"replay-{source.name}-{entry.observed_on.isoformat()}-{sha[:12]}"
        gkey = (entry.observed_on, entry.group)
        group_id = groups.setdefault(gkey, fetch_id)
        page = pages[gkey] = pages.get(gkey, -1) + 1
        if fetch_id in known_fetch_ids:
            continue
        rec = make_record(source, plan, fetch_id=fetch_id, url=entry.url, mode="replay", endpoint=entry.group,
                          observed_at=entry.observed_at, body=body, sha256=sha,
                          group_id=group_id, page=page)
        rec["recorded_file"] = str(entry.path.name)
        rec["provenance"] = entry.provenance
        archive.append_fetch(rec)
        known_fetch_ids.add(fetch_id)
        out.append(Fetched(rec, body))
    return out


def _fallback(source: Source, plan: FetchPlan, archive: RawArchive,
              recorded: list[RecordedResponse], url: str, failure: dict) -> list[Fetched]:
    """The newest archived live response for `url`, or the newest bundled one, marked stale."""
    archived: dict[str, list[dict]] = {}
    broken: set[str] = set()  # a paged group with a failed page is not a whole response
    for rec in archive.fetches():
        if rec.get("source") != source.name or rec.get("mode") != "live":
            continue
        if rec.get("error"):
            broken.add(rec["group_id"])
        elif rec.get("sha256") and archive.has(rec["sha256"]):
            archived.setdefault(rec["group_id"], []).append(rec)
    live_groups = [recs for gid, recs in archived.items() if recs[0].get("endpoint") == url and gid not in broken]
    best_live = max(live_groups, key=lambda recs: recs[0]["observed_at"], default=None)
    bundled = [e for e in recorded if e.group == url and e.observed_at <= plan.as_of]
    newest_bundled_day = max((e.observed_on for e in bundled), default=None)

    reason = f"live fetch failed: {failure['error']}"
    candidates: list[tuple[datetime, list[tuple[bytes, str, str, str | None, str | None]]]] = []
    if best_live:
        recs = sorted(best_live, key=lambda r: r["page"])
        candidates.append((datetime.fromisoformat(recs[0]["observed_at"]),
                           [(archive.get(r["sha256"]), r["url"], r["fetch_id"], r.get("content_type"), None)
                            for r in recs]))
    if newest_bundled_day:
        entries = [e for e in bundled if e.observed_on == newest_bundled_day]
        candidates.append((entries[0].observed_at,
                           [(e.body(), e.url, f"bundled:{e.path.name}", None, e.provenance) for e in entries]))
    if not candidates:
        return []
    observed_at, pages = max(candidates, key=lambda c: c[0])
    out = []
    group_id = None
    for page, (body, page_url, origin, content_type, provenance) in enumerate(pages):
        fetch_id = new_fetch_id(source.name, plan.as_of) + "-fallback"
        group_id = group_id or fetch_id
        archive.put(body)
        rec = make_record(source, plan, fetch_id=fetch_id, url=page_url, mode="fallback", endpoint=url,
                          observed_at=observed_at, body=body, content_type=content_type,
                          error=None, stale=True, stale_reason=reason, reused_fetch_id=origin,
                          group_id=group_id, page=page)
        if provenance:
            rec["provenance"] = provenance
        archive.append_fetch(rec)
        out.append(Fetched(rec, body))
    return out


def _from_file(source: Source, plan: FetchPlan, archive: RawArchive,
               known_fetch_ids: set[str]) -> list[Fetched]:
    path = Path(plan.ingest_file).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"{source.name}: no such file to ingest: {path}")
    body = path.read_bytes()
    sha = archive.put(body)
    observed_at = plan.ingest_observed_at
    fetch_id = f"file-{source.name}-{observed_at:%Y%m%dT%H%M%S}-{sha[:12]}"
    if fetch_id in known_fetch_ids:
        return []
    endpoint = plan.ingest_endpoint or source.url_list(plan.curated_dir)[0]
    rec = make_record(source, plan, fetch_id=fetch_id, url=path.as_uri(), mode="file", endpoint=endpoint,
                      observed_at=observed_at, body=body, sha256=sha)
    archive.append_fetch(rec)
    return [Fetched(rec, body)]


def _local(source: Source, plan: FetchPlan, archive: RawArchive, known_fetch_ids: set[str]) -> list[Fetched]:
    """Curated files: read from the curated directory in every mode and archived; a file that
    has not changed is not parsed again (parsed_bodies), but each run records its read."""
    out = []
    for name in source.url_list(plan.curated_dir):
        path = Path(name)
        if not path.is_absolute():
            path = plan.curated_dir / path
        if not path.is_file():
            continue  # an optional curated file that this curated directory does not have
        body = path.read_bytes()
        sha = archive.put(body)
        fetch_id = f"local-{source.name}-{path.name}-{plan.as_of:%Y%m%dT%H%M%S}-{sha[:12]}"
        if fetch_id in known_fetch_ids:
            continue
        rec = make_record(source, plan, fetch_id=fetch_id, url=path.resolve().as_uri(), mode="file",
                          endpoint=f"curated:{path.name}", observed_at=plan.as_of, body=body, sha256=sha)
        archive.append_fetch(rec)
        out.append(Fetched(rec, body))
    return out
