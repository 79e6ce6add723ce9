"""docs/reliability.md, the fault catalog: every row names tests that exist, and it covers the faults.

A catalog row is only worth its backing test; this keeps the table from naming a test that was
renamed or removed.
"""

import ast
import re

import pytest

from pipeline.core.paths import ROOT

CATALOG = ROOT / "docs" / "reliability.md"
TEST_REF = re.compile(r"(tests/[\w/]+\.py)::(\w+)")


@pytest.fixture(scope="module")
def rows() -> list[str]:
    return [line for line in CATALOG.read_text(encoding="utf-8").splitlines() if re.match(r"\| \d+ \|", line)]


def _test_functions(path: str) -> set[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def test_every_row_is_numbered_in_order_and_backed_by_a_test(rows):
    assert len(rows) >= 30
    assert [int(r.split("|")[1]) for r in rows] == list(range(1, len(rows) + 1))
    assert [r for r in rows if not TEST_REF.search(r.split("|")[-2])] == []


def test_every_named_test_exists(rows):
    missing = []
    for row in rows:
        for path, name in TEST_REF.findall(row):
            if not (ROOT / path).exists() or name not in _test_functions(path):
                missing.append(f"{path}::{name}")
    assert missing == []


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
