"""Dagster's SQLite storage with the event log's connections kept open.

Dagster's `SqliteEventLogStorage` builds a new SQLAlchemy engine and a new SQLite connection
for every read and every write, and closing the last connection of a WAL database checkpoints
it (an fsync). A refresh writes hundreds of events (one per step start, output, materialization
and check), so that open/close cycle was most of a replay refresh's wall time. This storage is
the same on disk (same folders, same schema, same WAL files; `dagster dev` and `ledger refresh`
can read each other's runs) but keeps one small connection pool per shard (the index and the
most recent run shards).

Two things the stock storage got for free from closing connections are kept explicitly:
- the webserver's live view of a running run watches the run shard's `.db` file, which a WAL
  database only touches when it checkpoints, so a passive checkpoint runs at most every
  `CHECKPOINT_EVERY_S` seconds per shard;
- `wipe()` deletes shard files, so the pools are closed before it and re-opened after.

Selected in dagster.yaml (`storage: custom:`); nothing else in the project depends on it.

Dagster has no public import path for its storage classes: dagster.yaml names them by their
`dagster._core.storage.*` modules, so this is the one module that imports from `dagster._core`.
Dagster is pinned exactly (constraints.txt), and tests/integration/test_dagster_storage.py fails
if an upgrade changes what this relies on (`_connect`, `_initdb`, the shard layout).
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as db
import yaml
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage
from dagster._serdes import ConfigurableClassData

# The stock storage's busy timeout (seconds): another process may hold the write lock briefly.
SQLITE_BUSY_TIMEOUT_S = 15
# Shards whose pools stay open; older ones are closed (a webserver reads many runs' shards).
MAX_OPEN_SHARDS = 8
# At most this long between a write to a shard and the `.db` file changing (see module doc).
CHECKPOINT_EVERY_S = 0.5


def event_logs_dir(base_dir: str) -> str:
    """Where Dagster's SQLite storage keeps the run shards under its `base_dir`."""
    return os.path.join(base_dir, "history", "runs", "")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` with one reused engine (and its connection pool) per shard."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, db.Engine] = OrderedDict()
        self._last_checkpoint: dict[str, float] = {}
        self._engines_lock = threading.Lock()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None,
                          config_value: Any) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> db.Engine:
        with self._engines_lock:
            engine = self._engines.get(shard)
            if engine is not None:
                self._engines.move_to_end(shard)
                return engine
            engine = db.create_engine(self.conn_string_for_shard(shard), pool_size=1, max_overflow=4,
                                      connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S,
                                                    "check_same_thread": False})
            self._engines[shard] = engine
            while len(self._engines) > MAX_OPEN_SHARDS:
                _, oldest = self._engines.popitem(last=False)
                oldest.dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Any]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn
                self._maybe_checkpoint(shard, conn)

    def _maybe_checkpoint(self, shard: str, conn: Any) -> None:
        now = time.monotonic()
        if now - self._last_checkpoint.get(shard, 0.0) < CHECKPOINT_EVERY_S:
            return
        self._last_checkpoint[shard] = now
        conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def close_pools(self) -> None:
        """Closes every pooled connection (checkpointing each WAL database as SQLite closes it)."""
        with self._engines_lock:
            engines = list(self._engines.values())
            self._engines.clear()
        for engine in engines:
            engine.dispose()

    def wipe(self) -> None:
        self.close_pools()
        super().wipe()

    def dispose(self) -> None:
        self.close_pools()
        super().dispose()


class LedgerSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage (same layout under `base_dir`) with the pooled event log."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        super().__init__(base_dir, inst_data=inst_data)   # run and schedule storages as Dagster builds them
        self._event_log_storage.dispose()                 # the stock event log it built: replaced below
        self._event_log_storage = PooledSqliteEventLogStorage(event_logs_dir(base_dir))

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData, config_value: Any) -> LedgerSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)

    @property
    def event_storage_data(self) -> ConfigurableClassData | None:
        return ConfigurableClassData(__name__, PooledSqliteEventLogStorage.__name__,
                                     yaml.dump({"base_dir": event_logs_dir(self.base_dir)},
                                               default_flow_style=False))


__all__ = ["LedgerSqliteStorage", "PooledSqliteEventLogStorage"]
