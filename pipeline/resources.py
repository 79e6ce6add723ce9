"""Dagster resources: run settings, the HTTP client, and the staging warehouse.

They wrap the pure core (pipeline/core); assets get everything they touch from here.
"""


import os
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from pipeline.core.archive import RawArchive
from pipeline.core.fetch_records import FetchPlan, utcnow
from pipeline.core.http import HttpClient, HttpPolicy
from pipeline.core.paths import CURATED_DIR, Paths
from pipeline.core.quarters import Quarter, quarter_range
from pipeline.core.warehouse import RefreshLock, Staging


def _paths(warehouse_dir: str | None, exports_dir: str | None) -> Paths:
    base = Paths.from_env()
    return Paths(warehouse_dir=Path(warehouse_dir).resolve() if warehouse_dir else base.warehouse_dir,
                 exports_dir=Path(exports_dir).resolve() if exports_dir else base.exports_dir)


class LedgerSettings(dg.ConfigurableResource):
    """What this run does: the source mode, the as-of time, the curated inputs, a file to ingest."""

    mode: str = "auto"
    as_of: str | None = None  # ISO date-time (UTC); default: now
    curated_dir: str | None = None
    assumptions_file: str | None = None
    ingest_file: str | None = None
    ingest_observed_at: str | None = None
    ingest_endpoint: str | None = None
    # `ledger backfill`: the quarters to rebuild (YYYYQn), the history list, the run's bounds.
    backfill_from: str | None = None
    backfill_to: str | None = None
    history_file: str | None = None
    backfill_max_requests: int = 300
    backfill_max_wait_s: float = 300.0
    backfill_pause_s: float = 1.0

    def as_of_time(self) -> datetime:
        return datetime.fromisoformat(self.as_of).replace(tzinfo=None) if self.as_of else utcnow()

    def running_quarter(self) -> Quarter:
        return Quarter.of(self.as_of_time())

    def curated_path(self) -> Path:
        return Path(self.curated_dir).resolve() if self.curated_dir else CURATED_DIR

    def plan(self, run_id: str) -> FetchPlan:
        observed = (datetime.fromisoformat(self.ingest_observed_at).replace(tzinfo=None)
                    if self.ingest_observed_at else None)
        return FetchPlan(mode=self.mode, as_of=self.as_of_time(), run_id=run_id,
                         curated_dir=self.curated_path(),
                         ingest_file=Path(self.ingest_file) if self.ingest_file else None,
                         ingest_observed_at=observed, ingest_endpoint=self.ingest_endpoint,
                         env=dict(os.environ), backfill_quarters=tuple(self.backfill_quarters()),
                         history_file=Path(self.history_file) if self.history_file else None,
                         backfill_max_requests=self.backfill_max_requests,
                         backfill_max_wait_s=self.backfill_max_wait_s, backfill_pause_s=self.backfill_pause_s)

    def backfill_quarters(self) -> list[Quarter]:
        if not self.backfill_from:
            return []
        last = Quarter.parse(self.backfill_to) if self.backfill_to else self.running_quarter()
        return quarter_range(Quarter.parse(self.backfill_from), last)


class HttpResource(dg.ConfigurableResource):
    """The one HTTP client: timeouts, retries, size cap, per-host limit, allowed redirects."""

    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0
    total_timeout_s: float = 300.0
    max_attempts: int = 4
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 30.0
    retry_after_cap_s: float = 120.0
    max_body_bytes: int = 64 * 1024 * 1024
    per_host_limit: int = 2
    # Serve an origin from elsewhere: {"https://openrouter.ai": "http://127.0.0.1:8123"}.
    origin_overrides: dict[str, str] = {}

    def client(self) -> HttpClient:
        policy = HttpPolicy(connect_timeout_s=self.connect_timeout_s, read_timeout_s=self.read_timeout_s,
                            total_timeout_s=self.total_timeout_s,
                            max_attempts=self.max_attempts, backoff_initial_s=self.backoff_initial_s,
                            backoff_max_s=self.backoff_max_s, retry_after_cap_s=self.retry_after_cap_s,
                            max_body_bytes=self.max_body_bytes, per_host_limit=self.per_host_limit)
        return HttpClient(policy=policy, origin_overrides=dict(self.origin_overrides))


class WarehouseResource(dg.ConfigurableResource):
    """The run's staging copy of the warehouse, under the refresh lock; publishes atomically."""

    warehouse_dir: str | None = None
    exports_dir: str | None = None

    _staging: Staging | None = PrivateAttr(default=None)
    _lock: RefreshLock | None = PrivateAttr(default=None)

    def paths(self) -> Paths:
        return _paths(self.warehouse_dir, self.exports_dir)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        paths = self.paths()
        run_id = context.run.run_id if context.run else "adhoc"
        lock = RefreshLock(paths.lock_file)
        lock.acquire({"run_id": run_id, "pid": os.getpid(),
                      "started_at": utcnow().isoformat(timespec="seconds"),
                      "mode": (context.run.tags or {}).get("ledger/mode", "?")
                      if context.run else "?"})
        self._lock = lock
        try:
            self._staging = Staging(paths, run_id)
            self._staging.open()
        except BaseException:
            lock.release()
            raise

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        try:
            if self._staging is not None:
                self._staging.close()
        finally:
            if self._lock is not None:
                self._lock.release()

    def con(self) -> duckdb.DuckDBPyConnection:
        if self._staging is None or self._staging.con is None:
            raise RuntimeError("the staging warehouse is not open (already published, or not set up)")
        return self._staging.con

    def archive(self) -> RawArchive:
        return RawArchive(self.paths().raw_dir)

    def publish(self) -> Path:
        if self._staging is None:
            raise RuntimeError("nothing staged to publish")
        return self._staging.publish()
