"""Faults in several sources of one refresh: each is named, the others go on, nothing is lost.

A published warehouse of three price sources (replayed) is refreshed live against loopback
servers: OpenRouter's host presents a self-signed TLS certificate, LiteLLM's answers 304 to a
request that was not conditional, and LMArena's serves a good response. In live mode the run
publishes nothing and says why for each source; in auto mode the two broken sources are served
stale from their newest bundled response with the reason recorded, and the run publishes.

The last test sends an API key with every request of a live refresh and then looks for it in
everything the refresh left behind: the raw archive, the database, the run summary, the exports
and every log line.
"""

import gzip
import hashlib
import logging
import shutil
import ssl

import duckdb
import pytest
from click.testing import CliRunner

from pipeline.app.cli import main
from pipeline.core.archive import RawArchive
from pipeline.core.paths import CURATED_DIR, Paths
from pipeline.core.quarters import Quarter
from pipeline.core.recorded import load_index
from pipeline.core.sources import source_by_name
from pipeline.app.summary import render
from tests.conftest import disk_instance, refresh
from tests.support.loopback import Loopback, Reply
from tests.unit.test_faults_transport import self_signed  # noqa: F401  (a fixture)

pytestmark = pytest.mark.integration
Q4 = [Quarter(2026, 4)]
SOURCES = ["openrouter", "litellm", "lmarena_prices"]
FAST = {"max_attempts": 2, "backoff_initial_s": 0.01, "backoff_max_s": 0.02, "read_timeout_s": 2.0}
LITELLM = "/BerriAI/litellm/main/model_prices_and_context_window.json"
LMARENA = "/lmarena/arena-catalog/main/data/scatterplot-data.json"
TLS_REASON = "TLS certificate verification failed"
NOT_CONDITIONAL = "HTTP 304 Not Modified to a request that asked for the whole body"


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, instance):
    root = tmp_path_factory.mktemp("faults_baseline")
    paths = Paths(root / "warehouse", root / "exports")
    report = refresh(paths, instance, mode="replay", only=SOURCES, quarters=Q4)
    assert report.published, render(report)
    return paths


@pytest.fixture
def published(baseline, ledger_paths):
    shutil.copytree(baseline.warehouse_dir, ledger_paths.warehouse_dir)
    return ledger_paths


@pytest.fixture
def servers(self_signed):  # noqa: F811
    cert, key = self_signed
    with Loopback() as tls, Loopback() as github:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        tls.httpd.socket = context.wrap_socket(tls.httpd.socket, server_side=True)
        tls.route("/api/v1/models", Reply(200, b'{"data": []}'))
        newest = load_index("lmarena_prices", source_by_name("lmarena_prices").recorded_dir)[-1].body()
        github.route(LITELLM, Reply(304))
        github.route(LMARENA, Reply(200, newest + b"\n"))  # a new body: parsed, not deduplicated
        yield {"https://openrouter.ai": tls.origin.replace("http://", "https://"),
               "https://raw.githubusercontent.com": github.origin}, github


def live(paths, instance, overrides, mode):
    return refresh(paths, instance, mode=mode, only=SOURCES, quarters=Q4, origin_overrides=overrides, http=FAST)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("dagster_home")


@pytest.fixture(scope="module")
def instance(home):
    """On disk: `ledger status` reads the runs (failed ones too) from it."""
    with disk_instance(home) as inst:
        yield inst


def status_rows(paths, home) -> dict[str, dict[str, str]]:
    """`ledger status` as {source: {column: value}}, cut at the header's column positions."""
    result = CliRunner().invoke(main, ["status"], env={"LEDGER_WAREHOUSE_DIR": str(paths.warehouse_dir),
                                                      "LEDGER_EXPORTS_DIR": str(paths.exports_dir),
                                                      "DAGSTER_HOME": str(home)})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = lines[0]
    names = header.split()
    starts = [header.index(" " + n + " ") + 1 if i else 0 for i, n in enumerate(names[:-1])]
    starts.append(header.rindex(names[-1]))
    bounds = list(zip(starts, starts[1:] + [None]))
    return {line.split()[0]: {n: line[a:b].strip() for n, (a, b) in zip(names, bounds)}
            for line in lines[1:] if line.startswith("prices/")}


