"""`ledger export --to iceberg` and the publish step's hook, both over `export_to_iceberg`.

The CLI publishes the warehouse as it is: the run id of its tags is the refresh that published
the file (`refresh_runs`), so exporting again after a refresh adds that refresh's tag, and
exporting twice adds nothing. `publish_configured` is what a published refresh calls: it does
nothing unless LEDGER_ICEBERG_CATALOG / LEDGER_ICEBERG_WAREHOUSE are set.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path

import duckdb

from pipeline.core.warehouse import connect
from pipeline.scale_out.iceberg import IcebergExportResult, export_to_iceberg, final_quarters_in
from pipeline.scale_out.target import ENV_CATALOG, ENV_WAREHOUSE, IcebergExportError, IcebergTarget

LAST_PUBLISHED_RUN_SQL = """
SELECT run_id FROM refresh_runs ORDER BY published_at DESC NULLS LAST, started_at DESC LIMIT 1"""
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def published_run_id(warehouse_db: Path) -> str:
    """The refresh that published `warehouse_db`, or a name derived from the file's bytes."""
    con = connect(Path(warehouse_db), read_only=True)
    try:
        row = con.execute(LAST_PUBLISHED_RUN_SQL).fetchone()
    except duckdb.Error:  # no refresh_runs table (a warehouse not written by a refresh)
        row = None
    finally:
        con.close()
    if row and row[0]:
        return str(row[0])
    digest = hashlib.sha256(Path(warehouse_db).read_bytes()).hexdigest()
    return f"file-{digest[:16]}"


def export_iceberg(warehouse_db: Path, catalog: str | None, warehouse: str | None,
                   echo: Callable[..., None], environ: Mapping[str, str] = os.environ) -> int:
    """What `ledger export --to iceberg` does; its exit code (0 done, 1 failed, 2 nothing to do or no target)."""
    warehouse_db = Path(warehouse_db)
    if not warehouse_db.exists():
        echo(f"error: nothing published yet at {warehouse_db} (run `ledger refresh` first)", err=True)
        return EXIT_USAGE
    try:
        target = IcebergTarget.resolve(catalog or environ.get(ENV_CATALOG), warehouse or environ.get(ENV_WAREHOUSE, ""))
    except IcebergExportError as exc:
        echo(f"error: {exc} (--catalog URI --warehouse LOCATION, or {ENV_CATALOG} / {ENV_WAREHOUSE})", err=True)
        return EXIT_USAGE
    try:
        run_id = published_run_id(warehouse_db)
        result = export_to_iceberg(warehouse_db, target, run_id=run_id, final_quarters=final_quarters_in(warehouse_db),
                                   environ=environ)
    except IcebergExportError as exc:
        echo(f"error: {exc}", err=True)
        echo("tables committed before the error keep their new snapshot; run the same command again "
             "to publish the rest", err=True)
        return EXIT_FAILED
    for table in result.tables:
        changes = f" ({'; '.join(table.schema_changes)})" if table.schema_changes else ""
        tags = f" +tags {', '.join(table.tags_added)}" if table.tags_added else ""
        echo(f"  {table.table:<28} {table.status:<9} {table.rows:>8} rows  snapshot {table.snapshot_id}{tags}{changes}")
    echo(result.summary())
    return EXIT_OK


def publish_configured(warehouse_db: Path, run_id: str,
                       environ: Mapping[str, str] = os.environ) -> IcebergExportResult | None:
    """After a published refresh: export to the configured Iceberg target, or None if none is set."""
    target = IcebergTarget.from_env(environ)
    if target is None:
        return None
    return export_to_iceberg(Path(warehouse_db), target, run_id=run_id,
                             final_quarters=final_quarters_in(warehouse_db), environ=environ)
