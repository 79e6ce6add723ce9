"""Epoch AI Benchmarking Hub: Epoch's own evaluation runs plus external results it collects.

Source: https://epoch.ai/data/benchmark_data.zip, a zip of CSVs rebuilt daily, CC-BY, no key.

Quirks:
- The body is a zip. Its central directory is read first and the archive refused as a whole
  (ArchiveTooLarge, nothing read out of it) when it holds more than MAX_FILES members or more
  than MAX_UNCOMPRESSED_BYTES once inflated: a zip bomb must not get past the parser. Members
  are inflated in memory, never written to disk, and each read is bounded by its declared size.
- Every CSV starts with a UTF-8 byte-order mark.
- `benchmarks_runs.csv` (Epoch's runs): `Best score (across scorers)` is a 0–1 fraction, the task
  name is the benchmark, `started_at` reads like "17 November 2025 4:28pm" (a few runs have
  none). A model run more than once on a task keeps its latest run; reasoning budgets are
  suffixes of the model name (`_16K`, `_high`) and stay in it.
- `external_benchmark_<name>.csv`: scores collected from papers and leaderboards, as percent
  strings ("77.0%") in `EM` (MMLU, GSM8K…) or as a plain number in `Percent correct` (Aider).
  Rows without a `Model version` cannot be attributed and are excluded; a model version listed
  twice keeps its best score.
- Other members (model metadata) hold no scores and are excluded, one entry each.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from datetime import datetime

from pipeline.benchmarks.rows import BadValue, keep_best, number, parsed, percent_text, scored_row
from pipeline.core.sources import Parsed, Rejects, Source, SourceFormatError, recorded_dir_for, utf8_text

URL = "https://epoch.ai/data/benchmark_data.zip"
PARSER_VERSION = "epoch/1"
MAX_FILES = 200
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
RUNS_FILE = "benchmarks_runs.csv"
EXTERNAL_PREFIX = "external_benchmark_"
RUN_SCORE = "Best score (across scorers)"
DATE_FORMAT = "%d %B %Y %I:%M%p"
# Columns holding the score in external files, with their unit.
EXTERNAL_SCORE_COLUMNS = (("EM", "percent_text"), ("Percent correct", "percent"), ("Score", "percent_text"))


class ArchiveTooLarge(SourceFormatError):
    """The zip's central directory declares more members or bytes than the caps allow."""


def open_capped(body: bytes, url: str, max_files: int | None = None,
                max_bytes: int | None = None) -> zipfile.ZipFile:
    """The archive, after its central directory passed the caps; nothing is inflated here."""
    max_files = MAX_FILES if max_files is None else max_files
    max_bytes = MAX_UNCOMPRESSED_BYTES if max_bytes is None else max_bytes
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except zipfile.BadZipFile as exc:
        raise SourceFormatError(f"not a zip archive: {exc}") from None
    members = archive.infolist()
    declared = sum(m.file_size for m in members)
    if len(members) > max_files or declared > max_bytes:
        archive.close()
        raise ArchiveTooLarge(f"{url}: zip refused, nothing extracted: {len(members)} members declaring "
                              f"{declared} bytes uncompressed (caps: {max_files} members, {max_bytes} bytes)")
    return archive


