"""The HTTP client against a loopback server with real sockets: retries, caps, redirects, 304s,
credentials kept to their origin."""

import pytest

from pipeline import USER_AGENT
from pipeline.core.http import FetchError, HttpClient, HttpPolicy, parse_retry_after
from tests.support.loopback import Loopback, Reply

OK = b'{"data": []}'


def client(loopback, sleeps=None, **policy):
    defaults = dict(connect_timeout_s=2, read_timeout_s=2, max_attempts=3, backoff_initial_s=0.01,
                    backoff_max_s=0.05, retry_after_cap_s=7)
    return HttpClient(HttpPolicy(**{**defaults, **policy}),
                      origin_overrides={"https://example.org": loopback.origin},
                      sleep=(sleeps.append if sleeps is not None else (lambda s: None)))


def get(c, path="/models", **kw):
    return c.get(f"https://example.org{path}", allowed_hosts={"example.org"}, **kw)


def test_500_then_200_is_retried_with_backoff(loopback):
    loopback.route("/models", Reply(500, b"oops"), Reply(200, OK))
    sleeps = []
    resp = get(client(loopback, sleeps))
    assert (resp.status, resp.body, resp.attempts) == (200, OK, 2)
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 0.05


def test_500_forever_gives_up_with_status_and_body(loopback):
    loopback.route("/models", Reply(503, b"maintenance"))
    with pytest.raises(FetchError) as err:
        get(client(loopback))
    assert err.value.status == 503 and err.value.attempts == 3 and err.value.body == b"maintenance"
    assert "HTTP 503" in str(err.value) and loopback.origin in str(err.value)
    assert loopback.hits("/models") == 3


def test_404_is_not_retried(loopback):
    loopback.route("/models", Reply(404, b"gone"))
    with pytest.raises(FetchError, match="HTTP 404"):
        get(client(loopback))
    assert loopback.hits("/models") == 1


def test_429_retry_after_is_honoured_and_capped(loopback):
    loopback.route("/models", Reply(429, headers={"Retry-After": "3"}), Reply(429, headers={"Retry-After": "3600"}),
                   Reply(200, OK))
    sleeps = []
    resp = get(client(loopback, sleeps))
    assert resp.status == 200 and sleeps == [3.0, 7.0]


