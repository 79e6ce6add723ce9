"""What the HTTP client (pipeline/core/http.py) is configured with and hands back: its policy,
its responses and its errors, and the URL helpers that scope limits and credentials."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

@dataclass(frozen=True)
class HttpPolicy:
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0
    # Whole-response deadline: a body trickling in byte by byte never trips the read timeout.
    total_timeout_s: float = 300.0
    max_attempts: int = 4
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 30.0
    retry_after_cap_s: float = 120.0
    max_body_bytes: int = 64 * 1024 * 1024
    per_host_limit: int = 2
    max_redirects: int = 5
    # Connections the pool keeps open; requests past it wait for one (per-host limits bound
    # what is in flight, this bounds sockets over all hosts). As many as the fetch pool has
    # workers (pipeline/core/parallel.py), so that no worker waits for a socket.
    max_connections: int = 32


@dataclass(frozen=True)
class HttpResponse:
    url: str
    status: int
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None
    attempts: int
    elapsed_s: float
    # Response headers, lower-cased (paging links, rate-limit counters); never request headers.
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class FetchError(Exception):
    """A request that produced no usable response. `body` keeps whatever bytes did arrive."""

    def __init__(self, url: str, reason: str, *, status: int | None = None,
                 body: bytes | None = None, attempts: int = 1, retryable: bool = False,
                 headers: Mapping[str, str] | None = None, unresolved: str | None = None):
        super().__init__(f"{reason} ({url})")
        self.headers = dict(headers or {})
        self.unresolved = unresolved  # the name lookup's error, when the host did not resolve
        self.url = url
        self.reason = reason
        self.status = status
        self.body = body
        self.attempts = attempts
        self.retryable = retryable


class RetryAfter(FetchError):
    def __init__(self, url: str, reason: str, wait_s: float | None, **kw):
        super().__init__(url, reason, retryable=True, **kw)
        self.wait_s = wait_s


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def origin_of(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port), the default port filled in: what credentials are scoped to."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or {"http": 80, "https": 443}.get(scheme)
