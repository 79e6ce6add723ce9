"""`backfill` mode: a source's past bodies, from its history (pipeline/core/history.py).

For each quarter asked, each endpoint of the source gets the last commit or capture before the
quarter's end. Each distinct version is read once and goes through the raw archive like any
fetch: mode `backfill`, observed_at = the commit's or capture's time, `provenance` = the commit
or capture URL, and a fetch id made from them (`backfill-<source>-<endpoint hash>-<sha or
timestamp>`), so that a second run adds nothing. A version whose body the journal and archive
already hold (a run that was interrupted, or not published) is taken from there, not downloaded
again; answers for closed quarters are kept in the history log and not asked again.

A body its parser cannot read (an older page layout) is archived and journalled with the reason,
reported with its date, and kept out of the parse: it must not block the quarters that can be
read. The same holds for a version that cannot be downloaded. Every quarter ends up in the
run's coverage rows (history log → `backfill_coverage`): found, carried, gap, unreadable,
failed or not_reached.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from pipeline.core.archive import RawArchive, sha256_hex
from pipeline.core.fetch_records import Fetched, FetchPlan, make_record
from pipeline.core.history import (TOKEN_ENV, BackfillStopped, Budget, HistoryFormatError, Location, Version,
                                   budget_for, get, git_versions)
from pipeline.core.history_sources import HISTORY_FILE, HistoryLog, locations_for
from pipeline.core.http import FetchError, HttpClient
from pipeline.core.quarters import Quarter
from pipeline.core.sources import Source, SourceFormatError
from pipeline.core.wayback import capture_moment, wayback_versions
from pipeline.core.progress import progress
from schemas.history import COVERAGE_STATUSES as STATUSES


@dataclass
class Pick:
    endpoint: str
    kind: str
    quarter: Quarter
    version: Version | None = None
    status: str | None = None  # set when resolution already decided: gap / failed / not_reached
    detail: str | None = None


@dataclass
class Result:
    status: str  # fetched / known / unreadable / failed / not_reached
    fetch_id: str | None = None
    sha256: str | None = None
    detail: str | None = None


def fetch_id(source: str, endpoint: str, version: Version) -> str:
    vid = version.id[:12] if version.kind == "git" else version.id
    return f"backfill-{source}-{sha256_hex(endpoint.encode())[:8]}-{vid}"


def cutoff(quarter: Quarter, as_of: datetime) -> datetime:
    """Versions before this count for the quarter: its end, or just after the run's as-of time."""
    return min(quarter.end, as_of + timedelta(seconds=1))


def collect_backfill(source: Source, plan: FetchPlan, http: HttpClient | None, archive: RawArchive,
                     known_fetch_ids: set[str]) -> list[Fetched]:
    locations = locations_for(source, plan.history_file or plan.curated_dir / HISTORY_FILE, plan.curated_dir)
    quarters = [q for q in plan.backfill_quarters if q.start <= plan.as_of]
    if not locations or not quarters:
        return []
    if http is None:
        raise RuntimeError("a backfill needs an HTTP client")
    budget = budget_for(plan.run_id, max_requests=plan.backfill_max_requests,
                        max_wait_s=plan.backfill_max_wait_s, pause_s=plan.backfill_pause_s)
    log = HistoryLog(archive.raw_dir)
    picks = resolve(locations, quarters, plan, http, budget, log)
    journal = {r["fetch_id"]: r for r in archive.fetches()
               if r.get("source") == source.name and r.get("mode") == "backfill"}
    out: list[Fetched] = []
    results: dict[tuple[str, str], Result] = {}
    wanted = {(p.endpoint, p.version) for p in picks if p.version is not None and p.status is None}
    for endpoint, version in sorted(wanted, key=lambda ev: (ev[1].observed_at, ev[0])):
        results[(endpoint, version.id)] = _fetch(source, plan, http, budget, archive, journal, known_fetch_ids,
                                                 endpoint, version, out)
    rows = [coverage_row(source.name, p, results, plan.as_of) for p in picks]
    log.append_coverage(plan.run_id, rows)
    for row in rows:
        progress.info("%-28s %s %-11s %s", f"{source.family}/{source.name}", row["quarter"], row["status"],
                      describe(row))
    return out


