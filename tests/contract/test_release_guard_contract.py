"""A real listing ingested with a backdated date: every model released after that date is held
back with rule `observed_before_release` and both dates, and a listing that is mostly such rows
does not publish."""

import json
from datetime import date, datetime, timezone

import duckdb
import pytest

from pipeline.core.paths import Paths
from pipeline.prices.openrouter import parse
from tests.conftest import real_source, refresh

pytestmark = pytest.mark.contract
SAMPLE = "prices/openrouter_api_v1_models_2026-08-19.json"
BACKDATED = datetime(2025, 1, 1)


def test_a_backdated_real_listing_quarantines_every_model_released_after_that_date(tmp_path, instance):
    path = real_source(SAMPLE)
    models = json.loads(path.read_bytes())["data"]
    later = {m["id"] for m in models
             if isinstance(m.get("created"), int)
             and datetime.fromtimestamp(m["created"], tz=timezone.utc).date() > BACKDATED.date()}
    parsed = parse(path.read_bytes(), BACKDATED).rows
    expected = parsed.filter(parsed["source_model_id"].is_in(list(later))).height
    assert 300 < len(later) < len(models)  # most of a 2026 listing did not exist on 2025-01-01

    paths = Paths(tmp_path / "warehouse", tmp_path / "exports")
    report = refresh(paths, instance, mode="file", only=["openrouter"], ingest_file=path,
                     ingest_observed_at=BACKDATED)
    assert not report.published and not paths.db.exists()
    share = next(c for c in report.checks if c.asset == "prices/openrouter" and c.check == "usable_share")
    assert not share.passed and share.severity == "ERROR"
    con = duckdb.connect(str(next((paths.staging_dir / "failed").glob("*.duckdb"))), read_only=True)
    held = con.execute("SELECT row_key, detail FROM quarantine WHERE rule = 'observed_before_release'").fetchall()
    con.close()
    assert len(held) == expected
    glm = [d for k, d in held if '"z-ai/glm-4.5"' in k]
    assert glm == ["z-ai/glm-4.5 observed 2025-01-01, before its release on 2025-07-25 (openrouter's own listing)"]
    assert all(date.fromisoformat(d.split(" on ")[1][:10]) > BACKDATED.date() for _, d in held)
