"""What a published warehouse offers outside the database: exports, data dictionary, report.

Publication writes them from the staging warehouse into a folder beside the published exports
and swaps both in at once (pipeline/defs/publish.py, pipeline/core/session.py); `ledger export`
and `ledger report` write them again from the published file, read-only, without a refresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipeline import __version__
from pipeline.core.export import ExportResult, export_all, verify_exports
from pipeline.core.fetch_records import utcnow
from pipeline.core.paths import Paths
from pipeline.core.session import ExportFailed, republish_exports
from pipeline.core.quarters import Quarter
from pipeline.core.warehouse import read_published


class NothingPublished(RuntimeError):
    pass


def write_documents(con: duckdb.DuckDBPyConnection, exports_dir: Path) -> list[Path]:
    """The data dictionary (Markdown + JSON) and the HTML report."""
    from pipeline.app.dictionary import write_dictionary
    from pipeline.report import write_report

    return [*write_dictionary(exports_dir, con), write_report(con, exports_dir)]


@dataclass
class Publication:
    result: ExportResult
    documents: list[Path]


def write_publication(con: duckdb.DuckDBPyConnection, folder: Path, quarters: list[Quarter] | None,
                      run_id: str) -> Publication:
    """Everything a refresh publishes besides the warehouse, written into `folder` (a copy of the
    published exports) and verified; ExportFailed when anything is missing or does not match."""
    try:
        result = export_all(con, folder, quarters, {
            "generator": f"llm-ledger {__version__}", "run_id": run_id,
            "generated_at": utcnow().isoformat(timespec="seconds"), "written_by": "ledger refresh"})
        documents = write_documents(con, folder)
    except Exception as exc:
        raise ExportFailed(f"exports could not be written to {folder}: {exc.__class__.__name__}: {exc}") from exc
    problems = verify_exports(folder)
    if problems:
        raise ExportFailed(f"{len(problems)} export file(s) differ from their manifest: " + "; ".join(problems[:5]))
    return Publication(result, documents)


@dataclass
class ExportOutcome:
    result: ExportResult | None
    documents: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def export_published(paths: Paths, quarters: list[Quarter] | None = None, verify_only: bool = False) -> ExportOutcome:
    """Re-export the published warehouse (all quarters unless given) beside the published exports,
    verify every file, and swap them in (pipeline/core/session.py); `verify_only` writes nothing."""
    if verify_only:
        return ExportOutcome(None, problems=verify_exports(paths.exports_dir))
    with read_published(paths) as con:
        if con is None:
            raise NothingPublished(f"nothing published yet: {paths.db} does not exist (run `ledger refresh`)")

        def write(folder: Path) -> Publication:
            result = export_all(con, folder, quarters, {
                "generator": f"llm-ledger {__version__}", "generated_at": utcnow().isoformat(timespec="seconds"),
                "written_by": "ledger export"})
            # Named where they will be once swapped in.
            documents = [paths.exports_dir / p.relative_to(folder) for p in write_documents(con, folder)]
            problems = verify_exports(folder)
            if problems:
                raise ExportFailed(f"{len(problems)} export file(s) differ from their manifest: "
                                   + "; ".join(problems[:5]))
            return Publication(result, documents)

        done = republish_exports(paths, f"export-{utcnow():%Y%m%dT%H%M%S}", write)
    return ExportOutcome(done.result, done.documents, verify_exports(paths.exports_dir))


def report_published(paths: Paths) -> Path:
    from pipeline.report import write_report

    with read_published(paths) as con:
        if con is None:
            raise NothingPublished(f"nothing published yet: {paths.db} does not exist (run `ledger refresh`)")
        return write_report(con, paths.exports_dir)
