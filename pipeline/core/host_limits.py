"""How many requests are in flight to each host, counted over the whole process.

Every HttpClient (pipeline/core/http.py) takes a slot here for each request, so that sources
fetched side by side, or two clients, never put more on one host than its limit allows. There
is one count per host name, whatever limit a caller has: a request starts only while fewer than
its own policy's `per_host_limit` are in flight to that host, counting everyone's requests.
Two policies that disagree therefore share the count: the host never has more in flight than
the largest limit in use, and a request with the stricter limit also waits for the looser
client's requests to finish.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class HostSlots:
    """Requests in flight to one host, and requests waiting for a slot."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.in_flight = 0
        self.waiting = 0

    @contextmanager
    def slot(self, limit: int) -> Iterator[None]:
        with self._cond:
            self.waiting += 1
            try:
                self._cond.wait_for(lambda: self.in_flight < max(1, limit))
            finally:
                self.waiting -= 1
            self.in_flight += 1
        try:
            yield
        finally:
            with self._cond:
                self.in_flight -= 1
                self._cond.notify_all()


_lock = threading.Lock()
_hosts: dict[str, HostSlots] = {}


def host_slots(host: str) -> HostSlots:
    """The one count for `host` (a lower-case host name, without port) in this process."""
    with _lock:
        return _hosts.setdefault(host, HostSlots())
