"""Running a refresh in-process through Dagster: which quarters and sources, and the run itself.

Used by the CLI (`ledger refresh`, `ledger ingest`, `ledger backfill`) and by the integration
tests. Runs are recorded in the Dagster instance (visible in `make ui`); what happened is read
back and saved by pipeline/run_report.py.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import dagster as dg

from pipeline.core.fetch_records import utcnow
from pipeline.core.history_sources import HistoryLog
from pipeline.core.incremental import fingerprint, new_bundled_quarters
from pipeline.core.incremental import plan as plan_quarters
from pipeline.core.paths import CURATED_DIR, Paths
from pipeline.core.quarters import Quarter, quarter_range
from pipeline.core.sources import discover_sources
from pipeline.core.warehouse import RefreshInProgress, RefreshLock, read_published
from pipeline.partitions import FIRST_QUARTER
from pipeline.run_report import RefreshReport, recent_runs, report_from_result, save_report


@dataclass
class RefreshRequest:
    mode: str = "auto"
    quarters: list[Quarter] | None = None
    only: list[str] | None = None
    curated_dir: Path | None = None
    assumptions_file: Path | None = None
    as_of: datetime | None = None
    ingest_file: Path | None = None
    ingest_observed_at: datetime | None = None
    ingest_endpoint: str | None = None
    origin_overrides: dict[str, str] = field(default_factory=dict)
    http: dict = field(default_factory=dict)  # HttpResource settings (timeouts, retries…)
    paths: Paths | None = None
    # `ledger backfill` (mode "backfill"): the quarters to rebuild from the public record (to:
    # default the running quarter), the history list (default: the curated one), the bounds.
    backfill_from: Quarter | None = None
    backfill_to: Quarter | None = None
    history_file: Path | None = None
    backfill_max_requests: int = 300
    backfill_max_wait_s: float = 300.0
    backfill_pause_s: float = 1.0


def resolve_quarters(req: RefreshRequest, as_of: datetime, paths: Paths, fingerprint: str) -> tuple[list[Quarter], str]:
    """The partition range of this run, and why (see pipeline/core/incremental.py)."""
    running = Quarter.of(as_of)
    if req.mode == "backfill":
        return _backfill_quarters(req, running, paths, fingerprint)
    if req.quarters:
        for q in req.quarters:
            if q < FIRST_QUARTER or q > running:
                raise ValueError(f"quarter {q} is outside {FIRST_QUARTER}..{running} (the running quarter)")
        return sorted(set(req.quarters)), "as asked"
    consistent = paths.db.exists() and _consistent_fingerprint(paths) == fingerprint
    if req.ingest_observed_at is not None:
        start = max(FIRST_QUARTER, Quarter.of(req.ingest_observed_at))
        if consistent:
            return quarter_range(start, running), f"from {start} (the ingested file's quarter)"
        return quarter_range(FIRST_QUARTER, running), "all quarters (code, curated files or assumptions changed)"
    new: list[Quarter] = []
    if consistent and req.mode in ("replay", "auto"):
        sources = [s for s in discover_sources() if not req.only or s.name in req.only]
        with read_published(paths) as con:
            known = {r[0] for r in con.execute("SELECT fetch_id FROM raw_fetch WHERE mode = 'replay'").fetchall()}
        new = new_bundled_quarters(sources, known, as_of)
    return plan_quarters(FIRST_QUARTER, running, consistent, new)


def check_backfill_range(req: RefreshRequest, running: Quarter) -> tuple[Quarter, Quarter]:
    first, last = req.backfill_from, req.backfill_to or running
    if first is None:
        raise ValueError("a backfill needs its first quarter (--from YYYYQn)")
    if first < FIRST_QUARTER:
        raise ValueError(f"--from {first}: the ledger's quarters start at {FIRST_QUARTER}")
    if last > running or first > last:
        raise ValueError(f"--from {first} --to {last}: expected {FIRST_QUARTER} <= from <= to <= {running} "
                         "(the running quarter)")
    return first, last


def _backfill_quarters(req: RefreshRequest, running: Quarter, paths: Paths,
                       fingerprint: str) -> tuple[list[Quarter], str]:
    """From the first quarter rebuilt on to the running one: later quarters may stand on the
    versions found (a file unchanged since), so their snapshots and marts are recomputed too."""
    first, _ = check_backfill_range(req, running)
    if paths.db.exists() and _consistent_fingerprint(paths) == fingerprint:
        return quarter_range(first, running), f"from {first} (the backfill's first quarter)"
    return (quarter_range(FIRST_QUARTER, running),
            "all quarters (first run, or code, curated files or assumptions changed)")


def _consistent_fingerprint(paths: Paths) -> str | None:
    """The fingerprint every published quarter was computed with (None when they differ)."""
    for run in recent_runs(paths, limit=50):
        if run.get("published"):
            return run.get("consistent_fingerprint")
    return None


def _replay_sources(paths: Paths, as_of: datetime) -> list[str] | None:
    """In replay mode, the sources with something to read: bundled responses not yet ingested,
    and the curated files (read every time). None when every source must run (nothing published)."""
    if not paths.db.exists():
        return None
    sources = discover_sources()
    with read_published(paths) as con:
        known = {r[0] for r in con.execute("SELECT fetch_id FROM raw_fetch WHERE mode = 'replay'").fetchall()}
    return [s.name for s in sources if s.local or new_bundled_quarters([s], known, as_of)]


def _selection(defs: dg.Definitions, only: list[str] | None) -> list[dg.AssetKey] | None:
    if only is None:
        return None
    sources = {s.name: s for s in discover_sources()}
    unknown = [name for name in only if name not in sources]
    if unknown:
        raise ValueError(f"unknown source(s) {unknown}; known: {', '.join(sorted(sources))}")
    source_keys = {dg.AssetKey([s.family, s.name]) for s in sources.values()}
    chosen = {dg.AssetKey([sources[n].family, n]) for n in only}
    # --only narrows the sources fetched; registries, snapshots, marts and publication always run.
    return [spec.key for spec in defs.resolve_all_asset_specs()
            if spec.key not in source_keys or spec.key in chosen]


def run_refresh(req: RefreshRequest, instance: dg.DagsterInstance | None = None) -> RefreshReport:
    from pipeline.definitions import REFRESH_JOB, defs

    paths = req.paths or Paths.from_env()
    lock = RefreshLock(paths.lock_file)
    if lock.is_held():
        h = lock.holder()
        raise RefreshInProgress(
            f"refresh refused: refresh {h.get('run_id', '?')} (pid {h.get('pid', '?')}, started "
            f"{h.get('started_at', '?')}, mode {h.get('mode', '?')}) is still running on {paths.warehouse_dir}")
    as_of = req.as_of or utcnow()
    curated = req.curated_dir or CURATED_DIR
    current = fingerprint(curated, req.assumptions_file)
    previous_consistent = _consistent_fingerprint(paths) if paths.db.exists() else None
    quarters, why = resolve_quarters(req, as_of, paths, current)
    only = req.only or None
    if req.mode == "replay" and not req.only:
        only = _replay_sources(paths, as_of)  # replaying what is already ingested reads nothing
    settings = {"mode": req.mode, "as_of": as_of.isoformat(),
                "curated_dir": str(req.curated_dir) if req.curated_dir else None,
                "assumptions_file": str(req.assumptions_file) if req.assumptions_file else None,
                "ingest_file": str(req.ingest_file) if req.ingest_file else None,
                "ingest_observed_at": req.ingest_observed_at.isoformat() if req.ingest_observed_at else None,
                "ingest_endpoint": req.ingest_endpoint,
                "backfill_from": req.backfill_from.label if req.backfill_from else None,
                "backfill_to": req.backfill_to.label if req.backfill_to else None,
                "history_file": str(req.history_file) if req.history_file else None,
                "backfill_max_requests": req.backfill_max_requests,
                "backfill_max_wait_s": req.backfill_max_wait_s, "backfill_pause_s": req.backfill_pause_s}
    run_config = {
        "resources": {
            "settings": {"config": settings},
            "http": {"config": {**req.http, "origin_overrides": req.origin_overrides}},
            "warehouse": {"config": {"warehouse_dir": str(paths.warehouse_dir),
                                     "exports_dir": str(paths.exports_dir)}},
        },
        "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
    }
    job = defs.resolve_job_def(REFRESH_JOB)
    started = time.monotonic()
    result = job.execute_in_process(
        run_config=run_config, instance=instance or dg.DagsterInstance.get(), raise_on_error=False,
        asset_selection=_selection(defs, only),
        tags={"dagster/asset_partition_range_start": quarters[0].partition_key,
              "dagster/asset_partition_range_end": quarters[-1].partition_key,
              "ledger/mode": req.mode, "ledger/as_of": as_of.isoformat(timespec="seconds")})
    report = report_from_result(result, req.mode, as_of, quarters, paths, time.monotonic() - started)
    report.quarters_reason = why
    if req.mode == "backfill":
        report.backfill = HistoryLog(paths.raw_dir).coverage(report.run_id)
    full = quarters[0] <= FIRST_QUARTER or not paths.db.exists()
    consistent = current if (full and not req.quarters) or previous_consistent == current else None
    save_report(report, paths, {"fingerprint": current, "consistent_fingerprint": consistent if report.published
                          else previous_consistent})
    return report
