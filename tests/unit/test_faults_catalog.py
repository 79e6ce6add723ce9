"""docs/reliability.md, the fault catalog: every row names tests that exist, and it covers the faults.

A catalog row is only worth its backing test; this keeps the table from naming a test that was
renamed or removed. "Exists" means what pytest itself collects from the named files (a nested,
collect-only pytest run in this process): a test in a file that no longer imports, a function
pytest would not run, or a name left only in the Markdown fails.
"""

import re

import pytest

from pipeline.core.paths import ROOT

CATALOG = ROOT / "docs" / "reliability.md"
TEST_REF = re.compile(r"(tests/[\w/]+\.py)::(\w+)")


@pytest.fixture(scope="module")
def rows() -> list[str]:
    return [line for line in CATALOG.read_text(encoding="utf-8").splitlines() if re.match(r"\| \d+ \|", line)]


class _Collected:
    """A pytest plugin that keeps the node ids a collection found."""

    def __init__(self) -> None:
        self.ids: set[str] = set()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.ids = {item.nodeid for item in session.items}


def collected(paths: list[str]) -> set[str]:
    """Node ids of the tests pytest collects from `paths` (a parametrized test: `name[params]`)."""
    plugin = _Collected()
    code = pytest.main(["--collect-only", "-q", "-s", "-p", "no:xdist", "--rootdir", str(ROOT), *paths],
                       plugins=[plugin])
    assert code == pytest.ExitCode.OK, f"collecting {paths} failed ({code!r})"
    return plugin.ids


def test_every_row_is_numbered_in_order_and_backed_by_a_test(rows):
    assert len(rows) >= 30
    assert [int(r.split("|")[1]) for r in rows] == list(range(1, len(rows) + 1))
    assert [r for r in rows if not TEST_REF.search(r.split("|")[-2])] == []


def test_every_named_test_is_collected_by_pytest(rows):
    named = {(path, name) for row in rows for path, name in TEST_REF.findall(row)}
    absent = sorted(f"{p}::{n}" for p, n in named if not (ROOT / p).is_file())
    assert absent == []
    ids = collected(sorted({str(ROOT / p) for p, _ in named}))
    functions = {i.split("[", 1)[0] for i in ids}
    assert len(ids) >= len(named) > 30
    assert sorted(f"{p}::{n}" for p, n in named if f"{p}::{n}" not in functions) == []


def test_a_name_that_is_not_a_collected_test_is_caught():
    ids = {i.split("[", 1)[0] for i in collected([str(ROOT / "tests/unit/test_faults_catalog.py")])}
    assert "tests/unit/test_faults_catalog.py::test_a_name_that_is_not_a_collected_test_is_caught" in ids
    assert "tests/unit/test_faults_catalog.py::collected" not in ids  # a helper, not a test
    assert "tests/unit/test_faults_catalog.py::test_that_was_renamed" not in ids


@pytest.mark.parametrize("fault", [
    "connection refused", "DNS failure", "TLS error", "read timeout", "slow drip", "reset mid-body",
    "5xx then success", "5xx forever", "429 with Retry-After", "429 without Retry-After",
    "304 with no archived body", "redirect loop", "redirect off the declared host", "empty body",
    "truncated JSON", "truncated CSV", "truncated HTML", "wrong content type", "body over the cap", "zip bomb",
    "invalid UTF-8", "byte-order mark", "HTML layout drift", "renamed field", "retyped field", "negative price",
    "NaN", "string-typed numbers", "sentinel -1", "per-token vs per-1M", "×100 jump", "duplicate keys",
    "unmapped models", "spot above on-demand", "SIGKILL at random points", "a second refresh meanwhile",
    "a reader during a refresh", "disk full while writing the staging copy", "corrupt published file",
    "garbage staging file", "an API key in a header", "executable content", "outside its folder",
    "zip member names escaping", "not a sha256"])
def test_each_fault_of_the_issue_has_a_row(rows, fault):
    assert [r for r in rows if fault in r.split("|")[2]], fault