def test_retry_after_http_date():
    from datetime import datetime, timezone
    now = datetime(2026, 11, 28, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("Sat, 28 Nov 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("soon", now) is None


def test_read_timeout_is_retried_then_reported(loopback):
    loopback.route("/models", Reply(200, OK, delay_s=1.0))
    with pytest.raises(FetchError, match="timed out") as err:
        get(client(loopback, read_timeout_s=0.2, max_attempts=2))
    assert err.value.attempts == 2


def test_connection_reset_mid_body_keeps_the_partial_bytes(loopback):
    body = b'{"data": [' + b'{"id": "x"},' * 200 + b"]}"
    loopback.route("/models", Reply(200, body, reset_after=100))
    with pytest.raises(FetchError, match="connection failed") as err:
        get(client(loopback, max_attempts=2))
    assert err.value.body == body[:100]
    assert loopback.hits("/models") == 2


def test_body_over_the_cap_declared_up_front_is_not_downloaded(loopback):
    loopback.route("/declared", Reply(200, b"x" * 5000))
    with pytest.raises(FetchError, match="5,000 bytes is over the cap of 1,000 bytes") as err:
        get(client(loopback, max_body_bytes=1000), "/declared")
    assert err.value.body is None and err.value.attempts == 1


def test_undeclared_body_over_the_cap_is_aborted_while_streaming(loopback):
    loopback.route("/stream", Reply(200, b"y" * 50_000, chunked=True))
    with pytest.raises(FetchError, match="passed the cap of 10,000 bytes; download aborted") as err:
        get(client(loopback, max_body_bytes=10_000), "/stream")
    assert err.value.body == b"y" * 10_000 and err.value.attempts == 1


def test_redirect_to_declared_host_followed_and_undeclared_refused(loopback):
    loopback.route("/old", Reply(302, headers={"Location": "/models"}))
    loopback.route("/models", Reply(200, OK))
    loopback.route("/away", Reply(302, headers={"Location": "http://evil.example.net/models"}))
    assert get(client(loopback), "/old").body == OK
    with pytest.raises(FetchError, match="redirect to undeclared host 'evil.example.net' refused"):
        get(client(loopback), "/away")


def test_undeclared_host_is_never_requested(loopback):
    with pytest.raises(FetchError, match="not declared"):
        client(loopback).get("https://example.org/models", allowed_hosts={"other.org"})


def test_conditional_get_and_304(loopback):
    loopback.route("/models", Reply(304, headers={"ETag": '"v1"'}))
    resp = get(client(loopback), etag='"v1"', last_modified="Sat, 28 Nov 2026 10:00:00 GMT")
    assert resp.not_modified and resp.body == b""
    seen = loopback.requests[-1].headers
    assert seen["if-none-match"] == '"v1"' and seen["if-modified-since"] == "Sat, 28 Nov 2026 10:00:00 GMT"


def test_user_agent_and_secret_headers(loopback):
    loopback.route("/models", Reply(500, b"no"))
    with pytest.raises(FetchError) as err:
        get(client(loopback, max_attempts=1), secret_headers={"Authorization": "Bearer sk-test-SECRET123"})
    seen = loopback.requests[-1].headers
    assert seen["user-agent"] == USER_AGENT and USER_AGENT.startswith("llm-ledger/")
    assert seen["authorization"] == "Bearer sk-test-SECRET123"
    assert "SECRET123" not in str(err.value) and "SECRET123" not in repr(err.value.__dict__)


def test_unresolvable_host_fails_at_once_without_retries():
    import socket

    import httpx

    def no_dns(request):  # what httpx raises when the resolver has no answer, without asking one
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except socket.gaierror as exc:
            raise httpx.ConnectError("[Errno -2] Name or service not known", request=request) from exc

    sleeps = []
    c = HttpClient(HttpPolicy(max_attempts=4, backoff_initial_s=1), sleep=sleeps.append,
                   transport=httpx.MockTransport(no_dns))
    with pytest.raises(FetchError, match="not resolved") as err:
        c.get("https://no-such-host.invalid/models", allowed_hosts={"no-such-host.invalid"})
    assert err.value.attempts == 1 and sleeps == []


def test_slow_drip_past_the_deadline_is_cut_off(loopback):
    # Each 1 KiB chunk arrives well within the read timeout, but the whole body never would.
    loopback.route("/drip", Reply(200, b"z" * 20_000, trickle_s=0.1))
    with pytest.raises(FetchError, match="not complete within the deadline") as err:
        get(client(loopback, total_timeout_s=0.5, read_timeout_s=2, max_attempts=1), "/drip")
    assert 0 < len(err.value.body) < 20_000


SECRET = "Bearer sk-test-SECRET123"


def two_origins(first: Loopback, second: Loopback) -> HttpClient:
    return HttpClient(HttpPolicy(connect_timeout_s=2, read_timeout_s=2, max_attempts=1),
                      origin_overrides={"https://a.example": first.origin, "https://b.example": second.origin})


def test_secret_headers_are_dropped_on_a_redirect_to_another_origin(loopback):
    with Loopback() as other:
        # Same host (127.0.0.1, so the redirect is allowed), another port: another origin.
        loopback.route("/models", Reply(302, headers={"Location": f"{other.origin}/models"}))
        other.route("/models", Reply(200, OK))
        resp = two_origins(loopback, other).get("https://a.example/models", allowed_hosts={"a.example", "b.example"},
                                                headers={"Accept": "application/json"},
                                                secret_headers={"Authorization": SECRET})
    assert resp.body == OK and resp.url == f"{other.origin}/models"
    assert loopback.requests[-1].headers["authorization"] == SECRET  # the mirror chosen for a.example
    (seen,) = other.requests
    assert "authorization" not in seen.headers
    assert seen.headers["accept"] == "application/json" and seen.headers["user-agent"] == USER_AGENT


def test_secret_headers_follow_a_redirect_within_their_origin(loopback):
    loopback.route("/old", Reply(301, headers={"Location": "/models"}))
    loopback.route("/models", Reply(200, OK))
    get(client(loopback), "/old", secret_headers={"Authorization": SECRET})
    assert [(r.path, r.headers.get("authorization")) for r in loopback.requests] == [("/old", SECRET),
                                                                                    ("/models", SECRET)]


def test_secret_headers_come_back_when_a_redirect_returns_to_their_origin(loopback):
    with Loopback() as other:
        loopback.route("/start", Reply(302, headers={"Location": f"{other.origin}/hop"}))
        other.route("/hop", Reply(302, headers={"Location": f"{loopback.origin}/models"}))
        loopback.route("/models", Reply(200, OK))
        two_origins(loopback, other).get("https://a.example/start", allowed_hosts={"a.example", "b.example"},
                                         secret_headers={"Authorization": SECRET})
    assert "authorization" not in other.requests[0].headers
    assert [r.headers.get("authorization") for r in loopback.requests] == [SECRET, SECRET]


def test_one_pool_keeps_the_connection_alive_across_requests_and_threads(loopback):
    import threading

    loopback.route("/models", Reply(200, OK))
    ports = []
    original = loopback.httpd.RequestHandlerClass.do_GET

    def do_get(handler):
        ports.append(handler.client_address[1])
        original(handler)

    loopback.httpd.RequestHandlerClass.do_GET = do_get
    with client(loopback) as c:
        for _ in range(3):
            get(c)
        worker = threading.Thread(target=lambda: get(c))
        worker.start()
        worker.join(5)
    assert len(ports) == 4 and len(set(ports)) == 1  # one TCP connection served all four
    get(c)  # a closed client opens a new pool on its next request
    assert len(ports) == 5 and ports[-1] != ports[0]
    c.close()


def test_no_cookie_is_kept_from_one_request_to_the_next(loopback):
    loopback.route("/models", Reply(200, OK, headers={"Set-Cookie": "session=abc; Path=/"}))
    with client(loopback) as c:
        get(c)
        get(c)
    assert [r.headers.get("cookie") for r in loopback.requests] == [None, None]
