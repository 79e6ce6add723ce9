"""What a published warehouse offers outside the database: exports, data dictionary, report.

Publication writes them at the end of every refresh (pipeline/publish.py); `ledger export` and
`ledger report` write them again from the published file, read-only, without a refresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipeline import __version__
from pipeline.core.export import ExportResult, export_all, verify_exports
from pipeline.core.fetch_records import utcnow
from pipeline.core.paths import Paths
from pipeline.core.quarters import Quarter
from pipeline.core.warehouse import read_published


class NothingPublished(RuntimeError):
    pass


def write_documents(con: duckdb.DuckDBPyConnection, exports_dir: Path) -> list[Path]:
    """The data dictionary (Markdown + JSON) and the HTML report."""
    from pipeline.dictionary import write_dictionary
    from pipeline.report import write_report

    return [*write_dictionary(exports_dir, con), write_report(con, exports_dir)]


def try_write_documents(con: duckdb.DuckDBPyConnection, exports_dir: Path) -> tuple[list[str], str | None]:
    """As write_documents, with an error returned rather than raised: at publication the
    warehouse and the exports are already out, and a check reports the error."""
    try:
        return [str(p) for p in write_documents(con, exports_dir)], None
    except Exception as exc:  # noqa: BLE001 — surfaced by the report_written check
        return [], f"{exc.__class__.__name__}: {exc}"


@dataclass
class ExportOutcome:
    result: ExportResult | None
    documents: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def export_published(paths: Paths, quarters: list[Quarter] | None = None, verify_only: bool = False) -> ExportOutcome:
    """Re-export the published warehouse (all quarters unless given), then verify every file."""
    if verify_only:
        return ExportOutcome(None, problems=verify_exports(paths.exports_dir))
    with read_published(paths) as con:
        if con is None:
            raise NothingPublished(f"nothing published yet: {paths.db} does not exist (run `ledger refresh`)")
        result = export_all(con, paths.exports_dir, quarters, {
            "generator": f"llm-ledger {__version__}", "generated_at": utcnow().isoformat(timespec="seconds"),
            "written_by": "ledger export"})
        documents = write_documents(con, paths.exports_dir)
    return ExportOutcome(result, documents, verify_exports(paths.exports_dir))


def report_published(paths: Paths) -> Path:
    from pipeline.report import write_report

    with read_published(paths) as con:
        if con is None:
            raise NothingPublished(f"nothing published yet: {paths.db} does not exist (run `ledger refresh`)")
        return write_report(con, paths.exports_dir)
