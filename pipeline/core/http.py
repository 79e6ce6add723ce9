"""The one HTTP client every source goes through (httpx + tenacity); its policy, responses and
errors are in pipeline/core/http_types.py.

What it guarantees, whatever the source:
- explicit connect/read timeouts and TLS verification;
- retries with exponential backoff and jitter on connection errors and 5xx;
  a 429's Retry-After is honoured up to a cap (without one, the usual backoff);
- a TLS certificate that does not verify is refused at once, never retried;
- one connection pool per client (keep-alive), shared by every thread that uses it;
- at most `per_host_limit` requests in flight per host, counted across the whole process
  (pipeline/core/host_limits.py says what happens when two policies disagree);
- a host's first request goes alone until it has connected, and a host whose name did not
  resolve is not looked up again by this client: its other URLs fail at once, saying so;
- secret headers go only to the origin (scheme, host, port) the URL resolves to, never to
  another origin a redirect leads to;
- bodies are streamed and the request is aborted once `max_body_bytes` is passed;
- redirects are followed only to hosts the source declares;
- conditional GET (If-None-Match / If-Modified-Since); a 304 comes back as `not_modified`,
  and a 304 to a request that was not conditional is an error (there is no body to reuse);
- secret headers (API keys from environment variables) are sent, never recorded: errors
  and responses carry the URL, the status and a reason, nothing from the request headers;
- no cookies are kept: each request stands on its own, whichever thread or source sent it.
"""

from __future__ import annotations

import dataclasses
import functools
import http.cookiejar
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin

import httpx
import tenacity

from pipeline import USER_AGENT
from pipeline.core.host_limits import host_slots
from pipeline.core.http_types import (FetchError, HttpPolicy, HttpResponse, RetryAfter, host_of, origin_of,
                                      parse_retry_after)

REDIRECT_STATUSES = {301, 302, 303, 307, 308}


@dataclass
class _FirstContact:
    """A host's first request in this client's life, which the others to that host wait for."""

    claimed: bool = False
    decided: threading.Event = field(default_factory=threading.Event)
    unresolved: str | None = None  # the lookup's failure, when the name did not resolve


