"""Launching a refresh: the `refresh` job, in-process, with one settings object.

`ledger refresh`, `ledger ingest` and `ledger backfill` are thin launchers over this; the job
itself plans, holds the lock, fetches, computes and publishes (pipeline/defs/), so a run
launched here leaves exactly the trace a scheduled or UI-launched run leaves.
"""

from __future__ import annotations

import time
from pathlib import Path

import dagster as dg

from pipeline.app.runs import RunSummary, summarize
from pipeline.core.paths import Paths
from pipeline.core.sources import discover_sources
from pipeline.defs.settings import RefreshSettings


def selection(defs: dg.Definitions, only: list[str]) -> list[dg.AssetKey] | None:
    """--only narrows the sources fetched; the plan, registries, snapshots, marts and publication run."""
    if not only:
        return None
    sources = {s.name: s for s in discover_sources()}
    source_keys = {dg.AssetKey([s.family, s.name]) for s in sources.values()}
    chosen = {dg.AssetKey([sources[n].family, n]) for n in only if n in sources}
    return [spec.key for spec in defs.resolve_all_asset_specs() if spec.key not in source_keys or spec.key in chosen]


def run_config(settings: RefreshSettings, paths: Paths | None, http: dict | None) -> dict:
    warehouse = {"warehouse_dir": str(paths.warehouse_dir), "exports_dir": str(paths.exports_dir)} if paths else {}
    return {"ops": {"refresh_plan": {"config": settings.model_dump(exclude_defaults=True)}},
            "resources": {"http": {"config": dict(http or {})}, "warehouse": {"config": warehouse}},
            "loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def run_refresh(settings: RefreshSettings, *, paths: Paths | None = None, http: dict | None = None,
                instance: dg.DagsterInstance | None = None, defs: dg.Definitions | None = None,
                tags: dict | None = None) -> RunSummary:
    """Run the refresh job in this process and summarise it. `defs`: the code location to run
    (default: pipeline.definitions; tests build one with a fixed clock); `http` configures the
    HTTP client (timeouts, mirrors…)."""
    from pipeline.definitions import REFRESH_JOB

    if defs is None:
        from pipeline.definitions import defs
    job = defs.resolve_job_def(REFRESH_JOB)
    started = time.monotonic()
    result = job.execute_in_process(
        run_config=run_config(settings, paths, http), instance=instance or dg.DagsterInstance.get(),
        raise_on_error=False, asset_selection=selection(defs, settings.only),
        tags={"ledger/launched_by": "cli", **(tags or {})})
    summary = summarize(result.run_id, result.all_events, status="SUCCESS" if result.success else "FAILURE")
    summary.seconds = round(time.monotonic() - started, 2)
    resolved = paths or Paths.from_env()
    summary.warehouse = summary.warehouse or str(resolved.db)
    summary.exports = summary.exports or str(resolved.exports_dir)
    if settings.mode == "backfill":
        from pipeline.core.history_sources import HistoryLog

        summary.backfill = HistoryLog(resolved.raw_dir).coverage(summary.run_id)
    return summary


def settings_path(value: Path | None) -> str | None:
    return str(Path(value).resolve()) if value else None
