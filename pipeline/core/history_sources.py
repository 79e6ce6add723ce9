"""Where each source's history is (the curated list), and the backfill's log.

`history_sources.csv` (curated, every row cited): source, kind, endpoint, repo, path, url, citation.
- kind `git`: `repo` (owner/name) and `path` of the file in it; kind `wayback`: `url` of the page.
- `endpoint` is the source URL the history stands for (one of the source's own URLs), so that a
  backfilled body competes with live and bundled ones for the same endpoint in the snapshots.
- An endpoint may have several rows: a file that moved (an older name or catalog version). Each
  quarter then takes the newest version found over all of them.

`warehouse/raw/history.jsonl` (next to the fetch journal): what the commits and CDX APIs answered
for closed quarters (what the record held before a past date does not change, so a second or a
resumed backfill does not ask again), and each run's coverage rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl

from pipeline.core.archive import append_jsonl, read_jsonl
from pipeline.core.curated import CuratedError, read_curated
from pipeline.core.history import Location, Version
from pipeline.core.quarters import Quarter
from pipeline.core.sources import Source
from pipeline.core.warehouse import insert_frame
from schemas.curated import CuratedHistorySource
from schemas.history import BackfillCoverage

HISTORY_FILE = "history_sources.csv"
HISTORY_LOG = "history.jsonl"
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def load_locations(path: Path) -> list[Location]:
    """Every row of the history list, checked: a bad row refuses the file, naming the row."""
    path = Path(path)
    frame = read_curated(path, CuratedHistorySource, line_column="line")
    out, seen = [], set()
    for row in frame.iter_rows(named=True):
        where = f"{path}:{row['line']}: ({row['source']} {row['endpoint']})"
        if row["kind"] == "git":
            _check_git(where, row["repo"], row["path"])
            if row["url"]:
                raise CuratedError(f"{where}: a git row names a repo and a path, not a url")
        elif not row["url"] or not row["url"].startswith(("http://", "https://")) or row["repo"] or row["path"]:
            raise CuratedError(f"{where}: a wayback row names the page's http(s) url, and no repo or path")
        loc = Location(row["source"], row["endpoint"], row["kind"], row["repo"], row["path"], row["url"],
                       row["citation"])
        if (loc.source, loc.endpoint, loc.key) in seen:
            raise CuratedError(f"{where}: listed twice")
        seen.add((loc.source, loc.endpoint, loc.key))
        out.append(loc)
    return out


def _check_git(where: str, repo: str | None, file_path: str | None) -> None:
    if not repo or not _REPO.match(repo):
        raise CuratedError(f"{where}: repo must be owner/name, not {repo!r}")
    # The path becomes part of URLs: no way out of the repository, no query or fragment.
    parts = (file_path or "").split("/")
    if (not file_path or file_path.startswith("/") or "\\" in file_path or any(p in ("", ".", "..") for p in parts)
            or any(c in file_path for c in "?#")):
        raise CuratedError(f"{where}: path must be a relative file path in the repository, not {file_path!r}")


def locations_for(source: Source, path: Path, curated_dir: Path) -> list[Location]:
    """The source's rows; each endpoint must be one of the source's own URLs."""
    mine = [loc for loc in load_locations(path) if loc.source == source.name]
    if mine:
        urls = set(source.url_list(curated_dir))
        stray = sorted({loc.endpoint for loc in mine} - urls)
        if stray:
            raise CuratedError(f"{path}: {source.name} has no endpoint {stray[0]!r}; its URLs are "
                               f"{', '.join(sorted(urls))}")
    return mine


class HistoryLog:
    def __init__(self, raw_dir: Path):
        self.path = Path(raw_dir) / HISTORY_LOG

    def _records(self) -> Iterator[dict]:
        return read_jsonl(self.path)

    def _append(self, records: list[dict]) -> None:
        if records:
            append_jsonl(self.path, records)

    def resolved(self) -> dict[tuple[str, str], Version | None]:
        """(location key, quarter label) -> the version found, or None for a gap."""
        out = {}
        for rec in self._records():
            if rec.get("record") == "resolved":
                v = rec.get("version")
                out[(rec["location"], rec["quarter"])] = Version.from_json(v) if v else None
        return out

    def remember(self, key: str, answers: dict[Quarter, Version | None]) -> None:
        self._append([{"record": "resolved", "location": key, "quarter": q.label,
                       "version": v.to_json() if v else None} for q, v in sorted(answers.items())])

    def append_coverage(self, run_id: str, rows: list[dict]) -> None:
        self._append([{"record": "coverage", "run_id": run_id, **row} for row in rows])

    def coverage(self, run_id: str) -> list[dict]:
        rows = {}
        for rec in self._records():
            if rec.get("record") == "coverage" and rec.get("run_id") == run_id:
                row = {k: v for k, v in rec.items() if k not in ("record", "run_id")}
                rows[(row["quarter"], row["source"], row["endpoint"])] = row
        return list(rows.values())


COVERAGE_SCHEMA = {"quarter": pl.String, "provisional": pl.Boolean, "source": pl.String, "endpoint": pl.String,
                   "kind": pl.String, "status": pl.String, "version": pl.String, "observed_at": pl.String,
                   "provenance": pl.String, "fetch_id": pl.String, "sha256": pl.String, "detail": pl.String}
DELETE_COVERED = "DELETE FROM backfill_coverage WHERE quarter = ? AND source = ? AND endpoint = ?"
# Only the running quarter is provisional: rows written while a quarter was running stop being so.
MARK_PROVISIONAL = "UPDATE backfill_coverage SET provisional = (quarter = ?)"


def store_coverage(con: duckdb.DuckDBPyConnection, rows: list[dict], running: Quarter) -> int:
    """Replace the coverage of the quarters, sources and endpoints in `rows`."""
    if rows:
        frame = pl.DataFrame([{c: r.get(c) for c in COVERAGE_SCHEMA} for r in rows], schema=COVERAGE_SCHEMA)
        frame = BackfillCoverage.validate(frame.with_columns(pl.col("observed_at").str.to_datetime(time_unit="us")))
        con.executemany(DELETE_COVERED, [[r["quarter"], r["source"], r["endpoint"]] for r in rows])
        insert_frame(con, "backfill_coverage", frame)
    con.execute(MARK_PROVISIONAL, [running.label])
    return len(rows)
