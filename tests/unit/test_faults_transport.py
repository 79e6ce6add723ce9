"""Transport faults the HTTP client and the source modes must turn into a named reason.

Each fault is served by a loopback server (real sockets) or, for DNS, an httpx MockTransport
that raises what the resolver raises, so nothing here touches the network. What is asserted is
what a user relies on: the reason names the fault and the URL, a fault that cannot heal is not
retried, the journal keeps the attempt, and in auto mode the source is served stale with the
reason instead of failing.
"""

import json
import socket
import ssl
import subprocess
from datetime import datetime
from pathlib import Path

import httpx
import polars as pl
import pytest

from pipeline.core.archive import RawArchive
from pipeline.core.fetch_records import FetchPlan, SourceUnavailable
from pipeline.core.fetching import collect
from pipeline.core.http import FetchError, HttpClient, HttpPolicy
from pipeline.core.sources import Parsed, Source
from tests.support.loopback import Loopback, Reply

URL = "https://data.example.org/v1/items"
PATH = "/v1/items"
NOW = datetime(2026, 11, 28, 12, 0)
BUNDLED = b'{"v": "bundled 2026-07-15"}'


def _parse(body: bytes, observed_at: datetime, url: str = "") -> Parsed:
    return Parsed(pl.DataFrame({"x": [1]}))


def make_source(tmp_path: Path, bundled: bool = True) -> Source:
    folder = tmp_path / "recorded" / "items"
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    if bundled:
        (folder / "2026-07-15.json").write_bytes(BUNDLED)
        entries.append({"observed_on": "2026-07-15", "url": URL, "file": "2026-07-15.json", "citation": "test fixture"})
    (folder / "index.json").write_text(json.dumps({"source": "items", "responses": entries}))
    return Source(name="items", family="prices", parse=_parse, parser_version="items/1", urls=(URL,),
                  recorded_dir=folder)


def plan(mode: str, tmp_path: Path) -> FetchPlan:
    return FetchPlan(mode=mode, as_of=NOW, run_id="run-1", curated_dir=tmp_path, env={})


def client(origin: str, sleeps: list | None = None, transport=None, **policy) -> HttpClient:
    defaults = dict(connect_timeout_s=2, read_timeout_s=2, max_attempts=2, backoff_initial_s=0.01,
                    backoff_max_s=1.0)
    return HttpClient(HttpPolicy(**{**defaults, **policy}), origin_overrides={"https://data.example.org": origin},
                      sleep=sleeps.append if sleeps is not None else (lambda s: None), transport=transport)


def get(c: HttpClient, path: str = PATH, **kw):
    return c.get(f"https://data.example.org{path}", allowed_hosts={"data.example.org"}, **kw)


