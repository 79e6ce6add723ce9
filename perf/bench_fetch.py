"""Live fetching alone: N sources x M URLs spread over H loopback hosts, each response `latency`
late, timed against the bound (requests x latency / per-host limit, the largest over hosts).

    python perf/bench_fetch.py --sources 12 --urls 5 --hosts 4 [--limit 2] [--nodelay] [--warm]

`--nodelay` sets TCP_NODELAY on the servers: http.server writes headers and body separately, and
without it Nagle's algorithm and the client's delayed ACK add about 40 ms to every response
(an artefact of the test server, not of the client). `--warm` opens the client's pool before
the clock starts. Uses `collect_many` when the core has it, else collects one source after another.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.core import fetching  # noqa: E402
from pipeline.core.archive import RawArchive  # noqa: E402
from pipeline.core.fetch_records import FetchPlan  # noqa: E402
from pipeline.core.http import HttpClient, HttpPolicy  # noqa: E402
from pipeline.core.sources import Parsed, Source  # noqa: E402


def serve(address: str, latency_s: float, nodelay: bool) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = nodelay

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            time.sleep(latency_s)
            body = self.path.encode() * 10
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer((address, 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _parse(body: bytes, observed_at: datetime, url: str = "") -> Parsed:
    raise AssertionError("not parsed here")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=int, default=12)
    ap.add_argument("--urls", type=int, default=5)
    ap.add_argument("--hosts", type=int, default=4)
    ap.add_argument("--limit", type=int, default=2)
    ap.add_argument("--latency", type=float, default=0.1)
    ap.add_argument("--nodelay", action="store_true")
    ap.add_argument("--warm", action="store_true")
    a = ap.parse_args()
    servers = [serve(f"127.0.0.{h + 1}", a.latency, a.nodelay) for h in range(a.hosts)]
    overrides = {f"https://h{h}.example": f"http://127.0.0.{h + 1}:{s.server_address[1]}"
                 for h, s in enumerate(servers)}
    sources = [Source(name=f"s{i}", family="prices", parse=_parse, parser_version="1",
                      urls=tuple(f"https://h{i % a.hosts}.example/s{i}/u{j}" for j in range(a.urls)))
               for i in range(a.sources)]
    per_host: dict[int, int] = {}
    for i in range(a.sources):
        per_host[i % a.hosts] = per_host.get(i % a.hosts, 0) + a.urls
    bound = max(per_host.values()) * a.latency / a.limit
    with tempfile.TemporaryDirectory() as tmp:
        plan = FetchPlan(mode="live", as_of=datetime(2026, 11, 28), run_id="bench", curated_dir=Path(tmp))
        http = HttpClient(HttpPolicy(per_host_limit=a.limit), origin_overrides=overrides)
        archive = RawArchive(Path(tmp) / "raw")
        if a.warm and hasattr(http, "close"):
            http.get(f"https://h0.example/warm", allowed_hosts={"h0.example"})
        started = time.perf_counter()
        if hasattr(fetching, "collect_many"):
            from pipeline.core.fetch_history import FetchHistory

            got = fetching.collect_many(sources, plan, http, archive, FetchHistory(()), {})
            bodies = sum(len(v) for v in got.values())
        else:
            bodies = sum(len(fetching.collect(s, plan, http, archive, set())) for s in sources)
        wall = time.perf_counter() - started
    print(f"{a.sources} sources x {a.urls} URLs over {a.hosts} hosts, limit {a.limit}, "
          f"{'nodelay' if a.nodelay else 'nagle'}: {bodies} bodies in {wall:.2f} s; "
          f"bound {bound:.2f} s; ratio {wall / bound:.2f}")
    for server in servers:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
