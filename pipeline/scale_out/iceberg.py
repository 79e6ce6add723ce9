"""Publication of the warehouse as Apache Iceberg tables, for readers on other machines and engines.

Reads the published DuckDB file read-only (so it never blocks a refresh) and writes every
published table — the ones `ledger export` writes: base tables, without the refresh bookkeeping
— as `ledger.<table>` in an Iceberg catalog. Each publish is one snapshot per table, tagged
`refresh-<run id>`; the first publish in which a quarter's figures are final (no quarterly
table marks it provisional) also tags each table `YYYYQn`, and that tag never moves: reading it
returns what the warehouse held at that publish.

What is atomic: each table's commit (schema change, snapshot, tags). What is not: the set of
tables — an export stopped halfway leaves the tables it committed at the new snapshot and the
others at their previous one, and running it again completes it without touching the first ones.
Readers who need several tables at one point pin the same tag on each (docs/scale-out.md).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.core.export import quarterly_tables, reference_tables
from pipeline.core.warehouse import connect, ident, table_columns
from pipeline.scale_out.commit import TableOutcome, publish_table
from pipeline.scale_out.target import IcebergExportError, IcebergTarget, redact

log = logging.getLogger("llm_ledger.iceberg")
_QUARTER = re.compile(r"^\d{4}Q[1-4]$")
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
PROVISIONAL_SQL = "SELECT quarter, bool_or(provisional) FROM {table} GROUP BY quarter"


@dataclass(frozen=True)
class IcebergExportResult:
    """Every table's outcome of one export, in table order."""

    target: str
    run_id: str
    tables: tuple[TableOutcome, ...]

    @property
    def snapshots_added(self) -> int:
        return sum(t.status != "unchanged" for t in self.tables)

    def summary(self) -> str:
        tags = sorted({tag for t in self.tables for tag in t.tags_added if not tag.startswith("refresh-")})
        return (f"iceberg: {len(self.tables)} tables, {self.snapshots_added} new snapshot(s), "
                f"{len(self.tables) - self.snapshots_added} unchanged; quarter tags added: "
                f"{', '.join(tags) or 'none'}; {self.target}")


def published_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The warehouse's published base tables (what `ledger export` writes), sorted."""
    return sorted(set(quarterly_tables(con)) | set(reference_tables(con)))


def final_quarters(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Quarters that some quarterly table holds and no quarterly table marks provisional."""
    provisional: dict[str, bool] = {}
    for table in quarterly_tables(con):
        if "provisional" not in table_columns(con, table):
            continue
        for quarter, any_provisional in con.execute(PROVISIONAL_SQL.format(table=ident(table))).fetchall():
            if quarter is not None:
                provisional[quarter] = provisional.get(quarter, False) or bool(any_provisional)
    return sorted(q for q, p in provisional.items() if not p and _QUARTER.match(q))


def final_quarters_in(warehouse_db: Path) -> list[str]:
    """`final_quarters` of a warehouse file, read-only."""
    con = connect(Path(warehouse_db), read_only=True)
    try:
        return final_quarters(con)
    finally:
        con.close()


def export_to_iceberg(warehouse_db: Path, target: IcebergTarget, *, run_id: str, final_quarters: list[str],
                      environ: Mapping[str, str] = os.environ) -> IcebergExportResult:
    """Publish every table of `warehouse_db` to `target`: one snapshot per changed table, tagged.

    `final_quarters` are the quarters whose figures this publish holds as final; each one a
    table has no tag for yet is tagged on this publish's snapshot. Each table's commit is
    logged (llm_ledger.iceberg). Raises IcebergExportError (no secret in its text) at the first
    table that fails; the tables before it stay committed.
    """
    if not _RUN_ID.match(run_id or ""):
        raise IcebergExportError(f"run id {run_id!r} cannot name an Iceberg tag (letters, digits, . _ -)")
    bad = [q for q in final_quarters if not _QUARTER.match(q)]
    if bad:
        raise IcebergExportError(f"not quarter labels (YYYYQn): {', '.join(map(str, bad))}")
    warehouse_db = Path(warehouse_db)
    if not warehouse_db.exists():
        raise IcebergExportError(f"nothing to export: no published warehouse at {warehouse_db}")
    catalog = target.load_catalog(environ)
    _guarded(target, environ, "namespace " + target.namespace, catalog.create_namespace_if_not_exists,
             target.namespace)
    outcomes = []
    con = connect(warehouse_db, read_only=True)
    try:
        for table in published_tables(con):
            data = con.sql(f"SELECT * FROM {ident(table)} ORDER BY ALL").to_arrow_table()
            identifier = f"{target.namespace}.{table}"
            outcome = _guarded(target, environ, f"table {identifier}", publish_table,
                               catalog, identifier, table, data, run_id, sorted(set(final_quarters)))
            log.info("iceberg %-28s %-9s snapshot %s%s", table, outcome.status, outcome.snapshot_id,
                     f" tags {', '.join(outcome.tags_added)}" if outcome.tags_added else "")
            outcomes.append(outcome)
    finally:
        con.close()
    return IcebergExportResult(target.describe(), run_id, tuple(outcomes))


def _guarded(target: IcebergTarget, environ: Mapping[str, str], what: str, action: Callable, *args):
    # The message is built here and raised outside the handler, so that the driver's exception
    # (whose text or attributes may hold a secret) is not chained to the one callers log.
    try:
        return action(*args)
    except IcebergExportError as exc:
        message = redact(f"{what}: {exc}", target, environ)
    except Exception as exc:  # noqa: BLE001 - catalog, storage and driver errors alike
        message = redact(f"{what} was not published to {target.describe()}: {type(exc).__name__}: {exc}",
                         target, environ)
    raise IcebergExportError(message)
