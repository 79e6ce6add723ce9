"""License history through the core ingest (no Dagster): the bundled recorded responses replayed
into a warehouse, and a live URL whose text changes between fetches, served on a loopback."""

from datetime import datetime

import duckdb
import pytest

from pipeline.core.archive import RawArchive
from pipeline.core.fetch_records import FetchPlan
from pipeline.core.http import HttpClient
from pipeline.core.ingest import ingest_source
from pipeline.core.quarters import Quarter, quarter_range
from pipeline.core.sources import discover_sources
from pipeline.core.validate import schema_failures
from pipeline.core.warehouse import apply_ddl, insert_frame, query
from pipeline.licenses import FAMILY
from pipeline.licenses.license_texts import SOURCE as TEXTS
from pipeline.licenses.store import rebuild_license_history, snapshot_openness
from pipeline.prices.registry import load_models
from schemas.licenses import License, LicenseChange, OpennessSpectrum
from tests.conftest import AS_OF, FIXTURES
from tests.support.loopback import Reply

pytestmark = pytest.mark.integration
CURATED = FIXTURES / "licenses" / "curated"
RECORDED = TEXTS.recorded_dir


def warehouse(root):
    con = duckdb.connect(str(root / "ledger.duckdb"))
    apply_ddl(con)
    insert_frame(con, "models", load_models(CURATED))
    return con, RawArchive(root / "raw")


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    con, archive = warehouse(tmp_path_factory.mktemp("licenses_replay"))
    plan = FetchPlan(mode="replay", as_of=AS_OF, run_id="replay-1", curated_dir=CURATED, env={})
    for source in discover_sources("licenses"):
        outcome = ingest_source(source, FAMILY, plan, None, archive, con)
        assert all(c.passed for c in outcome.checks), (source.name, [c.summary for c in outcome.checks])
    counts = rebuild_license_history(con, CURATED)
    written = {q.label: snapshot_openness(con, q, q == Quarter.of(AS_OF), CURATED)
               for q in quarter_range(Quarter(2025, 2), Quarter.of(AS_OF))}
    yield con, counts, written
    con.close()


def category(con, quarter, model):
    rows = con.execute("SELECT category FROM openness_spectrum WHERE quarter = ? AND canonical_model = ?",
                       [quarter, model]).fetchall()
    return rows[0][0] if rows else None


def test_the_bundled_history_holds_each_text_version_once(replayed):
    con, counts, _ = replayed
    assert counts == {"versions": 21, "changes": 1, "material_changes": 1}
    gemma = con.execute("""SELECT first_seen, last_seen, fetches FROM licenses
                           WHERE source_url = 'https://ai.google.dev/gemma/terms' ORDER BY first_seen""").fetchall()
    # The cited seed holds each text once, on the day it was published; no copy under a later date.
    assert gemma == [(datetime(2025, 3, 24), datetime(2025, 3, 24), 1), (datetime(2026, 4, 1), datetime(2026, 4, 1), 1)]
    # URLs outside this curated list keep the license id recognised from their title.
    ids = dict(con.execute("SELECT source_url, license_id FROM licenses WHERE document = 'license'").fetchall())
    assert ids["https://mistral.ai/licenses/MRL-0.1.md"] == "mrl"
    assert ids["https://raw.githubusercontent.com/QwenLM/Qwen/main/Tongyi%20Qianwen%20RESEARCH%20LICENSE%20AGREEMENT"] == (
        "tongyi-qianwen-research")


def test_the_derived_tables_pass_their_schemas(replayed):
    con, _, _ = replayed
    for table, schema in (("licenses", License), ("license_changes", LicenseChange),
                          ("openness_spectrum", OpennessSpectrum)):
        frame = query(con, f"SELECT * FROM {table}")
        assert frame.height and schema_failures(schema, frame).height == 0, table


def test_the_gemma_terms_revision_is_recorded_as_a_material_change(replayed):
    con, _, _ = replayed
    rows = con.execute("SELECT license_id, observed_at, material, clauses_changed, cosmetic_changes, diff "
                       "FROM license_changes").fetchall()
    assert len(rows) == 1
    license_id, observed_at, material, clauses, cosmetic, diff = rows[0]
    assert (license_id, observed_at, material, clauses, cosmetic) == ("gemma", datetime(2026, 4, 1), True,
                                                                      "other_terms", "dates")
    assert "+The terms below apply to Gemma models listed in the Appendix" in diff


