"""One table's publish to Iceberg: its schema change, one snapshot and its tags, in one commit.

The table's whole content is replaced by the warehouse's (an OVERWRITE snapshot that removes the
previous data files from the new snapshot and adds the new ones; the old snapshots keep theirs),
and the refresh tag and any new quarter tags point at it. Everything goes through one Iceberg
transaction, so the catalog moves the table from its previous metadata to the new one in one
atomic step: a reader sees the old snapshot or the new one, tagged, never a part. A new table
is created by the same commit (a staged create), so no reader ever sees it empty.

The snapshot summary carries the content's sha256: publishing content the table already holds
adds no snapshot (only the tags it lacks), which makes an export safe to repeat.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pyarrow as pa
from pyiceberg.exceptions import NoSuchTableError
from pyiceberg.io import load_file_io
from pyiceberg.io.pyarrow import bin_pack_arrow_table, pyarrow_to_schema, write_file
from pyiceberg.table import WriteTask
from pyiceberg.table.update.snapshot import ManageSnapshots

from pipeline.scale_out.schema import conform, content_hash, evolution, table_comment, wanted_schema

SUMMARY_HASH = "ledger.content-sha256"
SUMMARY_RUN = "ledger.run-id"
# Uncompressed Arrow bytes per data file; Parquet with zstd is several times smaller.
TARGET_FILE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class TableOutcome:
    """What one publish did to one Iceberg table."""

    table: str
    status: str  # "created", "updated" or "unchanged"
    snapshot_id: int
    rows: int
    tags_added: tuple[str, ...] = ()
    schema_changes: tuple[str, ...] = ()


def refresh_tag(run_id: str) -> str:
    return f"refresh-{run_id}"


def publish_table(catalog, identifier: str, table: str, data: pa.Table, run_id: str,
                  quarter_tags: list[str]) -> TableOutcome:
    """Make `identifier` hold exactly `data`; tag that snapshot with the refresh and new quarters."""
    wanted = wanted_schema(table, data)
    summary = {SUMMARY_HASH: content_hash(data, wanted), SUMMARY_RUN: run_id}
    tags = [refresh_tag(run_id), *quarter_tags]
    try:
        existing = catalog.load_table(identifier)
    except NoSuchTableError:
        properties = {"comment": table_comment(table)} if table_comment(table) else {}
        tx = catalog.create_table_transaction(identifier, schema=wanted, properties=properties)
        with tx:
            snapshot_id = _overwrite(catalog, tx, table, [], data, summary)
            _tag(tx, snapshot_id, tags)
        return TableOutcome(table, "created", snapshot_id, data.num_rows, tuple(tags))

    current = existing.current_snapshot()
    if current is not None and current.summary.additional_properties.get(SUMMARY_HASH) == summary[SUMMARY_HASH]:
        missing = [t for t in tags if existing.metadata.snapshot_by_name(t) is None]
        if missing:
            with existing.manage_snapshots() as ms:
                for tag in missing:
                    ms.create_tag(current.snapshot_id, tag)
        return TableOutcome(table, "unchanged", current.snapshot_id, data.num_rows, tuple(missing))

    old_files = [task.file for task in existing.scan().plan_files()] if current is not None else []
    union, changes = evolution(wanted, existing.schema().as_arrow(), data)
    missing = [t for t in tags if existing.metadata.snapshot_by_name(t) is None]
    with existing.transaction() as tx:
        if changes or _docs_differ(union, existing.schema().as_arrow()):
            with tx.update_schema() as update:
                update.union_by_name(union)  # also relaxes the columns `union` makes optional
        snapshot_id = _overwrite(catalog, tx, table, old_files, data, summary)
        _tag(tx, snapshot_id, missing)
    return TableOutcome(table, "updated", snapshot_id, data.num_rows, tuple(missing), tuple(changes))


def _overwrite(catalog, tx, table: str, old_files: list, data: pa.Table, summary: dict[str, str]) -> int:
    """Stage one snapshot replacing `old_files` with `data`; its id."""
    metadata = tx.table_metadata
    schema = metadata.schema()
    rows = conform(data, schema.as_arrow(), table)
    io = load_file_io(catalog.properties, metadata.location)
    with tx.update_snapshot(snapshot_properties=summary).overwrite() as overwrite:
        for data_file in old_files:
            overwrite.delete_data_file(data_file)
        if rows.num_rows:
            task_schema = pyarrow_to_schema(rows.schema, name_mapping=schema.name_mapping,
                                            format_version=metadata.format_version)
            counter = itertools.count()
            tasks = (WriteTask(write_uuid=overwrite.commit_uuid, task_id=next(counter), schema=task_schema,
                               record_batches=batches)
                     for batches in bin_pack_arrow_table(rows, TARGET_FILE_BYTES))
            for data_file in write_file(io=io, table_metadata=metadata, tasks=tasks):
                overwrite.append_data_file(data_file)
    return tx.table_metadata.current_snapshot().snapshot_id


def _tag(tx, snapshot_id: int, tags: list[str]) -> None:
    if tags:
        manage = ManageSnapshots(tx)
        for tag in tags:
            manage.create_tag(snapshot_id, tag)
        manage.commit()


def _docs_differ(union: pa.Schema, current: pa.Schema) -> bool:
    docs = {f.name: (f.metadata or {}).get(b"doc") for f in current}
    return any(f.metadata and f.metadata.get(b"doc") != docs.get(f.name) for f in union if f.name in docs)

