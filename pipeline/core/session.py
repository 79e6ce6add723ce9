"""One refresh's hold on the warehouse: the lock, the plan, the staging copy and publication.

A refresh begins by taking the refresh lock, finishing any publication a killed refresh left
half-done, reading what is published, planning, and copying the published warehouse to its
staging file; everything it computes goes there. Publication is one act: the staging
warehouse is checkpointed, the exports (files, manifest, dictionary, report) are written next to
the published ones from that staging file and verified, and only then are both swapped in — the
warehouse file by `os.replace`, the exports folder by an atomic exchange of two directories. An
intent record written just before the swap lets the next refresh finish a swap a kill
interrupted. A failed export, like any earlier failure, leaves the published warehouse and
exports exactly as they were.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from pipeline.core.plan import PublishedState, RefreshPlan
from pipeline.core.paths import Paths
from pipeline.core.warehouse import RefreshLock, Staging, connect, read_published

BUNDLED_MODES = ("bundled", "replay")
PUBLISHED_STATE = """
SELECT consistent_fingerprint FROM refresh_runs WHERE published_at IS NOT NULL
ORDER BY published_at DESC LIMIT 1
"""
BUNDLED_IDS = "SELECT fetch_id FROM raw_fetch WHERE mode IN (SELECT unnest(?::VARCHAR[]))"
RECORD_RUN = """
INSERT OR REPLACE INTO refresh_runs (run_id, mode, as_of, started_at, published_at, quarters, sources,
                                     quarters_reason, fingerprint, consistent_fingerprint)
VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)
"""
DATA_SUFFIXES = (".parquet", ".csv")


class ExportFailed(RuntimeError):
    """The exports could not be written or do not match their manifest: nothing was published."""


def published_state(paths: Paths) -> PublishedState:
    with read_published(paths) as con:
        if con is None:
            return PublishedState()
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        consistent = None
        if "refresh_runs" in tables:
            columns = {r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'refresh_runs'").fetchall()}
            if "consistent_fingerprint" in columns:
                row = con.execute(PUBLISHED_STATE).fetchall()
                consistent = row[0][0] if row else None
        ids = frozenset(r[0] for r in con.execute(BUNDLED_IDS, [list(BUNDLED_MODES)]).fetchall()) \
            if "raw_fetch" in tables else frozenset()
    return PublishedState(exists=True, consistent_fingerprint=consistent, bundled_fetch_ids=ids)


@dataclass
class PublishResult:
    warehouse: Path
    exports: Path
    detail: object  # what the export callback returned


class RunSession:
    def __init__(self, paths: Paths, plan: RefreshPlan, lock: RefreshLock, staging: Staging, started_at: datetime):
        self.paths, self.plan, self.lock, self.staging, self.started_at = paths, plan, lock, staging, started_at
        self.published: PublishResult | None = None

    @classmethod
    def begin(cls, paths: Paths, run_id: str, started_at: datetime, mode_hint: str,
              planner: Callable[[PublishedState], RefreshPlan]) -> RunSession:
        """Lock, recover, plan, stage. Raises RefreshInProgress when another refresh runs."""
        lock = refresh_lock(paths)
        lock.acquire({"run_id": run_id, "pid": os.getpid(), "mode": mode_hint,
                      "started_at": started_at.isoformat(timespec="seconds")})
        try:
            finish_interrupted_publish(paths)
            plan = planner(published_state(paths))
            staging = Staging(paths, run_id)
            con = staging.open()
            con.execute(RECORD_RUN, [run_id, plan.mode, plan.as_of, started_at,
                                     ",".join(q.label for q in plan.quarters), ",".join(plan.sources),
                                     plan.quarters_reason, plan.fingerprint, plan.consistent_fingerprint])
        except BaseException:
            lock.release()
            raise
        return cls(paths, plan, lock, staging, started_at)

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self.staging.con is None:
            raise RuntimeError("the staging warehouse is closed (published or failed)")
        return self.staging.con

    def publish(self, published_at: datetime,
                export: Callable[[duckdb.DuckDBPyConnection, Path], object]) -> PublishResult:
        """Checkpoint the staging warehouse, write and verify the exports beside the published
        ones (`export(read-only connection, folder)` raises ExportFailed), then swap both in."""
        self.con.execute("UPDATE refresh_runs SET published_at = ? WHERE run_id = ?",
                         [published_at, self.plan.run_id])
        db = self.staging.seal()
        exports = staging_exports_dir(self.paths, self.plan.run_id)
        prepare_exports(self.paths.exports_dir, exports)
        try:
            ro = connect(db, read_only=True)
            try:
                detail = export(ro, exports)
            finally:
                ro.close()
        except BaseException:
            shutil.rmtree(exports, ignore_errors=True)
            raise
        intent = _intent_path(self.paths)
        _write_json(intent, {"run_id": self.plan.run_id, "warehouse": str(db), "exports": str(exports)})
        _commit(self.paths, db, exports)
        intent.unlink(missing_ok=True)
        self.staging.published = True
        self.published = PublishResult(self.paths.db, self.paths.exports_dir, detail)
        return self.published

    def close(self) -> None:
        try:
            self.staging.close()
        finally:
            self.lock.release()


def refresh_lock(paths: Paths, environ: Mapping[str, str] = os.environ):
    """The refresh lock: PostgreSQL's advisory lock when the Dagster instance is on PostgreSQL
    (DAGSTER_PG_HOST set, as deploy/dagster.postgres.yaml reads), so that one refresh runs at a
    time across machines; else the file lock beside the warehouse. Same interface either way."""
    if environ.get("DAGSTER_PG_HOST"):
        from pipeline.scale_out.lock import select_refresh_lock

        return select_refresh_lock(paths.lock_file, environ)
    return RefreshLock(paths.lock_file)


def republish_exports(paths: Paths, label: str, write: Callable[[Path], object]) -> object:
    """`ledger export`: rewrite the exports from the published warehouse the same way a refresh
    publishes them — beside the published ones, verified by `write`, then swapped in — under
    the refresh lock, so that it never races a refresh."""
    lock = refresh_lock(paths)
    lock.acquire({"run_id": label, "pid": os.getpid(), "mode": "export",
                  "started_at": datetime.utcnow().isoformat(timespec="seconds")})
    try:
        finish_interrupted_publish(paths)
        folder = staging_exports_dir(paths, label)
        prepare_exports(paths.exports_dir, folder)
        try:
            detail = write(folder)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        _commit(paths, paths.staging_dir / f"{label}.absent", folder)
        return detail
    finally:
        lock.release()


def staging_exports_dir(paths: Paths, run_id: str) -> Path:
    # Beside the published folder: on the same filesystem, so that the swap is a rename.
    return paths.exports_dir.parent / f".{paths.exports_dir.name}.staging-{run_id}"


def prepare_exports(published: Path, staging: Path) -> None:
    """Start from the published exports: data files hard-linked (an export replaces a file, never
    rewrites it in place, so the published copy is never touched), every other file copied."""
    shutil.rmtree(staging, ignore_errors=True)
    if not published.is_dir():
        staging.mkdir(parents=True)
        return

    def link_or_copy(src: str, dst: str) -> None:
        if src.endswith(DATA_SUFFIXES):
            try:
                os.link(src, dst)
                return
            except OSError:
                pass
        shutil.copy2(src, dst)

    shutil.copytree(published, staging, copy_function=link_or_copy)


def _intent_path(paths: Paths) -> Path:
    return paths.staging_dir / "publishing.json"


def _write_json(path: Path, value: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(value, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _commit(paths: Paths, db: Path, exports: Path) -> None:
    """The swap (idempotent: a rerun after a kill finishes what is left)."""
    if db.exists():
        os.replace(db, paths.db)
        _fsync_dir(paths.warehouse_dir)
    if exports.exists():
        if paths.exports_dir.exists():
            exchange_dirs(exports, paths.exports_dir)
            shutil.rmtree(exports, ignore_errors=True)  # now the previous exports
        else:
            os.replace(exports, paths.exports_dir)
        _fsync_dir(paths.exports_dir.parent)


def finish_interrupted_publish(paths: Paths) -> str | None:
    """Roll forward a publication a kill interrupted after its intent was recorded (everything
    it swaps in was complete and verified by then). Returns the run id it finished, if any."""
    intent = _intent_path(paths)
    if not intent.exists():
        return None
    try:
        record = json.loads(intent.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        intent.unlink(missing_ok=True)  # a torn intent: written before anything was swapped
        return None
    _commit(paths, Path(record["warehouse"]), Path(record["exports"]))
    intent.unlink(missing_ok=True)
    return record.get("run_id")


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange_dirs(a: Path, b: Path) -> None:
    """Swap two directories in one step (Linux renameat2 RENAME_EXCHANGE): a reader sees the old
    folder or the new one, never none. Elsewhere, two renames (a brief moment without `b`)."""
    libc_name = ctypes.util.find_library("c")
    renameat2 = getattr(ctypes.CDLL(libc_name, use_errno=True), "renameat2", None) if libc_name else None
    if renameat2 is not None:
        if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
            return
    aside = b.with_name(b.name + ".previous")
    shutil.rmtree(aside, ignore_errors=True)
    os.replace(b, aside)
    os.replace(a, b)
    os.replace(aside, a)