@dataclass
class HttpClient:
    """Holds one httpx.Client (a thread-safe connection pool), opened on first use and reused
    by every thread; `close()` it, or use the client as a context manager."""

    policy: HttpPolicy = field(default_factory=HttpPolicy)
    # {"https://openrouter.ai": "http://127.0.0.1:8123"}: serve an origin from elsewhere
    # (a mirror, or a loopback server in tests). Allowed hosts follow the mapping.
    origin_overrides: Mapping[str, str] = field(default_factory=dict)
    user_agent: str = USER_AGENT
    sleep: Callable[[float], None] = time.sleep
    transport: httpx.BaseTransport | None = None
    _pool: httpx.Client | None = field(default=None, init=False, repr=False, compare=False)
    _pool_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)
    _contacts: dict[str, _FirstContact] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def _client(self) -> httpx.Client:
        with self._pool_lock:
            if self._pool is None:
                p = self.policy
                self._pool = httpx.Client(
                    # No pool timeout: a request waiting for a connection is bounded by the ones
                    # holding them, and must not fail as if the server were slow.
                    timeout=httpx.Timeout(p.read_timeout_s, connect=p.connect_timeout_s, pool=None),
                    limits=httpx.Limits(max_connections=p.max_connections,
                                        max_keepalive_connections=p.max_connections),
                    verify=_tls_context(), follow_redirects=False, transport=self.transport,
                    cookies=http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[])))
            return self._pool

    def resolve(self, url: str) -> str:
        for origin, replacement in self.origin_overrides.items():
            if url.startswith(origin.rstrip("/") + "/") or url == origin:
                return replacement.rstrip("/") + url[len(origin.rstrip("/")):]
        return url

    def allowed(self, hosts: frozenset[str] | set[str]) -> set[str]:
        out = {h.lower() for h in hosts}
        for origin, replacement in self.origin_overrides.items():
            if host_of(origin) in out:
                out.add(host_of(replacement))
        return out

    def get(self, url: str, *, allowed_hosts: frozenset[str] | set[str],
            headers: Mapping[str, str] | None = None,
            secret_headers: Mapping[str, str] | None = None,
            etag: str | None = None, last_modified: str | None = None) -> HttpResponse:
        url = self.resolve(url)
        allowed = self.allowed(allowed_hosts)
        if host_of(url) not in allowed:
            raise FetchError(url, f"host {host_of(url)!r} is not declared by the source")
        request_headers = {"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"}
        request_headers.update(headers or {})
        if etag:
            request_headers["If-None-Match"] = etag
        if last_modified:
            request_headers["If-Modified-Since"] = last_modified
        secrets = dict(secret_headers or {})

        attempts = 0
        started = time.monotonic()

        def attempt() -> HttpResponse:
            nonlocal attempts
            attempts += 1
            try:
                return self._get_following_redirects(url, request_headers, secrets, allowed)
            except FetchError as exc:
                exc.attempts = attempts
                raise

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, RetryAfter) and exc.wait_s is not None:
                return min(exc.wait_s, self.policy.retry_after_cap_s)
            return tenacity.wait_exponential_jitter(
                multiplier=self.policy.backoff_initial_s, max=self.policy.backoff_max_s,
                jitter=self.policy.backoff_initial_s)(state)

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.policy.max_attempts),
            wait=wait,
            retry=tenacity.retry_if_exception(lambda e: isinstance(e, FetchError) and e.retryable),
            sleep=self.sleep,
            reraise=True,
        )
        response = retrying(attempt)
        return dataclasses.replace(response, attempts=attempts, elapsed_s=time.monotonic() - started)

    def _get_following_redirects(self, url: str, headers: dict[str, str], secrets: dict[str, str],
                                 allowed: set[str]) -> HttpResponse:
        deadline = time.monotonic() + self.policy.total_timeout_s
        client = self._client()
        # The URL as resolved (a mirror the user chose included) is where the secrets belong.
        home = origin_of(url)
        current = url
        for _ in range(self.policy.max_redirects + 1):
            hop_headers = {**headers, **secrets} if origin_of(current) == home else headers
            outcome = self._contact(client, current, hop_headers, deadline)
            if isinstance(outcome, HttpResponse):
                return outcome
            target = urljoin(current, outcome)
            if host_of(target) not in allowed:
                raise FetchError(current, f"redirect to undeclared host {host_of(target)!r} refused "
                                          f"(Location: {target})", status=None)
            current = target
        raise FetchError(url, f"more than {self.policy.max_redirects} redirects")

    def _contact(self, client: httpx.Client, url: str, headers: dict[str, str],
                 deadline: float) -> HttpResponse | str:
        """One request within the host's slots. A host's first request goes alone until its
        connection is made (or fails): one name lookup per host, not a burst of them (a resolver
        may drop a burst and answer seconds late), and a name that did not resolve fails every
        later request to that host at once, saying so, without asking the resolver again."""
        host = host_of(url)
        with self._pool_lock:
            contact = self._contacts.setdefault(host, _FirstContact())
            first, contact.claimed = not contact.claimed, True
        if not first:
            contact.decided.wait()
            if contact.unresolved is not None:
                raise FetchError(url, f"host {host!r} not resolved (by this run's first request to it: "
                                      f"{contact.unresolved})")
            return self._slotted(client, url, headers, deadline, None)
        try:
            return self._slotted(client, url, headers, deadline, contact.decided)
        except FetchError as exc:
            if exc.unresolved is not None:
                contact.unresolved = exc.unresolved
            raise
        finally:
            contact.decided.set()

    def _slotted(self, client: httpx.Client, url: str, headers: dict[str, str], deadline: float,
                 connected: threading.Event | None) -> HttpResponse | str:
        with host_slots(host_of(url)).slot(self.policy.per_host_limit):
            return self._one_request(client, url, headers, deadline, connected)

    def _one_request(self, client: httpx.Client, url: str, headers: dict[str, str],
                     deadline: float, connected: threading.Event | None = None) -> HttpResponse | str:
        """One request: a response, or the Location of a redirect. `connected` is set once the
        connection is made (httpx's documented `trace` extension reports it)."""
        cap = self.policy.max_body_bytes
        extensions = {"trace": _connected_trace(connected)} if connected is not None else None
        try:
            with client.stream("GET", url, headers=headers, extensions=extensions) as r:
                if r.status_code in REDIRECT_STATUSES and r.headers.get("location"):
                    return r.headers["location"]
                if r.status_code == 429:
                    wait_s = parse_retry_after(r.headers.get("retry-after"))
                    body = _read_capped(r, cap, url)
                    raise RetryAfter(url, "HTTP 429 Too Many Requests", wait_s, status=429, body=body,
                                     headers=_lowered(r.headers))
                if r.status_code >= 400:
                    body = _read_capped(r, cap, url, truncate=True)
                    raise FetchError(url, f"HTTP {r.status_code}", status=r.status_code, body=body,
                                     retryable=r.status_code >= 500, headers=_lowered(r.headers))
                declared = r.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > cap:
                    raise FetchError(url, f"body of {int(declared):,} bytes is over the cap of {cap:,} bytes",
                                     status=r.status_code)
                if r.status_code == 304 and not ("If-None-Match" in headers or "If-Modified-Since" in headers):
                    raise FetchError(url, "HTTP 304 Not Modified to a request that asked for the whole body "
                                          "(no archived copy to reuse)", status=304)
                body = b"" if r.status_code == 304 else _read_capped(r, cap, url, deadline=deadline)
                return HttpResponse(url=url, status=r.status_code, body=body,
                                    content_type=r.headers.get("content-type"),
                                    etag=r.headers.get("etag"),
                                    last_modified=r.headers.get("last-modified"),
                                    attempts=1, elapsed_s=0.0, headers=_lowered(r.headers))
        except FetchError:
            raise
        except httpx.TimeoutException as exc:
            raise FetchError(url, f"timed out ({type(exc).__name__})", retryable=True) from exc
        except httpx.TransportError as exc:
            if _caused_by(exc, socket.gaierror):
                # No DNS answer (offline, or a wrong host): retrying within seconds will not help.
                raise FetchError(url, f"host {host_of(url)!r} not resolved: {exc}", unresolved=str(exc)) from exc
            if _caused_by(exc, ssl.SSLCertVerificationError):
                # An untrusted or mismatched certificate: the same one comes back on every retry.
                raise FetchError(url, f"TLS certificate verification failed: {exc}") from exc
            raise FetchError(url, f"connection failed: {type(exc).__name__}: {exc}",
                             body=getattr(exc, "partial_body", None), retryable=True) from exc