def test_six_quarters_of_spectrum_with_gemma_4_arriving_in_2026q2(replayed):
    con, _, written = replayed
    # SPDX 3.23 (2024-02-08) is bundled: every quarter from 2025Q2 classifies every model it knows.
    assert written["2025Q2"] == (7, True) and written["2026Q2"] == (8, True)
    assert all(written[q][1] for q in ("2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4"))
    assert category(con, "2026Q1", "google/gemma-4-31b-it") is None
    assert category(con, "2026Q2", "google/gemma-4-31b-it") == "open_weight_permissive"
    expected = {"openai/gpt-4o": "fully_closed", "meta-llama/llama-3.1-8b-instruct": "open_weight_restricted",
                "google/gemma-2-9b-it": "open_weight_restricted", "mistralai/mistral-large-2407": "open_weight_restricted",
                "mistralai/mistral-7b-instruct": "open_weight_permissive",
                "allenai/olmo-2-1124-7b-instruct": "fully_open", "bigscience/bloom": "open_weight_restricted"}
    for model, cat in expected.items():
        assert [category(con, q, model) for q in ("2025Q3", "2026Q4")] == [cat, cat], model
    restrictions = dict(con.execute("SELECT canonical_model, restrictions FROM openness_spectrum WHERE quarter = '2026Q4'"
                                    ).fetchall())
    assert restrictions["mistralai/mistral-large-2407"] == "non_commercial"
    assert restrictions["meta-llama/llama-3.1-8b-instruct"] == "mau_threshold, aup_by_reference"
    gemma2 = con.execute("SELECT license_version_sha256, evidence FROM openness_spectrum "
                         "WHERE quarter = ? AND canonical_model = 'google/gemma-2-9b-it'", ["2026Q1"]).fetchall()[0]
    later = con.execute("SELECT license_version_sha256 FROM openness_spectrum "
                        "WHERE quarter = '2026Q2' AND canonical_model = 'google/gemma-2-9b-it'").fetchall()[0][0]
    assert gemma2[0] != later  # the quarter reads the terms version current at its end
    assert "Gemma Prohibited Use Policy" in gemma2[1]


LIVE_PATHS = {
    "/meta-llama/llama-models/main/models/llama3_1/LICENSE": "llama3_1_LICENSE.txt",
    "/QwenLM/Qwen/main/Tongyi%20Qianwen%20RESEARCH%20LICENSE%20AGREEMENT": "tongyi_qianwen_RESEARCH_LICENSE_AGREEMENT.txt",
    "/licenses/LICENSE-2.0.txt": "Apache-2.0.txt",
}


def test_a_url_whose_text_changes_between_two_fetches_gives_exactly_one_change(tmp_path, loopback):
    con, archive = warehouse(tmp_path)
    for path, name in LIVE_PATHS.items():
        loopback.route(path, Reply(200, (RECORDED / name).read_bytes(), {"Content-Type": "text/plain"}))
    old = (RECORDED / "gemma_terms_2025-03-24.html").read_bytes()
    new = (RECORDED / "gemma_terms_2026-04-01.html").read_bytes()
    # The third fetch differs from the second only in page chrome: a new body, the same version.
    rechromed = new.replace(b"<a href=\"https://ai.google.dev/edge\">Google AI Edge</a>", b"<a href=\"/x\">Solutions</a>")
    html = {"Content-Type": "text/html; charset=utf-8"}
    loopback.route("/gemma/terms", Reply(200, old, html), Reply(200, new, html), Reply(200, rechromed, html))
    http = HttpClient(origin_overrides={o: loopback.origin for o in (
        "https://ai.google.dev", "https://raw.githubusercontent.com", "https://www.apache.org")})
    for day in (datetime(2026, 1, 15), datetime(2026, 4, 15), datetime(2026, 7, 15)):
        plan = FetchPlan(mode="live", as_of=day, run_id=f"run-{day:%m}", curated_dir=CURATED, env={})
        outcome = ingest_source(TEXTS, FAMILY, plan, http, archive, con)
        assert outcome.error is None and all(c.passed for c in outcome.checks)
    assert loopback.hits("/QwenLM/Qwen/main/Tongyi%20Qianwen%20RESEARCH%20LICENSE%20AGREEMENT") == 3
    counts = rebuild_license_history(con, CURATED)
    assert counts == {"versions": 5, "changes": 1, "material_changes": 1}
    change = con.execute("SELECT source_url, license_id, previous_observed_at, observed_at, material, diff "
                         "FROM license_changes").fetchall()
    assert len(change) == 1
    url, license_id, before, after, material, diff = change[0]
    assert (url, license_id, before, after, material) == ("https://ai.google.dev/gemma/terms", "gemma",
                                                          datetime(2026, 1, 15), datetime(2026, 4, 15), True)
    assert diff.count("\n+") >= 2 and "Solutions" not in diff
    assert con.execute("SELECT count(DISTINCT sha256) FROM raw_fetch WHERE url LIKE '%/gemma/terms'").fetchall()[0][0] == 3
    con.close()
