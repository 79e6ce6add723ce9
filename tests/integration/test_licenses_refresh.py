"""One live refresh of the three license sources against a loopback server, with an HF_TOKEN set:
the token reaches the Hub's API (and only it) and nothing the ledger writes; the license tables
and the quarter's spectrum come out of the same run."""

import gzip
import io
import json
import logging
import shutil

import duckdb
import pytest

from pipeline.core.paths import CURATED_DIR, Paths
from pipeline.core.quarters import Quarter
from pipeline.licenses.hf_model_cards import SOURCE as CARDS
from pipeline.licenses.license_texts import SOURCE as TEXTS
from pipeline.licenses.spdx import SOURCE as SPDX
from tests.conftest import FIXTURES, refresh
from tests.support.loopback import Loopback, Reply

pytestmark = pytest.mark.integration
TOKEN = "hf_ledgerTestToken0123456789abcdefXYZ"
FAST = {"max_attempts": 1, "read_timeout_s": 5.0}
ORIGINS = ("https://raw.githubusercontent.com", "https://ai.google.dev", "https://www.apache.org", "https://huggingface.co")
ROUTES = {
    "/meta-llama/llama-models/main/models/llama3_1/LICENSE": TEXTS.recorded_dir / "llama3_1_LICENSE.txt",
    "/QwenLM/Qwen/main/Tongyi%20Qianwen%20RESEARCH%20LICENSE%20AGREEMENT":
        TEXTS.recorded_dir / "tongyi_qianwen_RESEARCH_LICENSE_AGREEMENT.txt",
    "/gemma/terms": TEXTS.recorded_dir / "gemma_terms_2026-04-01.html",
    "/licenses/LICENSE-2.0.txt": TEXTS.recorded_dir / "Apache-2.0.txt",
    "/spdx/license-list-data/main/json/licenses.json": SPDX.recorded_dir / "licenses_3.27.0.json",
    "/api/models/meta-llama/Llama-3.1-8B-Instruct": CARDS.recorded_dir / "meta-llama__Llama-3.1-8B-Instruct.json",
    "/api/models/google/gemma-4-31B-it": CARDS.recorded_dir / "google__gemma-4-31B-it.json",
    "/api/models/mistralai/Mistral-Large-Instruct-2407": CARDS.recorded_dir / "mistralai__Mistral-Large-Instruct-2407.json",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory, instance):
    root = tmp_path_factory.mktemp("licenses_live")
    paths = Paths(root / "warehouse", root / "exports")
    curated = root / "curated"
    shutil.copytree(CURATED_DIR, curated)
    for name in ("models.csv", "license_urls.csv", "hf_model_cards.csv"):
        shutil.copy(FIXTURES / "licenses" / "curated" / name, curated / name)
    logs = io.StringIO()
    handler = logging.StreamHandler(logs)
    handler.setLevel(logging.DEBUG)
    root_logger = logging.getLogger()
    old_level = root_logger.level
    root_logger.addHandler(handler)
    root_logger.setLevel(logging.DEBUG)
    try:
        with Loopback() as server, pytest.MonkeyPatch.context() as mp:
            mp.setenv("HF_TOKEN", TOKEN)
            for path, file in ROUTES.items():
                server.route(path, Reply(200, file.read_bytes()))
            report = refresh(paths, instance, mode="live", only=["license_texts", "spdx", "hf_model_cards"],
                             quarters=[Quarter(2026, 4)], curated_dir=curated, http=FAST,
                             origin_overrides={o: server.origin for o in ORIGINS})
            requests = list(server.requests)
    finally:
        root_logger.removeHandler(handler)
        root_logger.setLevel(old_level)
    events = "\n".join(str(e) for e in instance.all_logs(report.run_id))
    # Publication also waits on the other families; the tables are read from the run's warehouse
    # either way (published, or its staging copy kept for inspection).
    db = paths.db if paths.db.exists() else max((paths.staging_dir / "failed").glob("*.duckdb"))
    con = duckdb.connect(str(db), read_only=True)
    yield report, requests, logs.getvalue() + events, paths, con
    con.close()