def build_archive(members: dict[str, bytes]) -> bytes:
    """A deterministic zip of `members` (name -> bytes): stored, fixed timestamps, sorted names.
    The bundled recorded archives and the test fixtures are built with it from their CSVs."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, members[name])
    return out.getvalue()


def parse(body: bytes, observed_at: datetime, url: str = URL) -> Parsed:
    rows, rejects, entries = [], Rejects(), 0
    with open_capped(body, url) as archive:
        for member in sorted(archive.infolist(), key=lambda m: m.filename):
            if member.is_dir():
                continue
            name = member.filename.rsplit("/", 1)[-1]
            if name == RUNS_FILE:
                kind = "runs"
            elif name.startswith(EXTERNAL_PREFIX) and name.endswith(".csv"):
                kind = "external"
            else:
                rejects.exclude(name, "archive member holds no scores", "file", name)
                entries += 1
                continue
            try:
                with archive.open(member) as fh:
                    data = fh.read(member.file_size + 1)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
                # A member whose bytes do not match its declared size or CRC: a broken or forged zip.
                raise SourceFormatError(f"{url}: member {name} cannot be read: {exc}") from None
            text = utf8_text(data, name)
            records = list(csv.DictReader(io.StringIO(text)))
            entries += len(records)
            if kind == "runs":
                rows.extend(_runs(name, records, rejects))
            else:
                rows.extend(_external(name, records, rejects))
    if not rows and not len(rejects):
        raise SourceFormatError(f"no {RUNS_FILE} or {EXTERNAL_PREFIX}*.csv member in the archive")
    return parsed(keep_best(rows, rejects, "another result for this model version"), rejects, entries)


def _runs(name: str, records: list[dict], rejects: Rejects) -> list[dict]:
    if records and RUN_SCORE not in records[0]:
        raise SourceFormatError(f"{name}: no '{RUN_SCORE}' column")
    latest: dict[tuple[str, str], dict] = {}
    for i, rec in enumerate(records, start=2):
        model, task = (rec.get("model") or "").strip(), (rec.get("task") or "").strip()
        where = f"{name}:{i}"
        if not model or not task:
            rejects.reject(where, "run without a model or a task", "model", model or task)
            continue
        if (rec.get("Status") or "Success") != "Success":
            rejects.exclude(model, f"{where}: run status {rec.get('Status')!r}", "Status", rec.get("Status"))
            continue
        try:
            score = number(rec.get(RUN_SCORE))
            started = _started(rec.get("started_at"))
        except (BadValue, ValueError) as exc:
            rejects.reject(model, f"{where}: {exc}", RUN_SCORE, rec.get(RUN_SCORE))
            continue
        row = scored_row(model, task, score, "fraction", evaluated_at=started)
        kept = latest.get((model, task))
        if kept is not None and _order(kept) >= _order(row):
            rejects.exclude(model, f"{where}: an earlier run of {task} than the one kept", "started_at",
                            rec.get("started_at"))
            continue
        if kept is not None:
            rejects.exclude(model, f"an earlier run of {task} ({kept['evaluated_at']}) replaced by {where}",
                            "started_at", kept["evaluated_at"])
        latest[(model, task)] = row
    return list(latest.values())


def _started(text: str | None) -> datetime | None:
    """'17 November 2025 4:28pm' -> datetime; empty (a few runs are undated) -> None."""
    text = (text or "").strip()
    return datetime.strptime(text, DATE_FORMAT) if text else None


def _order(row: dict) -> datetime:
    # An undated run counts as the oldest: a dated re-run replaces it.
    return row["evaluated_at"] or datetime.min


def _external(name: str, records: list[dict], rejects: Rejects) -> list[dict]:
    benchmark = "external/" + name[len(EXTERNAL_PREFIX):-len(".csv")]
    column = next(((c, unit) for c, unit in EXTERNAL_SCORE_COLUMNS if records and c in records[0]), None)
    if records and column is None:
        raise SourceFormatError(f"{name}: none of the score columns {[c for c, _ in EXTERNAL_SCORE_COLUMNS]}")
    rows = []
    for i, rec in enumerate(records, start=2):
        model = (rec.get("Model version") or "").strip()
        where = f"{name}:{i}"
        if not model:
            rejects.exclude(where, f"no model version for {rec.get('Name', '').strip()!r}: cannot be attributed",
                            "Model version", rec.get("Name"))
            continue
        col, unit = column
        try:
            value = percent_text(rec.get(col)) if unit == "percent_text" else number(rec.get(col))
        except BadValue as exc:
            rejects.reject(model, f"{where}: {col} {exc}", col, rec.get(col))
            continue
        name = (rec.get("Name") or "").strip() or None
        rows.append(scored_row(model, benchmark, value, "percent", display_name=name))
    return rows


SOURCE = Source(
    name="epoch",
    family="benchmarks",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=(URL,),
    recorded_dir=recorded_dir_for(__file__, "epoch"),
    description="Epoch AI Benchmarking Hub: its own runs (GPQA Diamond, MATH level 5, SWE-bench…) and "
                "external results (MMLU, GSM8K, Aider polyglot) as zipped CSVs",
)
