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
