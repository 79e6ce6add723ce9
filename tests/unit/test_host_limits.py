"""The per-host limit, seen from the servers: loopback hosts that hold every request until the test
releases it, counting requests in flight at each arrival.

No sleep decides anything here: each step waits (with a bound) for a state the test can name —
so many requests held at a host, so many waiting in the client for a slot — and a limiter that
let one request too many through would never reach that state, or would record it in the
server's maximum.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipeline.core.host_limits import host_slots
from pipeline.core.http import HttpClient, HttpPolicy

WAIT_S = 5.0


class HeldHost:
    """A loopback host on its own address whose handler blocks until released."""

    def __init__(self, address: str):
        self.address = address
        self.cond = threading.Condition()
        self.in_flight = self.max_in_flight = self.served = 0
        self.release = threading.Semaphore(0)
        host = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                with host.cond:
                    host.in_flight += 1
                    host.max_in_flight = max(host.max_in_flight, host.in_flight)
                    host.cond.notify_all()
                released = host.release.acquire(timeout=30)
                with host.cond:
                    host.in_flight -= 1
                    host.served += 1
                    host.cond.notify_all()
                body = b"ok" if released else b"never released"
                self.send_response(200 if released else 503)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer((address, 0), Handler)
        self.httpd.daemon_threads = True

    @property
    def origin(self) -> str:
        return f"http://{self.address}:{self.httpd.server_address[1]}"

    def held(self, n: int) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: self.in_flight == n, timeout=WAIT_S)

    def __enter__(self) -> HeldHost:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.release(100)  # nothing is left hanging if an assertion failed
        self.httpd.shutdown()
        self.httpd.server_close()


def waiting_in_client(host: str, n: int) -> bool:
    """True once `n` requests to `host` are parked in the client's limiter (bounded wait)."""
    deadline = time.monotonic() + WAIT_S
    while host_slots(host).waiting != n:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def client(limit: int, **origins: str) -> HttpClient:
    return HttpClient(HttpPolicy(per_host_limit=limit, read_timeout_s=30, max_attempts=1),
                      origin_overrides={f"https://{name}.example": origin for name, origin in origins.items()})


def send(c: HttpClient, name: str, n: int, statuses: list[int]) -> list[threading.Thread]:
    def one() -> None:
        statuses.append(c.get(f"https://{name}.example/x", allowed_hosts={f"{name}.example"}).status)

    threads = [threading.Thread(target=one, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    return threads


def test_each_host_gets_at_most_its_limit_and_hosts_proceed_independently():
    # Addresses no other test uses: the count per host is process-wide.
    with HeldHost("127.0.0.21") as a, HeldHost("127.0.0.22") as b, client(2, a=a.origin, b=b.origin) as c:
        statuses: list[int] = []
        to_a = send(c, "a", 5, statuses)
        assert a.held(2) and waiting_in_client("127.0.0.21", 3)
        assert a.in_flight == 2  # the other three wait in the client, not at the server

        to_b = send(c, "b", 5, statuses)  # a's two requests are still held
        assert b.held(2) and waiting_in_client("127.0.0.22", 3)
        assert (a.in_flight, b.in_flight) == (2, 2)

        a.release.release(5)
        b.release.release(5)
        for t in to_a + to_b:
            t.join(WAIT_S)
    assert statuses == [200] * 10
    assert (a.served, a.max_in_flight) == (5, 2) and (b.served, b.max_in_flight) == (5, 2)


def test_two_policies_share_one_count_per_host():
    with HeldHost("127.0.0.23") as a, client(3, a=a.origin) as loose, client(1, a=a.origin) as strict:
        statuses: list[int] = []
        threads = send(loose, "a", 3, statuses)
        assert a.held(3)
        threads += send(strict, "a", 1, statuses)
        # Its own limit is 1 and three are in flight to the host: it waits, whoever sent them.
        assert waiting_in_client("127.0.0.23", 1) and a.in_flight == 3
        a.release.release(4)
        for t in threads:
            t.join(WAIT_S)
    assert statuses == [200] * 4 and a.served == 4 and a.max_in_flight == 3


def _no_dns(calls: list[str]):
    import socket

    import httpx

    def handler(request):  # what httpx raises when the resolver has no answer
        calls.append(str(request.url))
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except socket.gaierror as exc:
            raise httpx.ConnectError("[Errno -2] Name or service not known", request=request) from exc
    return handler


def test_a_host_that_did_not_resolve_is_asked_for_once_per_client():
    import httpx

    from pipeline.core.http import FetchError

    calls: list[str] = []
    c = HttpClient(HttpPolicy(max_attempts=3), transport=httpx.MockTransport(_no_dns(calls)), sleep=lambda s: None)
    errors: list[str] = []

    def one(i: int) -> None:
        try:
            c.get(f"https://gone.example/file-{i}", allowed_hosts={"gone.example"})
        except FetchError as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT_S)
    assert len(calls) == 1 and len(errors) == 6
    assert all("host 'gone.example' not resolved" in e for e in errors)
    later = [e for e in errors if "by this run's first request to it: [Errno -2] Name or service not known" in e]
    assert len(later) == 5 and not any(calls[0] in e for e in later)
    # Another host is its own question.
    with pytest.raises(FetchError, match="host 'other.example' not resolved: "):
        c.get("https://other.example/x", allowed_hosts={"other.example"})
    assert len(calls) == 2


def test_the_first_request_to_a_host_goes_alone_until_it_connects():
    import httpx

    # A mock transport makes no connection, so the first request opens the way only when it
    # ends; over a real connection it opens on connect (the held-host tests above get two in flight).
    first_in, release, order = threading.Event(), threading.Event(), []

    def handler(request):
        order.append(request.url.path)
        if request.url.path == "/first":
            first_in.set()
            release.wait(WAIT_S)
        return httpx.Response(200, content=b"ok")

    c = HttpClient(HttpPolicy(per_host_limit=4, max_attempts=1), transport=httpx.MockTransport(handler))
    get = lambda path: c.get(f"https://slow.example{path}", allowed_hosts={"slow.example"})  # noqa: E731
    first = threading.Thread(target=get, args=("/first",), daemon=True)
    first.start()
    assert first_in.wait(WAIT_S)
    second = threading.Thread(target=get, args=("/second",), daemon=True)
    second.start()
    second.join(0.2)
    assert order == ["/first"] and second.is_alive()  # waiting for the first, not at the transport
    release.set()
    first.join(WAIT_S)
    second.join(WAIT_S)
    assert order == ["/first", "/second"]