def test_live_faults_are_named_per_source_the_others_go_on_and_nothing_is_published(published, instance, servers, home):
    overrides, github = servers
    before = digest(published.db)
    report = live(published, instance, overrides, "live")
    text = render(report)
    assert not report.published and "NOT published" in text
    by_source = {s["source"]: s for s in report.sources}
    assert TLS_REASON in by_source["openrouter"]["error"] and NOT_CONDITIONAL in by_source["litellm"]["error"]
    # The healthy source was read (its prices equal the published ones: no new version to add).
    assert by_source["lmarena_prices"]["modes"] == "live" and not by_source["lmarena_prices"]["error"]
    assert github.hits(LITELLM) == 1  # neither fault is retried: the same request gets the same answer
    assert digest(published.db) == before
    rows = status_rows(published, home)
    assert TLS_REASON in rows["prices/openrouter"]["error"] and NOT_CONDITIONAL in rows["prices/litellm"]["error"]
    journal = [r for r in RawArchive(published.raw_dir).fetches() if r["mode"] == "live"]
    assert {r["source"]: bool(r["error"]) for r in journal} == {
        "openrouter": True, "litellm": True, "lmarena_prices": False}


def test_auto_mode_serves_broken_sources_stale_with_the_reason_and_publishes(published, instance, servers, home):
    overrides, _ = servers
    before = digest(published.db)
    report = live(published, instance, overrides, "auto")
    assert report.published, render(report)
    assert {s["source"]: s["stale"] for s in report.sources if s["source"] in SOURCES} == {
        "openrouter": True, "litellm": True, "lmarena_prices": False}
    assert digest(published.db) != before
    con = duckdb.connect(str(published.db), read_only=True)
    stale = dict(con.execute("SELECT source, stale_reason FROM raw_fetch WHERE mode = 'fallback'").fetchall())
    assert TLS_REASON in stale["openrouter"] and NOT_CONDITIONAL in stale["litellm"]
    # The previous observations are still what the quarter is built from.
    (prices,), = con.execute("SELECT count(*) FROM model_prices WHERE quarter = '2026Q4' "
                             "AND source IN ('openrouter', 'litellm')").fetchall()
    con.close()
    assert prices > 0
    rows = status_rows(published, home)
    assert {n: (rows[f"prices/{n}"]["mode"], rows[f"prices/{n}"]["stale"]) for n in SOURCES} == {
        "openrouter": ("fallback", "yes"), "litellm": ("fallback", "yes"), "lmarena_prices": ("live", "no")}


SECRET = "hf_faultCATALOGsecret0123456789abcdef"


def _contains_secret(path) -> bool:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data += gzip.decompress(data)
    return SECRET.encode() in data


def test_an_api_key_never_reaches_the_archive_database_logs_or_exports(ledger_paths, instance, monkeypatch,
                                                                       loopback, caplog):
    source = source_by_name("hf_model_cards")
    bodies = {e.url: e.body() for e in load_index(source.name, source.recorded_dir)}  # newest per URL
    urls = source.url_list(CURATED_DIR)
    for url in urls:
        loopback.route(url.removeprefix("https://huggingface.co"), Reply(200, bodies[url]))
    monkeypatch.setenv(source.auth_env, SECRET)
    caplog.set_level(logging.DEBUG)
    report = refresh(ledger_paths, instance, mode="live", only=["hf_model_cards"], quarters=Q4, http=FAST,
                     origin_overrides={"https://huggingface.co": loopback.origin})
    assert report.published, render(report)
    sent = [r.headers.get("authorization") for r in loopback.requests]
    assert len(sent) == len(urls) and set(sent) == {f"Bearer {SECRET}"}  # it was sent, every time
    leaked = [p for root in (ledger_paths.warehouse_dir, ledger_paths.exports_dir) for p in root.rglob("*")
              if p.is_file() and _contains_secret(p)]
    assert leaked == []
    con = duckdb.connect(str(ledger_paths.db), read_only=True)
    tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables "
                                        "WHERE table_type = 'BASE TABLE'").fetchall()]
    hits = {t: con.execute(f"SELECT count(*) FROM {t} AS r WHERE CAST(r AS VARCHAR) LIKE ?",
                           [f"%{SECRET}%"]).fetchall()[0][0] for t in tables}
    con.close()
    assert len(tables) > 20 and {t: n for t, n in hits.items() if n} == {}
    events = instance.all_logs(report.run_id)
    assert len(events) > 50 and not [e for e in events if SECRET in repr(e)]
    assert caplog.records and SECRET not in caplog.text
