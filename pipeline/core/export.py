"""Exports for downstream tools: Parquet + CSV of every published table, written atomically.

- quarterly tables: `exports/<table>/quarter=YYYYQn/<table>.parquet|csv`, plus
  `exports/<table>/latest.parquet|csv` (the table's newest quarter);
- reference tables (no `quarter` column: models, licenses, raw_fetch…): `exports/<table>/<table>.*`;
- `exports/manifest.json`: schema version, per file its table, quarter, rows, bytes and sha256,
  per table its columns, and per quarter the fetch ids its snapshots were built from.

Rows are sorted on every column and the writers' settings are fixed, so exporting unchanged
rows again gives byte-identical files. `verify_exports` re-reads every file the manifest lists.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipeline.core.quarters import Quarter
from pipeline.core.warehouse import ident, query

# Bump on a breaking change to an exported table (a column removed, renamed or retyped) and
# list it in docs/schema_changelog.md; adding a column is not breaking.
EXPORT_SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
# Refresh bookkeeping: internal to the warehouse, of no use downstream.
BOOKKEEPING_TABLES = ("schema_migrations", "parsed_bodies", "refresh_runs")
CSV_DATETIME = "%Y-%m-%dT%H:%M:%S%.6f"
TABLES_SQL = """
SELECT t.table_name, bool_or(c.column_name = 'quarter') AS quarterly
FROM information_schema.tables AS t JOIN information_schema.columns AS c USING (table_schema, table_name)
WHERE t.table_schema = 'main' AND t.table_type = 'BASE TABLE'
GROUP BY t.table_name ORDER BY t.table_name"""


def quarterly_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [t for t, quarterly in con.execute(TABLES_SQL).fetchall() if quarterly]


def reference_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [t for t, quarterly in con.execute(TABLES_SQL).fetchall()
            if not quarterly and t not in BOOKKEEPING_TABLES]


def atomic_write(target: Path, write) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes it private; exports are for every reader
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _nested(dtype: pl.DataType) -> bool:
    return isinstance(dtype, (pl.List, pl.Array, pl.Struct))


def _ordered(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows in one order whatever order the warehouse returned them in."""
    keys = [pl.col(c) if not _nested(t) else pl.col(c).hash(seed=0) for c, t in frame.schema.items()]
    return frame.sort(keys, nulls_last=True, maintain_order=True) if keys else frame


def _csv_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """CSV has no nested values: lists and structs become JSON text."""
    nested = [c for c, t in frame.schema.items() if _nested(t)]
    return frame.with_columns(
        pl.Series(c, [None if v is None else json.dumps(v, default=str, sort_keys=True) for v in frame[c].to_list()],
                  dtype=pl.String) for c in nested)


def column_types(frame: pl.DataFrame) -> dict[str, str]:
    return {c: str(t) for c, t in frame.schema.items()}


def _write_pair(frame: pl.DataFrame, exports_dir: Path, folder: Path, stem: str, table: str,
                quarter: str | None, kind: str) -> list[dict]:
    parquet, csv = folder / f"{stem}.parquet", folder / f"{stem}.csv"
    atomic_write(parquet, lambda p: frame.write_parquet(p, compression="zstd", statistics=True))
    text = _csv_frame(frame)
    atomic_write(csv, lambda p: text.write_csv(p, datetime_format=CSV_DATETIME))
    return [{"table": table, "quarter": quarter, "kind": kind, "format": p.suffix[1:],
             "path": p.relative_to(exports_dir).as_posix(), "rows": frame.height,
             "bytes": p.stat().st_size, "sha256": sha256_file(p)} for p in (parquet, csv)]


def _remove_pair(folder: Path, stem: str) -> None:
    for suffix in (".parquet", ".csv"):
        (folder / f"{stem}{suffix}").unlink(missing_ok=True)


def _quarter_files(frame: pl.DataFrame, table: str, quarter: str, exports_dir: Path) -> list[dict]:
    folder = exports_dir / table / f"quarter={quarter}"
    if frame.height == 0:
        _remove_pair(folder, table)  # no rows now: drop what an earlier export left
        return []
    return _write_pair(frame, exports_dir, folder, table, table, quarter, "quarter")


