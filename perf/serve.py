"""Loopback servers that stand in for the sources' hosts, with a latency per response.

Every origin the sources fetch from gets its own server on its own loopback address
(127.0.0.1, 127.0.0.2, …), so the HTTP client's per-host limit applies per origin as it would on
the internet. Each response waits `latency_s` before its first byte. Conditional GET works as on
a static file host: an ETag per body, 304 (no body) when If-None-Match matches. Every request is
counted with its body bytes and its time in flight.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from synth import Body


@dataclass
class Served:
    origin: str
    path: str
    status: int
    body_bytes: int
    started: float
    ended: float


@dataclass
class Stats:
    served: list[Served] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, item: Served) -> None:
        with self.lock:
            self.served.append(item)

    def since(self, mark: int) -> list[Served]:
        return self.served[mark:]


def _key(path_and_query: str) -> str:
    # httpx may re-encode a query ('%27' vs "'"): compare decoded forms.
    return unquote(path_and_query)


class SyntheticWeb:
    """`with SyntheticWeb(bodies, 0.1) as web:` then fetch with `origin_overrides=web.overrides`."""

    def __init__(self, bodies: dict[str, list[Body]], latency_s: float):
        self.latency_s = latency_s
        self.stats = Stats()
        self.routes: dict[str, dict[str, bytes]] = {}
        for items in bodies.values():
            for item in items:
                parts = urlsplit(item.url)
                origin = f"{parts.scheme}://{parts.netloc}"
                path = parts.path + (f"?{parts.query}" if parts.query else "")
                self.routes.setdefault(origin, {})[_key(path)] = item.body
        self.servers: list[ThreadingHTTPServer] = []
        self.overrides: dict[str, str] = {}

    def _handler(self, origin: str):
        routes, web = self.routes[origin], self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                started = time.monotonic()
                body = routes.get(_key(self.path))
                time.sleep(web.latency_s)
                if body is None:
                    status, payload, etag = 404, b"", None
                else:
                    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
                    status = 304 if self.headers.get("If-None-Match") == etag else 200
                    payload = body if status == 200 else b""
                self.send_response(status)
                if etag:
                    self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                self.wfile.flush()
                web.stats.add(Served(origin, self.path, status, len(payload), started, time.monotonic()))

        return Handler

    def __enter__(self) -> SyntheticWeb:
        for n, origin in enumerate(sorted(self.routes), start=1):
            server = ThreadingHTTPServer((f"127.0.0.{n}", 0), self._handler(origin))
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)
            self.overrides[origin] = f"http://127.0.0.{n}:{server.server_address[1]}"
        return self

    def __exit__(self, *exc) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


def latency_bound(served: list[Served], latency_s: float, per_host_limit: int) -> float:
    """requests × latency ÷ per-host concurrency, the largest over hosts: the fastest any client
    obeying the per-host limit could fetch these responses."""
    per_host: dict[str, int] = {}
    for s in served:
        per_host[s.origin] = per_host.get(s.origin, 0) + 1
    return max((n * latency_s / per_host_limit for n in per_host.values()), default=0.0)


def busy_seconds(served: list[Served]) -> float:
    """Time during which at least one request was in flight (the union of their intervals)."""
    total, end = 0.0, None
    for s in sorted(served, key=lambda s: s.started):
        if end is None or s.started > end:
            total += s.ended - s.started
            end = s.ended
        elif s.ended > end:
            total += s.ended - end
            end = s.ended
    return total
