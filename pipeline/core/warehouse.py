"""The DuckDB warehouse: DDL, the refresh lock, staging copies and atomic publication.

Write-audit-publish: a refresh copies the published file to `staging/<run_id>.duckdb`, writes
only there, and replaces the published file with one `os.replace` after every blocking check
has passed (pipeline/core/session.py publishes it together with the exports). Readers (`duckdb -readonly warehouse/ledger.duckdb`) never wait: nobody ever writes
the published file in place, and an open reader keeps the inode it opened.

The file is written in storage version v1.2.0 so that the DuckDB 1.x CLIs analysts have can
open it (DuckDB 2's default format is refused by 1.5).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import filelock
import polars as pl

from pipeline.core.paths import SQL_DIR, Paths

STORAGE_VERSION = "v1.2.0"
KEEP_FAILED_STAGINGS = 3
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    if read_only:
        return duckdb.connect(str(path), read_only=True)
    return duckdb.connect(str(path), config={"storage_compatibility_version": STORAGE_VERSION})


def query(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence | None = None) -> pl.DataFrame:
    """A query's result as a polars frame (fully consumed: the connection is free afterwards)."""
    return con.sql(sql, params=list(params) if params else None).pl()


def ident(name: str) -> str:
    """`name` for SQL text as a table or column name.

    Names cannot be `?` parameters, so the few statements that take a table or column from a
    variable put it in with this; it refuses anything but a plain lower-case identifier (our
    tables and columns are all that shape), so no value can change a statement's meaning.
    """
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """The columns `table` has in the main schema; none when the table is absent (an older warehouse)."""
    rows = con.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
                       "AND table_name = ?", [table]).fetchall()
    return {r[0] for r in rows}


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    """Insert a polars frame by column name."""
    if frame.height == 0:
        return 0
    sql = f"INSERT INTO {ident(table)} BY NAME SELECT * FROM _ledger_insert"
    con.register("_ledger_insert", frame)
    try:
        con.execute(sql)
    finally:
        con.unregister("_ledger_insert")
    return frame.height


def replace_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame,
                 quarter: str | None = None) -> int:
    """Replace every row of `table` (or, given `quarter`, that quarter's rows) with `frame`."""
    if quarter is None:
        con.execute(f"DELETE FROM {ident(table)}")
    else:
        con.execute(f"DELETE FROM {ident(table)} WHERE quarter = ?", [quarter])
    return insert_frame(con, table, frame)


def sql_files(sql_dir: Path = SQL_DIR) -> list[Path]:
    return sorted(p for p in sql_dir.glob("*.sql") if p.name[:3].isdigit())


