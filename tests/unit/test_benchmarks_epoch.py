"""Epoch parser: zipped CSVs with a BOM, fractions, percent strings, long dates; zip caps."""

from __future__ import annotations

import json
import struct
import zipfile
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from pipeline.benchmarks import epoch
from pipeline.core.sources import SourceFormatError
from tests.conftest import AS_OF, FIXTURES

EPOCH = FIXTURES / "benchmarks" / "epoch"


def members(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.glob("*.csv"))}


@pytest.fixture(scope="module")
def parsed():
    return epoch.parse(epoch.build_archive(members(EPOCH)), AS_OF, epoch.URL)


def _row(parsed, model, benchmark):
    rows = parsed.rows.filter((pl.col("source_model_id") == model) & (pl.col("source_benchmark") == benchmark))
    assert rows.height == 1, (model, benchmark)
    return rows.to_dicts()[0]


def test_run_fraction_becomes_a_percentage_with_its_date(parsed):
    row = _row(parsed, "gpt-5.1_medium", "GPQA diamond")
    assert (row["raw_score"], row["raw_unit"], row["score"]) == (0.85, "fraction", pytest.approx(85.0))
    assert row["evaluated_at"] == datetime(2025, 11, 17, 16, 28)


def test_latest_run_of_a_task_is_kept(parsed):
    row = _row(parsed, "gemini-2.5-pro", "FrontierMath-2025-02-28-Private")
    assert row["raw_score"] == 0.121
    reasons = [r["reason"] for r in parsed.rejects.to_dicts() if r["record_key"] == "gemini-2.5-pro"]
    assert any("earlier run" in reason for reason in reasons)


def test_undated_run_is_kept_without_a_date(parsed):
    row = _row(parsed, "grok-4-0709", "GPQA diamond")
    assert row["raw_score"] == 0.87 and row["evaluated_at"] is None


def test_percent_string_in_external_file(parsed):
    row = _row(parsed, "amazon.nova-lite-v1:0", "external/mmlu")
    assert (row["raw_score"], row["raw_unit"], row["score"]) == (77.0, "percent", 77.0)
    assert row["display_name"] == "Amazon Nova Lite"


def test_model_listed_twice_keeps_its_best_result(parsed):
    assert _row(parsed, "gpt-4o-mini-2024-07-18", "external/mmlu")["raw_score"] == 81.8


def test_plain_number_column_for_aider(parsed):
    assert _row(parsed, "gpt-5-2025-08-07_high", "external/aider_polyglot")["score"] == 88.0


def test_unattributable_and_malformed_rows_are_recorded(parsed):
    rejects = parsed.rejects.to_dicts()
    excluded = [r for r in rejects if r["kind"] == "excluded"]
    rejected = [r for r in rejects if r["kind"] == "rejected"]
    assert any("OLMo (7B)" in r["reason"] for r in excluded)
    assert any(r["record_key"] == "model_versions.csv" for r in excluded)
    # '72.1' without its percent sign: the unit is not stated, so the row is refused.
    assert [r["record_key"] for r in rejected] == ["gemma-2-9b-it"]
    assert parsed.entries == 5 + 5 + 1 + 1


def test_archive_over_the_caps_is_refused_before_anything_is_read(monkeypatch):
    body = epoch.build_archive({f"external_benchmark_{i}.csv": b"id\n" for i in range(5)})
    opened = []
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: opened.append(a) or pytest.fail("inflated"))
    with pytest.raises(epoch.ArchiveTooLarge, match="nothing extracted: 5 members") as err:
        epoch.open_capped(body, epoch.URL, max_files=4)
    assert epoch.URL in str(err.value)
    with pytest.raises(epoch.ArchiveTooLarge, match="15 bytes uncompressed"):
        epoch.open_capped(body, epoch.URL, max_bytes=14)
    assert opened == []


def test_declared_size_is_read_from_the_central_directory(monkeypatch):
    # A bomb declares its real size in the central directory: the parser refuses it there.
    body = epoch.build_archive({"benchmarks_runs.csv": b"x" * 2000})
    monkeypatch.setattr(epoch, "MAX_UNCOMPRESSED_BYTES", 1000)
    with pytest.raises(epoch.ArchiveTooLarge):
        epoch.parse(body, AS_OF, epoch.URL)


def test_member_holding_more_than_it_declares_is_refused():
    content = b"id,task\n" + b"x" * 100
    body = epoch.build_archive({"benchmarks_runs.csv": content})
    # A forged directory: both headers claim 10 bytes; reading stops there and the CRC fails.
    forged = body.replace(struct.pack("<I", len(content)), struct.pack("<I", 10))
    with pytest.raises(SourceFormatError, match="member benchmarks_runs.csv cannot be read"):
        epoch.parse(forged, AS_OF, epoch.URL)


def test_not_a_zip_fails_as_a_whole():
    with pytest.raises(SourceFormatError, match="not a zip"):
        epoch.parse(b"<html>maintenance</html>", AS_OF, epoch.URL)


def test_zip_without_score_files_fails_as_a_whole():
    with pytest.raises(SourceFormatError, match="no benchmarks_runs.csv"):
        epoch.parse(epoch.build_archive({}), AS_OF, epoch.URL)


def test_build_archive_is_deterministic():
    assert epoch.build_archive(members(EPOCH)) == epoch.build_archive(dict(reversed(members(EPOCH).items())))


def test_bundled_archives_are_built_from_their_csvs():
    recorded = epoch.SOURCE.recorded_dir
    for entry in json.loads((recorded / "index.json").read_text())["responses"]:
        day = entry["observed_on"]
        assert (recorded / entry["file"]).read_bytes() == epoch.build_archive(members(recorded / "csv" / day)), day