def export_quarters(con: duckdb.DuckDBPyConnection, table: str, quarters: list[Quarter] | None,
                    exports_dir: Path) -> list[dict]:
    """`quarters` (all when None) of a quarterly table, one file pair per quarter, plus `latest.*`
    (the table's newest quarter, whichever run computed it); one read of the table."""
    exports_dir = Path(exports_dir)
    # names cannot be ? parameters: ident() admits only a plain identifier
    newest = con.execute(f"SELECT max(quarter) FROM {ident(table)}").fetchall()[0][0]
    wanted = None if quarters is None else sorted({q.label for q in quarters} | ({newest} if newest else set()))
    sql = f"SELECT * FROM {ident(table)}" + ("" if wanted is None else " WHERE quarter IN (SELECT unnest(?::VARCHAR[]))")
    rows = _ordered(query(con, sql, None if wanted is None else [wanted]))
    parts = {part["quarter"][0]: part for part in rows.partition_by("quarter", maintain_order=True)} if rows.height else {}
    files = []
    for label in (wanted if wanted is not None else sorted(parts)):
        if quarters is None or any(q.label == label for q in quarters):
            files.extend(_quarter_files(parts.get(label, rows.head(0)), table, label, exports_dir))
    latest = parts.get(newest, rows.head(0)) if newest else rows.head(0)
    folder = exports_dir / table
    if latest.height == 0:
        _remove_pair(folder, "latest")
    else:
        files.extend(_write_pair(latest, exports_dir, folder, "latest", table, newest, "latest"))
    return files


def export_reference(con: duckdb.DuckDBPyConnection, table: str, exports_dir: Path) -> list[dict]:
    """A table without quarters, whole, as of the last published refresh."""
    frame = _ordered(query(con, f"SELECT * FROM {ident(table)}"))
    return _write_pair(frame, Path(exports_dir), Path(exports_dir) / table, table, table, None, "table")


# Per quarter, every page of the responses its snapshots stand on (the newest whole response of
# each source and endpoint before the quarter's end, as snapshot_fetches picks them) and the
# curated files read: one query for all quarters.
QUARTERS_FETCHES_SQL = """
WITH cutoffs AS (SELECT unnest(?::VARCHAR[]) AS quarter, unnest(?::TIMESTAMP[]) AS cutoff),
groups AS (
    SELECT family, source, endpoint, group_id, min(observed_at) AS observed_at, max(requested_at) AS requested_at
    FROM raw_fetch WHERE endpoint NOT LIKE 'curated:%'
    GROUP BY family, source, endpoint, group_id
    HAVING bool_and(parsed_fetch_id IS NOT NULL AND error IS NULL)
), picked AS (
    SELECT c.quarter, g.group_id FROM cutoffs AS c JOIN groups AS g ON g.observed_at < c.cutoff
    QUALIFY row_number() OVER (PARTITION BY c.quarter, g.family, g.source, g.endpoint
                               ORDER BY g.observed_at DESC, g.requested_at DESC, g.group_id DESC) = 1
), curated AS (
    SELECT fetch_id FROM raw_fetch
    WHERE endpoint LIKE 'curated:%' AND parsed_fetch_id IS NOT NULL AND error IS NULL
    QUALIFY row_number() OVER (PARTITION BY family, source, endpoint ORDER BY requested_at DESC, fetch_id DESC) = 1
)
SELECT quarter, fetch_id FROM picked JOIN raw_fetch USING (group_id)
UNION SELECT c.quarter, k.fetch_id FROM cutoffs AS c CROSS JOIN curated AS k
"""


def quarters_fetch_ids(con: duckdb.DuckDBPyConnection, quarters: list[Quarter]) -> dict[str, list[str]]:
    out: dict[str, set[str]] = {q.label: set() for q in quarters}
    for label, fetch_id in con.execute(QUARTERS_FETCHES_SQL, [[q.label for q in quarters],
                                                              [q.end for q in quarters]]).fetchall():
        out[label].add(fetch_id)
    return {q: sorted(ids) for q, ids in out.items()}


def quarter_fetch_ids(con: duckdb.DuckDBPyConnection, quarter: Quarter) -> list[str]:
    return quarters_fetch_ids(con, [quarter])[quarter.label]


def breaking_changes(before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]) -> list[str]:
    """Columns a downstream reader relied on that are gone or changed type (added ones are fine)."""
    out = []
    for table, columns in sorted(before.items()):
        if table not in after:
            continue  # a table not exported this time (e.g. no rows yet) is not a column change
        for column, dtype in sorted(columns.items()):
            now = after[table].get(column)
            if now is None:
                out.append(f"{table}.{column} removed")
            elif now != dtype:
                out.append(f"{table}.{column} changed type {dtype} -> {now}")
    return out