def apply_ddl(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> list[str]:
    """Apply `warehouse/NNN_*.sql` in order, once each, recording them in schema_migrations.

    Files are idempotent (CREATE … IF NOT EXISTS / CREATE OR REPLACE VIEW). A file whose text
    changed after it was applied is applied again and its new hash recorded.
    """
    con.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
        applied_at TIMESTAMP NOT NULL)""")
    applied = {v: sha for v, sha in con.execute("SELECT version, sha256 FROM schema_migrations").fetchall()}
    done = []
    for path in sql_files(sql_dir):
        text = path.read_text(encoding="utf-8")
        digest = hashlib.sha256(text.encode()).hexdigest()
        version = int(path.name.split("_", 1)[0])
        if applied.get(version) == digest:
            continue
        try:
            con.execute(text)
        except duckdb.Error as exc:
            raise RuntimeError(f"warehouse DDL {path.name} failed: {exc}") from exc
        con.execute("INSERT OR REPLACE INTO schema_migrations VALUES (?, ?, ?, ?)",
                    [version, path.name, digest, datetime.now(timezone.utc).replace(tzinfo=None)])
        done.append(path.name)
    return done


class RefreshInProgress(RuntimeError):
    pass


class UnreadableWarehouse(RuntimeError):
    """The published file exists but DuckDB cannot open it."""


class RefreshLock:
    """One refresh at a time on this warehouse, across processes.

    An OS-level lock (filelock: flock on Linux, released by the OS if the holder dies) on
    `warehouse/.refresh.lock`; who holds it is written next to it, in `.refresh.holder.json`,
    so that a refused refresh can name the one that is running. A deployment whose Dagster
    instance is on PostgreSQL may use a lock held in the database instead (same interface).
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.holder_path = self.path.with_name(".refresh.holder.json")
        self._lock = filelock.FileLock(str(self.path), timeout=0)

    def holder(self) -> dict:
        try:
            return json.loads(self.holder_path.read_text(encoding="utf-8") or "{}")
        except (OSError, json.JSONDecodeError):
            return {}

    def refusal(self) -> RefreshInProgress:
        h = self.holder()
        return RefreshInProgress(
            f"refresh refused: refresh {h.get('run_id', '?')} (pid {h.get('pid', '?')}, started "
            f"{h.get('started_at', '?')}, mode {h.get('mode', '?')}) is still running on {self.path.parent}")

    def acquire(self, info: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except filelock.Timeout:
            raise self.refusal() from None
        tmp = self.holder_path.with_name(self.holder_path.name + ".tmp")
        tmp.write_text(json.dumps(info), encoding="utf-8")
        os.replace(tmp, self.holder_path)

    def release(self) -> None:
        if self._lock.is_locked:
            self.holder_path.unlink(missing_ok=True)
            self._lock.release(force=True)

    def is_held(self) -> bool:
        """Whether another process (or this one) holds the lock right now."""
        if self._lock.is_locked:
            return True
        probe = filelock.FileLock(str(self.path), timeout=0)
        try:
            probe.acquire()
        except filelock.Timeout:
            return True
        probe.release(force=True)
        return False


class Staging:
    """A run's private copy of the warehouse."""

    def __init__(self, paths: Paths, run_id: str):
        self.paths = paths
        self.run_id = run_id
        self.path = paths.staging_dir / f"{run_id}.duckdb"
        self.con: duckdb.DuckDBPyConnection | None = None
        self.published = False

    def open(self) -> duckdb.DuckDBPyConnection:
        self.paths.staging_dir.mkdir(parents=True, exist_ok=True)
        _set_aside_orphans(self.paths, keep=self.path)
        if self.paths.db.exists():
            try:
                shutil.copyfile(self.paths.db, self.path)
            except OSError as exc:
                # A disk-full copy is useless and takes the space the next run needs.
                self.path.unlink(missing_ok=True)
                raise OSError(exc.errno, f"cannot copy the published warehouse {self.paths.db} to "
                                         f"{self.path}: {exc.strerror or exc}") from exc
            try:
                self.con = connect(self.path)
            except duckdb.Error as exc:
                self.path.unlink(missing_ok=True)
                raise RuntimeError(f"the published warehouse {self.paths.db} cannot be opened ({exc}); "
                                   "it was left as it is and nothing was published: restore a good copy "
                                   "or move it aside to rebuild from the raw archive") from exc
        else:
            self.con = connect(self.path)
        from pipeline.core.upgrade import convert_old_tables, set_aside_old_tables

        old = set_aside_old_tables(self.con)
        apply_ddl(self.con)
        if old:
            convert_old_tables(self.con, old)
        return self.con

    def seal(self) -> Path:
        """Checkpoint and close the copy, flushed to disk, ready to replace the published file."""
        if self.con is None:
            raise RuntimeError("staging warehouse is not open")
        self.con.execute("CHECKPOINT")
        self.con.close()
        self.con = None
        wal = self.path.with_name(self.path.name + ".wal")
        if wal.exists():
            raise RuntimeError(f"staging warehouse {self.path} still has a WAL after checkpoint")
        with open(self.path, "rb") as fh:
            os.fsync(fh.fileno())
        return self.path

    def close(self) -> None:
        """After an unpublished run: keep the copy under staging/failed/ for inspection."""
        if self.con is not None:
            try:
                self.con.close()
            finally:
                self.con = None
        if not self.published and self.path.exists():
            _keep_failed(self.paths, self.path)


def _keep_failed(paths: Paths, path: Path) -> None:
    failed = paths.staging_dir / "failed"
    failed.mkdir(parents=True, exist_ok=True)
    os.replace(path, failed / path.name)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        os.replace(wal, failed / wal.name)
    kept = sorted(failed.glob("*.duckdb"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[KEEP_FAILED_STAGINGS:]:
        old.unlink(missing_ok=True)
        old.with_name(old.name + ".wal").unlink(missing_ok=True)


def _set_aside_orphans(paths: Paths, keep: Path) -> None:
    """Staging files left by a killed run (the caller holds the lock, so none is live)."""
    for orphan in paths.staging_dir.glob("*.duckdb"):
        if orphan != keep:
            _keep_failed(paths, orphan)


@contextmanager
def read_published(paths: Paths) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A read-only connection to the published warehouse, or None if nothing is published."""
    if not paths.db.exists():
        yield None
        return
    try:
        con = connect(paths.db, read_only=True)
    except duckdb.Error as exc:
        raise UnreadableWarehouse(f"the published warehouse {paths.db} cannot be opened ({exc}); "
                                  "restore a good copy or move it aside to rebuild from the raw archive") from None
    try:
        yield con
    finally:
        con.close()