def _connected_trace(connected: threading.Event) -> Callable[[str, dict], None]:
    def trace(event: str, info: dict) -> None:
        if event in ("connection.connect_tcp.complete", "connection.connect_unix_socket.complete"):
            connected.set()
    return trace


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's verifying context (certifi, or SSL_CERT_FILE / SSL_CERT_DIR), made once per process:
    loading the CA bundle takes a fifth of a second, and a context is safe to share."""
    return httpx.create_ssl_context(verify=True)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, kind):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _lowered(headers: httpx.Headers) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _read_capped(response: httpx.Response, cap: int, url: str, truncate: bool = False,
                 deadline: float | None = None) -> bytes:
    buf = bytearray()
    try:
        for chunk in response.iter_bytes():
            buf += chunk
            if deadline is not None and time.monotonic() > deadline:
                raise FetchError(url, f"response not complete within the deadline ({len(buf):,} bytes so far)",
                                 status=response.status_code, body=bytes(buf[:cap]), retryable=True)
            if len(buf) > cap:
                if truncate:
                    return bytes(buf[:cap])
                raise FetchError(url, f"body passed the cap of {cap:,} bytes; download aborted",
                                 status=response.status_code, body=bytes(buf[:cap]))
    except httpx.TransportError as exc:
        exc.partial_body = bytes(buf)  # type: ignore[attr-defined]
        raise
    return bytes(buf)
