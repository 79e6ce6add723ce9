"""One refresh at a time across machines: a PostgreSQL advisory lock.

The file lock (`RefreshLock` in pipeline/core/warehouse.py) holds on one machine only. When the
Dagster instance is on PostgreSQL, every machine that may start a refresh reaches the same
database, so the lock lives there: a session-level `pg_try_advisory_lock` on a fixed key, held by
the connection this object keeps open. PostgreSQL releases it when that session ends — a
released lock, a closed connection, a killed process or a lost network alike — so a dead holder
never blocks the next refresh. Who holds it (run id, pid, host, start) is kept in a small table
for the refusal message; a row whose session no longer holds the lock is ignored.

Same interface as `RefreshLock`: acquire(info), release(), holder(), is_held().
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import psycopg2.errors

from pipeline.core.warehouse import RefreshInProgress, RefreshLock

# Fixed across the deployment: every process must ask for the same key ("ledgeref" in ASCII).
LOCK_KEY = 0x6C6564676572_6566 & 0x7FFF_FFFF_FFFF_FFFF
HOLDER_DDL = """
CREATE TABLE IF NOT EXISTS ledger_refresh_lock (
    lock_key    BIGINT PRIMARY KEY,
    backend_pid INTEGER NOT NULL,
    info        JSONB NOT NULL,
    acquired_at TIMESTAMPTZ NOT NULL DEFAULT now()
)"""
# The holder row counts only while its session still holds the advisory lock.
HOLDER_SQL = """
SELECT h.info, h.backend_pid FROM ledger_refresh_lock AS h
JOIN pg_locks AS l ON l.locktype = 'advisory' AND l.granted AND l.pid = h.backend_pid
     AND l.objsubid = 1 AND ((l.classid::bigint << 32) | l.objid::bigint) = h.lock_key
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
WHERE h.lock_key = %s"""
HELD_SQL = """
SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND ((classid::bigint << 32) | objid::bigint) = %s"""
UPSERT_SQL = """
INSERT INTO ledger_refresh_lock (lock_key, backend_pid, info) VALUES (%s, pg_backend_pid(), %s)
ON CONFLICT (lock_key) DO UPDATE SET backend_pid = EXCLUDED.backend_pid, info = EXCLUDED.info, acquired_at = now()"""


def conninfo_from_env(environ=os.environ) -> dict[str, str]:
    """Connection settings from the variables deploy/dagster.postgres.yaml reads (DAGSTER_PG_*);
    unset ones fall to libpq's own (PGHOST, PGPASSWORD…)."""
    names = {"host": "DAGSTER_PG_HOST", "port": "DAGSTER_PG_PORT", "user": "DAGSTER_PG_USERNAME",
             "password": "DAGSTER_PG_PASSWORD", "dbname": "DAGSTER_PG_DB"}
    return {key: environ[name] for key, name in names.items() if environ.get(name)}


@dataclass
class PostgresRefreshLock:
    """The refresh lock of a deployment whose Dagster instance is on PostgreSQL."""

    conninfo: dict[str, str] = field(default_factory=conninfo_from_env)
    key: int = LOCK_KEY
    _con: object = field(default=None, repr=False)

    def where(self) -> str:
        """The database, for messages (never the password)."""
        c = self.conninfo
        return f"PostgreSQL {c.get('host', 'localhost')}:{c.get('port', 5432)}/{c.get('dbname', c.get('user', ''))}"

    def _connect(self):
        con = psycopg2.connect(application_name="llm-ledger refresh lock", connect_timeout=10, **self.conninfo)
        con.autocommit = True
        return con

    def acquire(self, info: dict) -> None:
        con = self._connect()
        try:
            with con.cursor() as cur:
                cur.execute("SELECT pg_try_advisory_lock(%s)", [self.key])
                (got,) = cur.fetchone()
                if got:  # only the holder writes the table: two sessions never race to create it
                    cur.execute(HOLDER_DDL)
                    holder = {"host": socket.gethostname(), **info}
                    cur.execute(UPSERT_SQL, [self.key, json.dumps(holder, default=str)])
        except BaseException:
            con.close()
            raise
        if not got:
            con.close()
            raise self.refusal()
        self._con = con

    def refusal(self) -> RefreshInProgress:
        h = self.holder()
        return RefreshInProgress(
            f"refresh refused: refresh {h.get('run_id', '?')} (pid {h.get('pid', '?')} on host "
            f"{h.get('host', '?')}, started {h.get('started_at', '?')}, mode {h.get('mode', '?')}) "
            f"is still running; the lock is held in {self.where()}")

    def release(self) -> None:
        if self._con is None:
            return
        con, self._con = self._con, None
        try:
            with con.cursor() as cur:
                cur.execute("DELETE FROM ledger_refresh_lock WHERE lock_key = %s AND backend_pid = pg_backend_pid()",
                            [self.key])
                cur.execute("SELECT pg_advisory_unlock(%s)", [self.key])
        finally:
            con.close()  # ends the session: the lock goes with it even if the unlock failed

    def holder(self) -> dict:
        """The running refresh's info, or {} when no session holds the lock."""
        con = self._connect()
        try:
            with con.cursor() as cur:
                cur.execute(HOLDER_SQL, [self.key])
                row = cur.fetchone()
        except psycopg2.errors.UndefinedTable:
            return {}
        finally:
            con.close()
        return dict(row[0], backend_pid=row[1]) if row else {}

    def is_held(self) -> bool:
        con = self._connect()
        try:
            with con.cursor() as cur:
                cur.execute(HELD_SQL, [self.key])
                return cur.fetchone()[0] > 0
        finally:
            con.close()


def select_refresh_lock(lock_file: Path, environ=os.environ):
    """The lock a refresh should take: PostgreSQL's when the instance is there (DAGSTER_PG_HOST set,
    as deploy/dagster.postgres.yaml needs), else the file lock beside the warehouse."""
    if environ.get("DAGSTER_PG_HOST"):
        return PostgresRefreshLock(conninfo_from_env(environ))
    return RefreshLock(lock_file)