def resolve(locations: list[Location], quarters: list[Quarter], plan: FetchPlan, http: HttpClient,
            budget: Budget, log: HistoryLog) -> list[Pick]:
    """One pick per endpoint and quarter: the newest version over the endpoint's locations."""
    cutoffs = {q: cutoff(q, plan.as_of) for q in quarters}
    cached = log.resolved()
    per_endpoint: dict[str, list[tuple[Location, dict]]] = {}
    for loc in locations:
        answers = _answers(loc, cutoffs, cached, plan, http, budget, log)
        per_endpoint.setdefault(loc.endpoint, []).append((loc, answers))
    picks = []
    for endpoint, found in per_endpoint.items():
        kind = found[0][0].kind
        for q in quarters:
            answers = [by_quarter[q] for _, by_quarter in found]
            problems = [a for a in answers if isinstance(a, tuple)]
            versions = [a for a in answers if isinstance(a, Version)]
            if problems:
                # A location that could not answer may hold the newest version: no guess.
                picks.append(Pick(endpoint, kind, q, status=problems[0][0], detail=problems[0][1]))
            elif versions:
                picks.append(Pick(endpoint, kind, q, version=max(versions, key=lambda v: v.observed_at)))
            else:
                what = "commit touching" if kind == "git" else "capture of"
                places = " or ".join(loc.label for loc, _ in found)
                picks.append(Pick(endpoint, kind, q, status="gap",
                                  detail=f"no {what} {places} before {cutoffs[q]:%Y-%m-%d %H:%M}"))
    return picks


def _answers(loc: Location, cutoffs: dict[Quarter, datetime], cached: dict, plan: FetchPlan, http: HttpClient,
             budget: Budget, log: HistoryLog) -> dict[Quarter, Version | None | tuple[str, str]]:
    """Per quarter: a version, None (nothing before the cutoff), or (status, why) when unknown."""
    closed = {q for q in cutoffs if q.end <= plan.as_of}
    got: dict[Quarter, Version | None | tuple[str, str]] = {
        q: cached[(loc.key, q.label)] for q in closed if (loc.key, q.label) in cached}
    todo = {q: c for q, c in cutoffs.items() if q not in got}
    if not todo:
        return got
    try:
        fresh = (git_versions(http, budget, loc, todo, _token(plan)) if loc.kind == "git"
                 else wayback_versions(http, budget, loc, todo))
    except BackfillStopped as exc:
        return {**got, **{q: ("not_reached", str(exc)) for q in todo}}
    except (FetchError, HistoryFormatError) as exc:
        return {**got, **{q: ("failed", f"{loc.label}: {exc}") for q in todo}}
    # What the record held before a closed quarter's end does not change: not asked again.
    log.remember(loc.key, {q: v for q, v in fresh.items() if q in closed})
    return {**got, **fresh}


def _token(plan: FetchPlan) -> str | None:
    secret = plan.secrets.get(TOKEN_ENV)
    return secret.reveal() if secret is not None else None


def _fetch(source: Source, plan: FetchPlan, http: HttpClient, budget: Budget, archive: RawArchive, journal: dict,
           known: set[str], endpoint: str, version: Version, out: list[Fetched]) -> Result:
    fid = fetch_id(source.name, endpoint, version)
    if fid in known:
        return Result("known", fid, (journal.get(fid) or {}).get("sha256"))
    old = next((r for k, r in journal.items() if (k == fid or k.startswith(f"{fid}-unreadable-"))
                and r.get("sha256") and archive.has(r["sha256"])), None)
    if old is not None:
        body = archive.get(old["sha256"])
        rec = dict(old, fetch_id=fid, run_id=plan.run_id, error=None, parser_version=source.parser_version,
                   group_id=fid)
    else:
        try:
            resp = get(http, budget, version.raw_url)
            served = capture_moment(resp.url) if version.kind == "wayback" else None
            if served is not None and served != version.observed_at:
                raise FetchError(resp.url, f"the archive served the capture of {served:%Y-%m-%d %H:%M:%S} "
                                           f"instead of {version.observed_at:%Y-%m-%d %H:%M:%S}")
        except BackfillStopped as exc:
            return Result("not_reached", detail=str(exc))
        except FetchError as exc:
            failed = make_record(source, plan, fetch_id=f"{fid}-failed-{uuid.uuid4().hex[:8]}",
                                 url=exc.url, mode="backfill", observed_at=version.observed_at, endpoint=endpoint,
                                 body=exc.body or None, status=exc.status, attempts=exc.attempts,
                                 error=f"{exc.reason} after {exc.attempts} attempt(s)")
            failed["provenance"] = version.provenance
            if exc.body:
                archive.put(exc.body)
            archive.append_fetch(failed)
            return Result("failed", detail=f"{version.raw_url}: {exc.reason}")
        body = resp.body
        archive.put(body)
        rec = make_record(source, plan, fetch_id=fid, url=resp.url, mode="backfill", endpoint=endpoint,
                          observed_at=version.observed_at, body=body, status=resp.status,
                          content_type=resp.content_type, attempts=resp.attempts,
                          elapsed_ms=int(resp.elapsed_s * 1000))
        rec["provenance"] = version.provenance
    problem = unreadable(source, body, version.observed_at, rec["url"])
    if problem:
        unread = f"{fid}-unreadable-{_slug(source.parser_version)}"
        rec.update(fetch_id=unread, group_id=unread,
                   error=f"unreadable: {version.kind} version of {version.observed_at:%Y-%m-%d}: {problem}")
        if rec["fetch_id"] not in journal:
            archive.append_fetch(rec)
        return Result("unreadable", rec["fetch_id"], rec["sha256"], problem)
    if old is None or old["fetch_id"] != fid:
        archive.append_fetch(rec)
    known.add(fid)
    out.append(Fetched(rec, body))
    return Result("fetched", fid, rec["sha256"])


