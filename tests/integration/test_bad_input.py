"""Bad input, one case at a time, through a live refresh against a loopback server.

Each case checks what a user sees: a message naming the source, the URL and the reason; the raw
bytes archived; `ledger status` showing it; and the published warehouse either untouched (the
source failed) or updated without the bad rows (a row was quarantined).
"""

import hashlib
import json
import shutil

import duckdb
import pytest
from click.testing import CliRunner

from pipeline.app.cli import main
from pipeline.core.archive import RawArchive
from pipeline.core.paths import Paths
from pipeline.core.quarters import Quarter
from pipeline.app.summary import render
from tests.conftest import FIXTURES, disk_instance, refresh
from tests.support.loopback import Reply

PATH = "/api/v1/models"
# Twelve models priced as OpenRouter listed them on 2026-08-19.
GOOD = (FIXTURES / "prices" / "openrouter_healthy.json").read_bytes()
Q4 = [Quarter(2026, 4)]
FAST = {"max_attempts": 2, "backoff_initial_s": 0.01, "backoff_max_s": 0.02, "read_timeout_s": 1.0}


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("dagster_home")


@pytest.fixture(scope="module")
def instance(home):
    """On disk: `ledger status` reads the failed runs from it."""
    with disk_instance(home) as inst:
        yield inst


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, instance):
    """A published warehouse built from the bundled responses, copied into each test."""
    root = tmp_path_factory.mktemp("baseline")
    paths = Paths(root / "warehouse", root / "exports")
    report = refresh(paths, instance, mode="replay", only=["openrouter"], quarters=Q4)
    assert report.published, render(report)
    return paths


@pytest.fixture
def published(baseline, ledger_paths):
    shutil.copytree(baseline.warehouse_dir, ledger_paths.warehouse_dir)
    return ledger_paths


def live(paths, instance, loopback, **http):
    return refresh(paths, instance, mode="live", only=["openrouter"], quarters=Q4,
                   origin_overrides={"https://openrouter.ai": loopback.origin}, http={**FAST, **http})


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def status_text(paths, home):
    result = CliRunner().invoke(main, ["status"], env={"LEDGER_WAREHOUSE_DIR": str(paths.warehouse_dir),
                                                      "LEDGER_EXPORTS_DIR": str(paths.exports_dir),
                                                      "DAGSTER_HOME": str(home)})
    assert result.exit_code == 0, result.output
    return next(line for line in result.output.splitlines() if line.startswith("prices/openrouter"))


def last_fetch(paths):
    return [r for r in RawArchive(paths.raw_dir).fetches() if r["source"] == "openrouter"][-1]


def assert_failed_and_untouched(report, paths, before, reason, home):
    text = render(report)
    assert not report.published and not report.success
    assert "openrouter" in text and "127.0.0.1" in text and reason in text, text
    assert "NOT published" in text
    assert digest(paths.db) == before
    assert reason in status_text(paths, home)


def test_500_then_200_retries_and_publishes(published, instance, loopback, home):
    loopback.route(PATH, Reply(500, b"upstream hiccup"), Reply(200, GOOD))
    report = live(published, instance, loopback)
    assert report.published, render(report)
    assert loopback.hits(PATH) == 2
    con = duckdb.connect(str(published.db), read_only=True)
    rows = con.execute("SELECT input_usd_per_mtok FROM model_prices WHERE source_model_id = 'openai/gpt-4o-mini' "
                       "AND quarter = '2026Q4'").fetchall()
    assert rows == [(0.15,)]
    assert last_fetch(published)["attempts"] == 2


def test_500_forever_fails_the_source_and_leaves_the_warehouse(published, instance, loopback, home):
    before = digest(published.db)
    loopback.route(PATH, Reply(500, b"<html>internal error</html>"))
    report = live(published, instance, loopback)
    assert_failed_and_untouched(report, published, before, "HTTP 500 after 2 attempt(s)", home)
    rec = last_fetch(published)
    assert rec["status"] == 500 and RawArchive(published.raw_dir).get(rec["sha256"]) == b"<html>internal error</html>"