def test_the_token_is_sent_to_the_hub_api_and_nowhere_else(run):
    _, requests, _, _, _ = run
    hub = [r for r in requests if r.path.startswith("/api/models/")]
    assert len(hub) == 3 and all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in hub)
    others = [r for r in requests if not r.path.startswith("/api/models/")]
    assert len(others) == 5 and not any("authorization" in r.headers for r in others)


def test_the_token_reaches_neither_the_archive_nor_the_warehouse_nor_the_logs(run):
    _, _, logs, paths, con = run
    needle = TOKEN.encode()
    scanned = 0
    for root in (paths.warehouse_dir, paths.exports_dir):
        for file in (p for p in root.rglob("*") if p.is_file()):
            data = file.read_bytes()
            if file.suffix == ".gz":
                data = gzip.decompress(data)
            assert needle not in data, file
            scanned += 1
    assert scanned > 10
    tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
                                        ).fetchall()]
    for table in tables:  # DuckDB compresses strings on disk: look inside every row as well
        hits = con.execute(f"SELECT count(*) FROM {table} AS t WHERE t::VARCHAR LIKE ?", [f"%{TOKEN}%"]).fetchall()
        assert hits[0][0] == 0, table
    assert TOKEN not in logs and len(logs) > 1000


def test_the_three_sources_publish_their_rows_and_pass_their_blocking_checks(run):
    report, _, _, _, con = run
    sources = {s["source"]: s for s in report.sources}
    assert {n: sources[n]["rows_added"] for n in ("license_texts", "spdx", "hf_model_cards")} == {
        "license_texts": 4, "spdx": 9, "hf_model_cards": 3}
    mine = [c for c in report.checks if c.asset.startswith(("licenses", "license_changes", "openness_spectrum"))]
    assert mine and not [c for c in mine if not c.passed and c.severity == "ERROR"], mine
    cards = dict(con.execute("SELECT repo_id, license_id FROM model_card_licenses").fetchall())
    assert cards == {"meta-llama/Llama-3.1-8B-Instruct": "llama3.1", "google/gemma-4-31B-it": "Apache-2.0",
                     "mistralai/Mistral-Large-Instruct-2407": "mrl"}
    fetched = con.execute("SELECT url FROM raw_fetch WHERE source = 'license_texts' AND url LIKE '%Qianwen%'").fetchall()
    assert fetched[0][0].endswith("/QwenLM/Qwen/main/Tongyi%20Qianwen%20RESEARCH%20LICENSE%20AGREEMENT")


def test_the_running_quarter_gets_a_category_with_evidence_for_every_model(run):
    report, _, _, _, con = run
    rows = {m: (c, e) for m, c, e in con.execute(
        "SELECT canonical_model, category, evidence FROM openness_spectrum WHERE quarter = '2026Q4'").fetchall()}
    assert {m: c for m, (c, _) in rows.items()} == {
        "openai/gpt-4o": "fully_closed", "meta-llama/llama-3.1-8b-instruct": "open_weight_restricted",
        "google/gemma-2-9b-it": "open_weight_restricted", "google/gemma-4-31b-it": "open_weight_permissive",
        "mistralai/mistral-large-2407": "open_weight_restricted", "mistralai/mistral-7b-instruct": "open_weight_permissive",
        "allenai/olmo-2-1124-7b-instruct": "fully_open", "bigscience/bloom": "open_weight_restricted"}
    assert "not on the SPDX License List 3.27.0" in rows["bigscience/bloom"][1]
    required = [c for c in report.checks if c.check == "required_models_classified"]
    assert [c.passed for c in required] == [True]
    provisional = con.execute("SELECT DISTINCT provisional FROM openness_spectrum WHERE quarter = '2026Q4'").fetchall()
    assert provisional == [(True,)]
    assert json.loads(con.execute("SELECT to_json(list(DISTINCT license_id ORDER BY license_id)) FROM licenses"
                                  ).fetchall()[0][0]) == ["Apache-2.0", "gemma", "llama3.1", "tongyi-qianwen-research"]
