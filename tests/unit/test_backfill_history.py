"""Finding each quarter's version in the public record: the commits API (paged, rate-limited)
and the Wayback CDX API, imitated by a loopback server serving tests/fixtures/history."""

from datetime import datetime

import pytest

from pipeline.core.history import BackfillStopped, Budget, HistoryFormatError, Location, _commits, git_versions
from pipeline.core.http import HttpClient, HttpPolicy, HttpResponse
from pipeline.core.quarters import Quarter, quarter_range
from pipeline.core.wayback import wayback_versions
from pipeline.prices import litellm
from tests.support.history_server import HistoryServer, commit_sha

LITELLM = Location("litellm", litellm.URL, "git", "BerriAI/litellm", "model_prices_and_context_window.json")
MODAL = Location("modal_pricing_page", "https://modal.com/pricing", "wayback", url="https://modal.com/pricing")
QUARTERS = quarter_range(Quarter(2024, 2), Quarter(2025, 3))


def litellm_sha(date: str) -> str:
    return commit_sha("BerriAI/litellm", "model_prices_and_context_window.json", date)


def client(server) -> HttpClient:
    return HttpClient(HttpPolicy(max_attempts=2, backoff_initial_s=0.01, backoff_max_s=0.01, read_timeout_s=2),
                      origin_overrides=server.overrides, sleep=lambda s: None)


def cutoffs(quarters, as_of=datetime(2026, 11, 28, 12)):
    return {q: min(q.end, as_of) for q in quarters}


def test_each_quarter_gets_the_last_commit_before_its_end_across_pages():
    # Two commits per page: the five commits of the served history span three pages.
    with HistoryServer(per_page_cap=2) as server:
        found = git_versions(client(server), Budget(), LITELLM, cutoffs(QUARTERS))
        api = [path for path, _ in server.requests if path.startswith("/repos/")]
    picked = {q.label: (v.id if v else None) for q, v in found.items()}
    assert picked == {
        "2024Q2": None,  # before the first commit: a gap, not a guess
        "2024Q3": litellm_sha("2024-08-21T17:02:11Z"),
        "2024Q4": litellm_sha("2024-11-05T09:14:52Z"),
        "2025Q1": litellm_sha("2024-11-05T09:14:52Z"),  # no commit in 2025Q1: the file as it stood
        "2025Q2": litellm_sha("2025-06-11T02:25:40Z"),  # the o3 cut of 2025-06-10, not the April commit
        "2025Q3": litellm_sha("2025-08-08T11:05:27Z"),
    }
    assert found[Quarter(2025, 2)].observed_at == datetime(2025, 6, 11, 2, 25, 40)
    assert found[Quarter(2025, 2)].raw_url.endswith(f"/BerriAI/litellm/{litellm_sha('2025-06-11T02:25:40Z')}/"
                                                    "model_prices_and_context_window.json")
    # One page settles every quarter ending inside it; the next request asks from the first quarter left.
    assert len(api) == 2 and "until=2025-03-31T23%3A59%3A59Z" in api[1]


def test_the_running_quarter_stands_on_what_existed_at_the_as_of_time():
    with HistoryServer() as server:
        found = git_versions(client(server), Budget(), LITELLM, cutoffs([Quarter(2025, 2)], datetime(2025, 6, 1)))
    assert found[Quarter(2025, 2)].id == litellm_sha("2025-04-17T06:40:03Z")


def test_each_quarter_gets_the_last_capture_before_its_end():
    with HistoryServer() as server:
        found = wayback_versions(client(server), Budget(), MODAL, cutoffs(QUARTERS))
        cdx = [path for path, _ in server.requests if path.startswith("/cdx/")]
    picked = {q.label: (v.id if v else None) for q, v in found.items()}
    assert picked == {"2024Q2": None, "2024Q3": None, "2024Q4": "20241115093012", "2025Q1": "20241115093012",
                      "2025Q2": "20250612083015", "2025Q3": "20250612083015"}
    assert found[Quarter(2025, 3)].raw_url == "https://web.archive.org/web/20250612083015id_/https://modal.com/pricing"
    assert found[Quarter(2025, 3)].provenance == "https://web.archive.org/web/20250612083015/https://modal.com/pricing"
    # A capture older than an earlier quarter's end answers it too: three CDX queries for six quarters.
    assert len(cdx) == 3
    assert all("filter=statuscode%3A200" in p and "limit=-1" in p for p in cdx)


def test_a_spent_rate_limit_is_never_exceeded_and_stops_with_a_clear_message():
    # One request allowed per hour: the first page is served, the second is never asked for.
    with HistoryServer(per_page_cap=2, rate_limit=1, reset_in_s=3600) as server:
        with pytest.raises(BackfillStopped, match=r"rate limit reached: 0 of 1 requests left until .*GITHUB_TOKEN"):
            git_versions(client(server), Budget(max_wait_s=60), LITELLM, cutoffs(QUARTERS))
        assert server.hits("/repos/") == 1 and server.remaining == 0


def test_a_near_rate_limit_reset_is_waited_for():
    with HistoryServer(per_page_cap=2, rate_limit=1, reset_in_s=30) as server:
        waits = []

        def sleep(seconds):  # the reset comes while the budget waits
            waits.append(seconds)
            server.remaining = server.limit

        found = git_versions(client(server), Budget(max_wait_s=60, sleep=sleep), LITELLM, cutoffs(QUARTERS))
    assert len(waits) == 1 and 25 < waits[0] <= 32
    assert found[Quarter(2024, 3)].id == litellm_sha("2024-08-21T17:02:11Z")


def test_the_request_cap_stops_the_run():
    with HistoryServer(per_page_cap=2) as server:
        with pytest.raises(BackfillStopped, match="cap of 1 requests"):
            git_versions(client(server), Budget(max_requests=1), LITELLM, cutoffs(QUARTERS))
        assert server.hits("/repos/") == 1


def test_an_answer_that_is_not_a_commit_list_is_refused():
    def answer(body: bytes) -> HttpResponse:
        return HttpResponse("https://api.github.com/repos/x/y/commits", 200, body, None, None, None, 1, 0.0)

    # The sha ends up in URLs and fetch ids: anything but 40 hex digits is refused.
    with pytest.raises(HistoryFormatError, match="40-hex-digit sha"):
        _commits(answer(b'[{"sha": "../../etc/passwd", "commit": {"committer": {"date": "2025-01-01T00:00:00Z"}}}]'),
                 LITELLM)
    with pytest.raises(HistoryFormatError, match="not an ISO date-time"):
        _commits(answer(b'[{"sha": "' + b"a" * 40 + b'", "commit": {"committer": {"date": "yesterday"}}}]'), LITELLM)
    with pytest.raises(HistoryFormatError, match="list of commits"):
        _commits(answer(b'{"message": "Not Found"}'), LITELLM)


def test_a_limit_spent_elsewhere_stops_at_the_first_refusal():
    # Another client used the hour's requests: the first answer is GitHub's 403, and the run stops.
    with HistoryServer(rate_limit=0) as server:
        with pytest.raises(BackfillStopped, match="refused: rate limit exceeded"):
            git_versions(client(server), Budget(), LITELLM, cutoffs(QUARTERS))
        assert server.hits("/repos/") == 1
