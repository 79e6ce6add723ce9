"""What a source published in past quarters, found in the public record.

Two kinds of history, listed per source in `pipeline/curated/history_sources.csv` (cited):
- git: a file in a GitHub repository. The commits API (`GET /repos/{owner}/{repo}/commits?
  path=…&until=…`, newest first, paged with a `Link` header) gives the last commit touching the
  path before each quarter's end; the file at that commit comes from raw.githubusercontent.com.
  A commit's time is its committer date (the date `until` filters on).
- wayback: a page archived by the Wayback Machine (pipeline/core/wayback.py).

A quarter's version is the newest one before min(quarter end, run's as-of). Quarters are asked
newest first: one answer often settles the earlier quarters too (a file or page that did not
change), and a page of commits settles every quarter whose end falls inside it. A quarter with
nothing before its end is a gap (None): reported, never filled.

Polite and bounded (`Budget`): a cap on requests per run, a pause between requests, and the
X-RateLimit-Remaining / X-RateLimit-Reset headers obeyed: with nothing left, the run waits for
the reset when it is near, else stops with a message saying when to run again. GITHUB_TOKEN,
when set, is sent to the API only, as a secret header (never archived, journalled or logged).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlencode

from pipeline.core.http import FetchError, HttpClient, HttpResponse, host_of
from pipeline.core.quarters import Quarter

GITHUB_API = "https://api.github.com"
GITHUB_RAW = "https://raw.githubusercontent.com"
GITHUB_WEB = "https://github.com"
TOKEN_ENV = "GITHUB_TOKEN"
PER_PAGE = 100
API_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
_SHA = re.compile(r"^[0-9a-f]{40}$")
_NEXT = re.compile(r'<[^>]+>\s*;\s*rel="next"')


class HistoryFormatError(ValueError):
    """An answer from the commits or CDX API that is not what the API serves."""


class BackfillStopped(Exception):
    """The run may make no more requests (its cap, or a rate limit that resets too late)."""


@dataclass(frozen=True)
class Location:
    """Where one endpoint of a source has its history: a file in a repository, or a page."""

    source: str
    endpoint: str
    kind: str  # git | wayback
    repo: str | None = None
    path: str | None = None
    url: str | None = None
    citation: str = ""

    @property
    def key(self) -> str:
        return f"git:{self.repo}:{self.path}" if self.kind == "git" else f"wayback:{self.url}"

    @property
    def label(self) -> str:
        return f"{self.repo}/{self.path}" if self.kind == "git" else f"{self.url} (Wayback Machine)"


@dataclass(frozen=True)
class Version:
    """One commit of a file or one capture of a page."""

    kind: str
    id: str  # commit sha, or capture timestamp yyyymmddhhmmss
    observed_at: datetime  # naive UTC
    raw_url: str
    provenance: str

    def to_json(self) -> dict:
        return {"kind": self.kind, "id": self.id, "observed_at": self.observed_at.isoformat(),
                "raw_url": self.raw_url, "provenance": self.provenance}

    @classmethod
    def from_json(cls, data: dict) -> Version:
        return cls(data["kind"], data["id"], datetime.fromisoformat(data["observed_at"]), data["raw_url"],
                   data["provenance"])


# -- politeness ---------------------------------------------------------------------------------

@dataclass
class _HostState:
    remaining: int | None = None
    limit: int | None = None
    reset_at: float | None = None  # epoch seconds
    last_at: float = 0.0


@dataclass
class Budget:
    """What one run may still ask for: a request cap, per-host pauses and rate-limit counters."""

    max_requests: int = 300
    max_wait_s: float = 300.0
    pause_s: float = 0.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    requests: int = 0
    hosts: dict[str, _HostState] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def before(self, url: str) -> None:
        with self._lock:
            if self.requests >= self.max_requests:
                raise BackfillStopped(f"the cap of {self.max_requests} requests for this run was reached; "
                                      "run the same backfill again to continue (what was fetched is kept)")
            host = host_of(url)
            state = self.hosts.setdefault(host, _HostState())
            if state.remaining is not None and state.remaining <= 0:
                self._wait_for_reset(host, state)
            if self.pause_s and state.last_at:
                self.sleep(max(0.0, state.last_at + self.pause_s - self.clock()))
            self.requests += 1
            state.last_at = self.clock()

    def _wait_for_reset(self, host: str, state: _HostState) -> None:
        wait = max(0.0, (state.reset_at or 0) - self.clock()) + 1.0
        if state.reset_at is None or wait > self.max_wait_s:
            when = (datetime.fromtimestamp(state.reset_at, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
                    if state.reset_at else "an unknown time")
            raise BackfillStopped(
                f"{host} rate limit reached: 0 of {state.limit or '?'} requests left until {when}; "
                f"set {TOKEN_ENV} for a higher limit, or run the same backfill again after then "
                "(what was fetched is kept)")
        self.sleep(wait)
        state.remaining = None

    def after(self, url: str, headers: Mapping[str, str]) -> None:
        """Read a response's X-RateLimit-* headers (sent by the GitHub API)."""
        with self._lock:
            state = self.hosts.setdefault(host_of(url), _HostState())
            for name, attr in (("x-ratelimit-remaining", "remaining"), ("x-ratelimit-limit", "limit"),
                               ("x-ratelimit-reset", "reset_at")):
                value = (headers.get(name) or "").strip()
                if value.isdigit():
                    setattr(state, attr, float(value) if attr == "reset_at" else int(value))