def test_429_waits_for_retry_after(published, instance, loopback, home):
    loopback.route(PATH, Reply(429, headers={"Retry-After": "1"}), Reply(200, GOOD))
    report = live(published, instance, loopback)
    assert report.published and loopback.hits(PATH) == 2


def test_read_timeout(published, instance, loopback, home):
    before = digest(published.db)
    loopback.route(PATH, Reply(200, GOOD, delay_s=1.5))
    report = live(published, instance, loopback, read_timeout_s=0.3)
    assert_failed_and_untouched(report, published, before, "timed out", home)


def test_connection_reset_mid_body(published, instance, loopback, home):
    before = digest(published.db)
    loopback.route(PATH, Reply(200, GOOD, reset_after=300))
    report = live(published, instance, loopback)
    assert_failed_and_untouched(report, published, before, "connection failed", home)
    assert RawArchive(published.raw_dir).get(last_fetch(published)["sha256"]) == GOOD[:300]


def test_body_over_the_size_cap(published, instance, loopback, home):
    before = digest(published.db)
    loopback.route(PATH, Reply(200, GOOD, chunked=True))
    report = live(published, instance, loopback, max_body_bytes=2048)
    assert_failed_and_untouched(report, published, before, "passed the cap of 2,048 bytes", home)
    assert RawArchive(published.raw_dir).get(last_fetch(published)["sha256"]) == GOOD[:2048]


def test_truncated_json_blocks_publication_and_keeps_the_bytes(published, instance, loopback, home):
    before = digest(published.db)
    loopback.route(PATH, Reply(200, GOOD[:500]))
    report = live(published, instance, loopback)
    assert_failed_and_untouched(report, published, before, "not valid JSON", home)
    assert [c.check for c in report.blocking_failures] == ["schema_valid", "usable_share"]
    assert RawArchive(published.raw_dir).get(last_fetch(published)["sha256"]) == GOOD[:500]


def test_schema_drift_renamed_pricing_key_blocks_publication(published, instance, loopback, home):
    before = digest(published.db)
    drifted = GOOD.replace(b'"pricing"', b'"prices"')
    loopback.route(PATH, Reply(200, drifted))
    report = live(published, instance, loopback)
    assert_failed_and_untouched(report, published, before, "usable_share", home)
    (failed,) = report.blocking_failures
    assert failed.check == "usable_share" and "12 rejected + 0 quarantined of 12 entries" in failed.description


def test_negative_price_is_quarantined_and_the_rest_publishes(published, instance, loopback, home):
    doc = json.loads(GOOD)
    doc["data"][2]["pricing"]["prompt"] = "-0.000002"  # openai/gpt-4.1
    loopback.route(PATH, Reply(200, json.dumps(doc).encode()))
    report = live(published, instance, loopback)
    assert report.published, render(report)
    assert ("prices/openrouter", "no_quarantined_rows", "WARN") in [(c.asset, c.check, c.severity) for c in report.warnings]
    con = duckdb.connect(str(published.db), read_only=True)
    held = con.execute("SELECT rule, row_key, \"row\" FROM quarantine WHERE source = 'openrouter'").fetchall()
    assert len(held) == 1
    rule, key, row = held[0]
    assert rule == "schema:input_usd_per_mtok:greater_than_or_equal_to(0)"
    assert json.loads(key)["source_model_id"] == "openai/gpt-4.1" and json.loads(row)["input_usd_per_mtok"] == -2.0
    models = {r[0] for r in con.execute("SELECT source_model_id FROM model_prices WHERE quarter = '2026Q4'").fetchall()}
    assert "openai/gpt-4.1" not in models and len(models) == 11


def test_redirect_to_an_undeclared_host_is_refused(published, instance, loopback, home):
    before = digest(published.db)
    loopback.route(PATH, Reply(302, headers={"Location": "http://127.0.0.2:9/api/v1/models"}))
    report = live(published, instance, loopback)
    assert_failed_and_untouched(report, published, before, "redirect to undeclared host '127.0.0.2' refused", home)