def closed_port() -> int:
    """A local port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused_is_retried_then_served_stale_with_the_reason(tmp_path):
    src, archive = make_source(tmp_path), RawArchive(tmp_path / "raw")
    sleeps = []
    replayed, fallback = collect(src, plan("auto", tmp_path), client(f"http://127.0.0.1:{closed_port()}", sleeps),
                                 archive, set())
    assert replayed.record["mode"] == "bundled"
    assert fallback.record["mode"] == "fallback" and fallback.record["stale"] is True and fallback.body == BUNDLED
    reason = fallback.record["stale_reason"]
    assert "Connection refused" in reason and "after 2 attempt(s)" in reason, reason
    assert len(sleeps) == 1  # one backoff between the two attempts
    failed = [r for r in archive.fetches() if r["mode"] == "live"]
    assert len(failed) == 1 and "Connection refused" in failed[0]["error"] and failed[0]["sha256"] is None


def _no_dns(request):
    # What httpx raises when the resolver has no answer, without asking one.
    try:
        raise socket.gaierror(-2, "Name or service not known")
    except socket.gaierror as exc:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request) from exc


def test_dns_failure_fails_the_source_at_once_naming_the_host(tmp_path):
    src, archive, sleeps = make_source(tmp_path, bundled=False), RawArchive(tmp_path / "raw"), []
    http = HttpClient(HttpPolicy(max_attempts=4), sleep=sleeps.append, transport=httpx.MockTransport(_no_dns))
    with pytest.raises(SourceUnavailable, match=r"host 'data.example.org' not resolved.*after 1 attempt\(s\)"):
        collect(src, plan("live", tmp_path), http, archive, set())
    assert sleeps == []
    (rec,) = archive.fetches()
    assert rec["url"] == URL and "not resolved" in rec["error"]


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True, timeout=30)
    except (FileNotFoundError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot make a self-signed certificate with openssl: {exc}")
    return cert, key


def test_self_signed_tls_certificate_is_refused_and_not_retried(self_signed):
    cert, key = self_signed
    with Loopback() as server:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
        server.route(PATH, Reply(200, b'{"v": 1}'))
        sleeps = []
        with pytest.raises(FetchError, match="TLS certificate verification failed.*self-signed") as err:
            get(client(server.origin.replace("http://", "https://"), sleeps, max_attempts=4))
    assert err.value.attempts == 1 and sleeps == [] and err.value.body is None
    assert server.requests == []  # the handshake failed: no request was ever sent


def test_429_without_retry_after_backs_off_exponentially_then_gives_up(loopback):
    loopback.route(PATH, Reply(429), Reply(429), Reply(200, b'{"v": 1}'))
    sleeps = []
    assert get(client(loopback.origin, sleeps, max_attempts=3)).status == 200
    # backoff_initial_s × 2^(n-1) plus up to backoff_initial_s of jitter: 0.01–0.02, then 0.02–0.03
    assert len(sleeps) == 2 and 0.01 <= sleeps[0] <= 0.02 and 0.02 <= sleeps[1] <= 0.03, sleeps
    loopback.route(PATH, Reply(429, b"slow down"))
    with pytest.raises(FetchError, match="HTTP 429 Too Many Requests") as err:
        get(client(loopback.origin, max_attempts=3))
    assert err.value.attempts == 3 and err.value.status == 429 and err.value.body == b"slow down"


def test_304_with_no_archived_body_asks_for_the_whole_body(tmp_path, loopback):
    src, archive = make_source(tmp_path, bundled=False), RawArchive(tmp_path / "raw")
    loopback.route(PATH, Reply(200, b'{"v": 1}', headers={"ETag": '"v1"'}))
    (first,) = collect(src, plan("live", tmp_path), client(loopback.origin), archive, set())
    archive.path_for(first.record["sha256"]).unlink()  # the archived body is gone
    loopback.route(PATH, Reply(200, b'{"v": 2}', headers={"ETag": '"v2"'}))
    (second,) = collect(src, plan("live", tmp_path), client(loopback.origin), archive, set())
    assert "if-none-match" not in loopback.requests[-1].headers  # nothing to reuse: no conditional GET
    assert second.body == b'{"v": 2}' and second.record["status"] == 200 and second.record["reused_fetch_id"] is None


def test_304_to_an_unconditional_request_fails_clearly(tmp_path, loopback):
    src, archive = make_source(tmp_path, bundled=False), RawArchive(tmp_path / "raw")
    loopback.route(PATH, Reply(304))
    with pytest.raises(SourceUnavailable, match="HTTP 304 Not Modified to a request that asked for the whole body"):
        collect(src, plan("live", tmp_path), client(loopback.origin), archive, set())
    assert loopback.hits(PATH) == 1  # not retried: the same request gets the same answer
    (rec,) = archive.fetches()
    assert rec["status"] == 304 and rec["sha256"] is None  # no empty body passed off as the response


def test_redirect_loop_is_cut_after_the_limit(loopback):
    loopback.route("/a", Reply(302, headers={"Location": "/b"}))
    loopback.route("/b", Reply(302, headers={"Location": "/a"}))
    with pytest.raises(FetchError, match="more than 3 redirects") as err:
        get(client(loopback.origin, max_redirects=3, max_attempts=3), "/a")
    assert err.value.attempts == 1 and loopback.hits("/a") + loopback.hits("/b") == 4


def test_body_cut_short_of_its_content_length_keeps_the_bytes_and_fails(tmp_path, loopback):
    body = b"InstanceType,AcceleratorName,AcceleratorCount,Price,Region\n" + b"g5.xlarge,A10G,1,1.006,us-east-1\n" * 50
    src, archive = make_source(tmp_path, bundled=False), RawArchive(tmp_path / "raw")
    # The server declares the whole length, sends a part and closes the connection cleanly.
    loopback.route(PATH, Reply(200, body[:700], headers={"Content-Length": str(len(body)), "Connection": "close"}))
    with pytest.raises(SourceUnavailable, match=r"peer closed connection without sending complete message body"
                                                r" \(received 700 bytes, expected 1[0-9]{3}\)"):
        collect(src, plan("live", tmp_path), client(loopback.origin), archive, set())
    (rec,) = archive.fetches()
    assert archive.get(rec["sha256"]) == body[:700] and rec["bytes"] == 700


def test_wrong_content_type_is_recorded_and_the_body_decides(tmp_path, loopback):
    src, archive = make_source(tmp_path, bundled=False), RawArchive(tmp_path / "raw")
    loopback.route(PATH, Reply(200, b'{"v": 1}', headers={"Content-Type": "text/html; charset=utf-8"}))
    (got,) = collect(src, plan("live", tmp_path), client(loopback.origin), archive, set())
    assert got.body == b'{"v": 1}' and got.record["content_type"] == "text/html; charset=utf-8"