_BUDGETS: dict[str, Budget] = {}
_BUDGETS_LOCK = threading.Lock()


def budget_for(run_id: str, **settings) -> Budget:
    """The run's one budget, shared by its sources (they run one after another in one process)."""
    with _BUDGETS_LOCK:
        if run_id not in _BUDGETS:
            while len(_BUDGETS) >= 16:  # a long-lived process (the UI) keeps only recent runs'
                del _BUDGETS[next(iter(_BUDGETS))]
            _BUDGETS[run_id] = Budget(**settings)
        return _BUDGETS[run_id]


def get(http: HttpClient, budget: Budget, url: str, *, secret_headers: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None) -> HttpResponse:
    """One polite request. A refusal for a spent rate limit stops the run rather than failing it."""
    budget.before(url)
    try:
        resp = http.get(url, allowed_hosts={host_of(url)}, headers=headers, secret_headers=secret_headers)
    except FetchError as exc:
        budget.after(url, exc.headers)
        if exc.status in (403, 429) and exc.headers.get("x-ratelimit-remaining") == "0":
            raise BackfillStopped(f"{host_of(url)} refused: rate limit exceeded ({exc.reason}); run the "
                                  "same backfill again after its reset (what was fetched is kept)") from exc
        raise
    budget.after(url, resp.headers)
    return resp


def _moment(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: object, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise HistoryFormatError(f"{where}: {value!r} is not an ISO date-time") from None
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


# -- GitHub -------------------------------------------------------------------------------------

def commits_url(loc: Location, cutoff: datetime) -> str:
    # `until` is inclusive: one second before the (exclusive) cutoff.
    query = urlencode({"path": loc.path, "until": _moment(cutoff - timedelta(seconds=1)), "per_page": PER_PAGE})
    return f"{GITHUB_API}/repos/{loc.repo}/commits?{query}"


def _commits(resp: HttpResponse, loc: Location) -> list[Version]:
    try:
        data = json.loads(resp.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HistoryFormatError(f"{resp.url}: not JSON ({exc})") from None
    if not isinstance(data, list):
        raise HistoryFormatError(f"{resp.url}: expected a JSON list of commits")
    out = []
    for i, item in enumerate(data):
        sha = item.get("sha") if isinstance(item, dict) else None
        if not isinstance(sha, str) or not _SHA.match(sha):
            # The sha becomes part of a URL and of fetch ids: only a plain hex digest is accepted.
            raise HistoryFormatError(f"{resp.url}: commit [{i}] has no 40-hex-digit sha")
        date = ((item.get("commit") or {}).get("committer") or {}).get("date")
        at = _parse_time(date, f"{resp.url}: commit {sha[:12]}")
        path = quote(loc.path or "", safe="/")
        out.append(Version("git", sha, at, f"{GITHUB_RAW}/{loc.repo}/{sha}/{path}",
                           f"{GITHUB_WEB}/{loc.repo}/blob/{sha}/{path}"))
    return out


def git_versions(http: HttpClient, budget: Budget, loc: Location, cutoffs: dict[Quarter, datetime],
                 token: str | None = None) -> dict[Quarter, Version | None]:
    """The last commit touching the path before each cutoff (None: the file did not exist yet)."""
    secret = {"Authorization": f"Bearer {token}"} if token else None
    pending = sorted(cutoffs, key=lambda q: cutoffs[q], reverse=True)
    found: dict[Quarter, Version | None] = {}
    while pending:
        resp = get(http, budget, commits_url(loc, cutoffs[pending[0]]), headers=API_HEADERS, secret_headers=secret)
        commits = _commits(resp, loc)
        more = bool(_NEXT.search(resp.headers.get("link", "")))
        oldest = min((c.observed_at for c in commits), default=None)
        still = []
        for q in pending:
            if oldest is not None and cutoffs[q] > oldest:
                # Every commit between the page's oldest and this cutoff is on this page.
                found[q] = max((c for c in commits if c.observed_at < cutoffs[q]), key=lambda c: c.observed_at)
            elif not more:
                found[q] = None
            else:
                still.append(q)
        pending = still
    return found
