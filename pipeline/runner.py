"""Running a refresh in-process through Dagster, and reading back what happened.

Used by the CLI (`ledger refresh`, `ledger ingest`) and by the integration tests. Runs are
recorded in the Dagster instance (visible in `make ui`) and summarised in
`warehouse/runs/<run_id>.json`, including runs that published nothing.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import dagster as dg

from pipeline.core.fetching import utcnow
from pipeline.core.history_sources import HistoryLog
from pipeline.core.incremental import fingerprint, new_bundled_quarters
from pipeline.core.incremental import plan as plan_quarters
from pipeline.core.paths import CURATED_DIR, Paths
from pipeline.core.quarters import Quarter, quarter_range
from pipeline.core.sources import discover_sources
from pipeline.core.warehouse import RefreshInProgress, RefreshLock, read_published
from pipeline.partitions import FIRST_QUARTER
from pipeline.publish import PUBLISH_KEY


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


@dataclass
class CheckReport:
    asset: str
    check: str
    passed: bool
    severity: str
    description: str | None


@dataclass
class RefreshReport:
    run_id: str
    success: bool
    published: bool
    mode: str
    as_of: str
    quarters: list[str]
    sources: list[dict]
    checks: list[CheckReport]
    failures: list[str]
    warehouse: str
    exports: str
    seconds: float
    quarters_reason: str = ""
    # A backfill's coverage: one row per source, endpoint and quarter (see warehouse/002_history.sql).
    backfill: list[dict] = field(default_factory=list)

    @property
    def backfill_incomplete(self) -> list[dict]:
        """Quarters a backfill could not settle this time (a rerun may): failed or not reached."""
        return [r for r in self.backfill if r["status"] in ("failed", "not_reached")]

    @property
    def blocking_failures(self) -> list[CheckReport]:
        return [c for c in self.checks if not c.passed and c.severity == "ERROR"]

    @property
    def warnings(self) -> list[CheckReport]:
        return [c for c in self.checks if not c.passed and c.severity != "ERROR"]

    def to_json(self) -> dict:
        return {**asdict(self), "checks": [asdict(c) for c in self.checks]}


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
    report = _report(result, req, as_of, quarters, paths, time.monotonic() - started)
    report.quarters_reason = why
    if req.mode == "backfill":
        report.backfill = HistoryLog(paths.raw_dir).coverage(report.run_id)
    full = quarters[0] <= FIRST_QUARTER or not paths.db.exists()
    consistent = current if (full and not req.quarters) or previous_consistent == current else None
    _save(report, paths, {"fingerprint": current, "consistent_fingerprint": consistent if report.published
                          else previous_consistent})
    return report


def _report(result, req: RefreshRequest, as_of: datetime, quarters: list[Quarter], paths: Paths,
            seconds: float) -> RefreshReport:
    sources, published = [], False
    for event in result.get_asset_materialization_events():
        mat = event.materialization
        if mat.asset_key == PUBLISH_KEY:
            published = True
        outcome = mat.metadata.get("ledger_outcome")
        if outcome is not None:
            sources.append(outcome.value)
    checks = [CheckReport(e.asset_key.to_user_string(), e.check_name, e.passed,
                          e.severity.value if e.severity else "ERROR", e.description)
              for e in result.get_asset_check_evaluations()]
    failures = []
    for event in result.get_step_failure_events():
        message = _innermost(event.step_failure_data.error)
        user = event.step_failure_data.user_failure_data
        if user is not None and user.description:
            message = user.description
        failures.append(f"{event.step_key}: {message.splitlines()[0] if message else ''}")
        src = _source_of_step(event.step_key)
        if src and not any(s["source"] == src.name for s in sources):
            sources.append({"source": src.name, "family": src.family, "modes": "failed",
                            "rows_added": 0, "rejected": 0, "excluded": 0, "quarantined": 0,
                            "stale": False, "error": message})
    if not result.success and not failures:
        # A failure outside any step: the warehouse could not be staged (disk full, a corrupt
        # published file), the lock was taken… The reason is the innermost error.
        for event in result.all_events:
            if event.event_type_value in ("RESOURCE_INIT_FAILURE", "PIPELINE_FAILURE", "RUN_FAILURE"):
                error = getattr(event.event_specific_data, "error", None)
                reason = _innermost(error) if error is not None else (event.message or "")
                if reason and reason not in failures:
                    failures.append(reason)
    return RefreshReport(run_id=result.run_id, success=result.success and published, published=published,
                         mode=req.mode, as_of=as_of.isoformat(timespec="seconds"),
                         quarters=[q.label for q in quarters], sources=sources, checks=checks,
                         failures=failures, warehouse=str(paths.db), exports=str(paths.exports_dir),
                         seconds=round(seconds, 2))


def _innermost(error) -> str:
    """The first line of the deepest cause of a Dagster error (the exception our code raised)."""
    if error is None:
        return "unknown error"
    while getattr(error, "cause", None) is not None:
        error = error.cause
    text = (error.message or "").strip()
    return text.splitlines()[0] if text else error.cls_name or "unknown error"


def _source_of_step(step_key: str):
    for src in discover_sources():
        if step_key == f"{src.family}__{src.name}":
            return src
    return None


def _save(report: RefreshReport, paths: Paths, extra: dict) -> None:
    paths.runs_dir.mkdir(parents=True, exist_ok=True)
    target = paths.runs_dir / f"{report.run_id}.json"
    fd, tmp = tempfile.mkstemp(dir=paths.runs_dir, prefix=".tmp-")
    with os.fdopen(fd, "w") as fh:
        json.dump({**report.to_json(), **extra, "finished_at": utcnow().isoformat(timespec="microseconds")},
                  fh, indent=2, default=str)
    os.replace(tmp, target)


def recent_runs(paths: Paths, limit: int = 20) -> list[dict]:
    if not paths.runs_dir.exists():
        return []
    runs = []
    for path in paths.runs_dir.glob("*.json"):
        try:
            runs.append(json.loads(path.read_text()))
        except (OSError, json.JSONDecodeError):
            continue
    return sorted(runs, key=lambda r: r.get("finished_at", ""), reverse=True)[:limit]
