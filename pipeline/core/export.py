"""Exports for downstream tools: Parquet + CSV per table and quarter, written atomically.

`exports/<table>/quarter=YYYYQn/<table>.parquet|csv`. Rows are sorted on every column and the
writers' settings are fixed, so exporting an unchanged quarter again gives identical bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import duckdb
import polars as pl

from pipeline.core.quarters import Quarter
from pipeline.core.warehouse import query


def quarterly_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute("""
        SELECT table_name FROM information_schema.columns
        WHERE column_name = 'quarter' AND table_schema = 'main'
          AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE')
        ORDER BY table_name""").fetchall()
    return [r[0] for r in rows]


def _atomic_write(target: Path, write) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(fd)
    try:
        write(Path(tmp))
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


def export_quarter(con: duckdb.DuckDBPyConnection, table: str, quarter: Quarter, exports_dir: Path) -> list[dict]:
    frame = query(con, f"SELECT * FROM {table} WHERE quarter = ?", [quarter.label])
    if frame.height == 0:
        return []  # nothing for this quarter (before the first observation of the family)
    frame = frame.sort(frame.columns, nulls_last=True)
    folder = Path(exports_dir) / table / f"quarter={quarter.label}"
    parquet, csv = folder / f"{table}.parquet", folder / f"{table}.csv"
    _atomic_write(parquet, lambda p: frame.write_parquet(p, compression="zstd", statistics=True))
    _atomic_write(csv, lambda p: frame.write_csv(p, datetime_format="%Y-%m-%dT%H:%M:%S%.6f"))
    return [{"table": table, "quarter": quarter.label, "path": str(p.relative_to(exports_dir)),
             "rows": frame.height, "bytes": p.stat().st_size, "sha256": sha256_file(p)}
            for p in (parquet, csv)]


def write_manifest(exports_dir: Path, files: list[dict], extra: dict) -> Path:
    """Merge these files into exports/manifest.json (files of other quarters are kept)."""
    path = Path(exports_dir) / "manifest.json"
    current = json.loads(path.read_text()) if path.exists() else {"files": []}
    written = {f["path"] for f in files}
    kept = [f for f in current.get("files", []) if f["path"] not in written and (Path(exports_dir) / f["path"]).exists()]
    manifest = {**current, **extra, "files": sorted(kept + files, key=lambda f: f["path"])}
    _atomic_write(path, lambda p: p.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n"))
    return path