@dataclass
class ExportResult:
    manifest: Path
    files: list[dict]
    breaking: list[str] = field(default_factory=list)
    schema_version: int = EXPORT_SCHEMA_VERSION


def read_manifest(exports_dir: Path) -> dict:
    path = Path(exports_dir) / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def export_all(con: duckdb.DuckDBPyConnection, exports_dir: Path, quarters: list[Quarter] | None,
               extra: dict) -> ExportResult:
    """Export `quarters` of every quarterly table (all quarters when None), every table's latest
    quarter and every reference table, then merge them into the manifest."""
    exports_dir = Path(exports_dir)
    files, columns = [], {}
    for table in quarterly_tables(con):
        files.extend(export_quarters(con, table, quarters, exports_dir))
        columns[table] = {"kind": "quarterly", "columns": _columns(con, table)}
    for table in reference_tables(con):
        files.extend(export_reference(con, table, exports_dir))
        columns[table] = {"kind": "reference", "columns": _columns(con, table)}
    touched = sorted({f["quarter"] for f in files if f["kind"] == "quarter"})
    fetches = {q: {"fetch_ids": ids} for q, ids in
               quarters_fetch_ids(con, [Quarter.parse(q) for q in touched]).items()}
    previous = read_manifest(exports_dir)
    breaking = breaking_changes({t: v["columns"] for t, v in previous.get("tables", {}).items()},
                                {t: v["columns"] for t, v in columns.items()})
    if previous.get("schema_version") != EXPORT_SCHEMA_VERSION:
        breaking = []  # the version was bumped: readers were told
    manifest = write_manifest(exports_dir, files, {**extra, "schema_version": EXPORT_SCHEMA_VERSION,
                                                   "tables": columns}, fetches)
    return ExportResult(manifest, files, breaking)


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return column_types(query(con, f"SELECT * FROM {ident(table)} LIMIT 0"))


def write_manifest(exports_dir: Path, files: list[dict], extra: dict, quarters: dict | None = None) -> Path:
    """Merge these files into exports/manifest.json (files of other quarters are kept)."""
    path = Path(exports_dir) / MANIFEST
    current = read_manifest(exports_dir) or {"files": []}
    written = {f["path"] for f in files}
    kept = [f for f in current.get("files", []) if f["path"] not in written and (Path(exports_dir) / f["path"]).exists()]
    known = {**current.get("quarters", {}), **(quarters or {})}
    listed = {f["quarter"] for f in kept + files if f.get("kind", "quarter") == "quarter"}
    manifest = {**current, **extra, "files": sorted(kept + files, key=lambda f: f["path"]),
                "quarters": {q: known[q] for q in sorted(known) if q in listed}}
    atomic_write(path, lambda p: p.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n"))
    return path


def _count_rows(path: Path) -> int:
    if path.suffix == ".parquet":
        return pl.read_parquet(path).height
    return pl.read_csv(path, infer_schema=False).height


def verify_exports(exports_dir: Path) -> list[str]:
    """Re-read every file the manifest lists: what is missing, altered or miscounted (empty = sound)."""
    exports_dir = Path(exports_dir)
    manifest = read_manifest(exports_dir)
    if not manifest:
        return [f"{exports_dir / MANIFEST}: no manifest"]
    problems = []
    for entry in manifest.get("files", []):
        path = exports_dir / entry["path"]
        if not path.exists():
            problems.append(f"{entry['path']}: missing")
            continue
        if path.stat().st_size != entry["bytes"]:
            problems.append(f"{entry['path']}: {path.stat().st_size} bytes, manifest says {entry['bytes']}")
        if sha256_file(path) != entry["sha256"]:
            problems.append(f"{entry['path']}: sha256 differs from the manifest")
        try:
            rows = _count_rows(path)
        except Exception as exc:  # an unreadable file is exactly what this check is for
            problems.append(f"{entry['path']}: unreadable ({exc.__class__.__name__}: {exc})")
            continue
        if rows != entry["rows"]:
            problems.append(f"{entry['path']}: {rows} rows, manifest says {entry['rows']}")
    return problems