def unreadable(source: Source, body: bytes, observed_at: datetime, url: str) -> str | None:
    """Why the parser refuses this body as a whole, or None. Parsers are pure: a trial parse is
    safe, and the one extra parse of each new body is the price of not blocking the run."""
    try:
        source.parse(body, observed_at, url)
    except SourceFormatError as exc:
        return str(exc)
    return None


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")


def coverage_row(source: str, pick: Pick, results: dict[tuple[str, str], Result], as_of: datetime) -> dict:
    v = pick.version
    row = {"quarter": pick.quarter.label, "provisional": pick.quarter == Quarter.of(as_of), "source": source,
           "endpoint": pick.endpoint, "kind": pick.kind, "status": pick.status, "version": v.id if v else None,
           "observed_at": v.observed_at.isoformat() if v else None, "provenance": v.provenance if v else None,
           "fetch_id": None, "sha256": None, "detail": pick.detail}
    if v is not None:
        result = results[(pick.endpoint, v.id)]
        row.update(sha256=result.sha256, detail=result.detail)
        if result.status in ("fetched", "known"):
            row.update(status="found" if v.observed_at >= pick.quarter.start else "carried", fetch_id=result.fetch_id)
        else:
            row.update(status=result.status)
    return row


def describe(row: dict) -> str:
    """'model_prices_and_context_window.json: 1a2b3c4d5e6f 2024-08-21', then the reason if any."""
    parts = [row["endpoint"].rstrip("/").rsplit("/", 1)[-1] + ":"]
    if row["version"]:
        parts += [row["version"][:12] if row["kind"] == "git" else row["version"], (row["observed_at"] or "")[:10]]
    if row.get("detail"):
        parts.append(("— " if row["version"] else "") + row["detail"])
    return " ".join(parts)


def coverage_summary(rows: list[dict]) -> str:
    """A backfill's coverage for the terminal: per endpoint, its quarters by status; then each
    quarter without a readable version, with the reason."""
    if not rows:
        return "backfill: no history listed for the sources asked"
    counts = {s: sum(r["status"] == s for r in rows) for s in STATUSES}
    lines = ["backfill: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n)]
    endpoints = sorted({(r["source"], r["endpoint"]) for r in rows})
    for source, endpoint in endpoints:
        mine = sorted((r for r in rows if (r["source"], r["endpoint"]) == (source, endpoint)),
                      key=lambda r: r["quarter"])
        groups = " · ".join(f"{s} " + " ".join(r["quarter"] for r in mine if r["status"] == s)
                            for s in STATUSES if any(r["status"] == s for r in mine))
        lines.append(f"  {source:<22} {endpoint.rstrip('/').rsplit('/', 1)[-1]:<40} {groups}")
    for r in sorted(rows, key=lambda r: (r["source"], r["endpoint"], r["quarter"])):
        if r["status"] not in ("found", "carried"):
            lines.append(f"    {r['source']} {r['quarter']} {r['status']}: {describe(r)}")
    return "\n".join(lines)
