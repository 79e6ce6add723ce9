"""Dagster resources: the clock, the HTTP client and the run's hold on the warehouse.

They wrap the pure core (pipeline/core); assets get everything they touch from here.
pipeline/definitions.py binds them to every asset of the folder.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from pipeline.core.archive import RawArchive
from pipeline.core.fetch_records import utcnow
from pipeline.core.http import HttpClient, HttpPolicy
from pipeline.core.paths import Paths
from pipeline.core.plan import RefreshPlan, make_plan
from pipeline.core.session import RunSession
from pipeline.core.sources import discover_sources
from pipeline.defs.settings import RefreshSettings


_POLICY = HttpPolicy()


class Clock(dg.ConfigurableResource):
    """The time a refresh starts: what `live` and `auto` stamp their fetches with."""

    def now(self) -> datetime:
        return utcnow()


class HttpResource(dg.ConfigurableResource):
    """The one HTTP client: timeouts, retries, size cap, per-host limit, allowed redirects.
    Each setting's default is HttpPolicy's (pipeline/core/http.py), the one place it is declared."""

    connect_timeout_s: float = _POLICY.connect_timeout_s
    read_timeout_s: float = _POLICY.read_timeout_s
    total_timeout_s: float = _POLICY.total_timeout_s
    max_attempts: int = _POLICY.max_attempts
    backoff_initial_s: float = _POLICY.backoff_initial_s
    backoff_max_s: float = _POLICY.backoff_max_s
    retry_after_cap_s: float = _POLICY.retry_after_cap_s
    max_body_bytes: int = _POLICY.max_body_bytes
    per_host_limit: int = _POLICY.per_host_limit
    # Serve an origin from elsewhere: {"https://openrouter.ai": "http://127.0.0.1:8123"}.
    origin_overrides: dict[str, str] = {}

    def client(self) -> HttpClient:
        settings = {f.name: getattr(self, f.name) for f in fields(HttpPolicy) if f.name in type(self).model_fields}
        return HttpClient(policy=HttpPolicy(**settings), origin_overrides=dict(self.origin_overrides))


class WarehouseResource(dg.ConfigurableResource):
    """The run's session on the warehouse: lock, plan, staging copy, publication."""

    warehouse_dir: str | None = None
    exports_dir: str | None = None

    _session: RunSession | None = PrivateAttr(default=None)
    _run_id: str = PrivateAttr(default="adhoc")

    def paths(self) -> Paths:
        base = Paths.from_env()
        return Paths(warehouse_dir=Path(self.warehouse_dir).resolve() if self.warehouse_dir else base.warehouse_dir,
                     exports_dir=Path(self.exports_dir).resolve() if self.exports_dir else base.exports_dir)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._run_id = context.run.run_id if context.run else "adhoc"

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def begin(self, settings: RefreshSettings, now: datetime) -> RefreshPlan:
        """Take the refresh lock and plan this run (the job's first step). Raises RefreshInProgress
        when another refresh holds the warehouse, PlanError when the settings cannot be run."""
        if self._session is not None:
            return self._session.plan
        inputs = settings.inputs()
        sources = discover_sources()
        self._session = RunSession.begin(
            self.paths(), self._run_id, now, inputs.mode,
            lambda state: make_plan(inputs, state, self._run_id, now, sources))
        return self._session.plan

    def session(self) -> RunSession:
        """The session the plan step began; a run launched without that step plans with the
        default settings here (e.g. a subset of assets materialized from the UI)."""
        if self._session is None:
            self.begin(RefreshSettings(), utcnow())
        return self._session

    def archive(self) -> RawArchive:
        return RawArchive(self.paths().raw_dir)
