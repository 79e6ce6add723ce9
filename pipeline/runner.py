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
from pipeline.core.paths import Paths
from pipeline.core.quarters import Quarter, quarter_range
from pipeline.core.sources import discover_sources
from pipeline.core.warehouse import RefreshInProgress, RefreshLock
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

    @property
    def blocking_failures(self) -> list[CheckReport]:
        return [c for c in self.checks if not c.passed and c.severity == "ERROR"]

    @property
    def warnings(self) -> list[CheckReport]:
        return [c for c in self.checks if not c.passed and c.severity != "ERROR"]

    def to_json(self) -> dict:
        return {**asdict(self), "checks": [asdict(c) for c in self.checks]}


def resolve_quarters(req: RefreshRequest, as_of: datetime) -> list[Quarter]:
    running = Quarter.of(as_of)
    if req.quarters:
        for q in req.quarters:
            if q < FIRST_QUARTER or q > running:
                raise ValueError(f"quarter {q} is outside {FIRST_QUARTER}..{running} (the running quarter)")
        return sorted(set(req.quarters))
    first = FIRST_QUARTER
    if req.ingest_observed_at is not None:
        first = max(FIRST_QUARTER, Quarter.of(req.ingest_observed_at))
    return quarter_range(first, running)


def _selection(defs: dg.Definitions, only: list[str] | None) -> list[dg.AssetKey] | None:
    if not only:
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
    quarters = resolve_quarters(req, as_of)
    settings = {"mode": req.mode, "as_of": as_of.isoformat(),
                "curated_dir": str(req.curated_dir) if req.curated_dir else None,
                "assumptions_file": str(req.assumptions_file) if req.assumptions_file else None,
                "ingest_file": str(req.ingest_file) if req.ingest_file else None,
                "ingest_observed_at": req.ingest_observed_at.isoformat() if req.ingest_observed_at else None,
                "ingest_endpoint": req.ingest_endpoint}
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
        asset_selection=_selection(defs, req.only),
        tags={"dagster/asset_partition_range_start": quarters[0].partition_key,
              "dagster/asset_partition_range_end": quarters[-1].partition_key,
              "ledger/mode": req.mode, "ledger/as_of": as_of.isoformat(timespec="seconds")})
    report = _report(result, req, as_of, quarters, paths, time.monotonic() - started)
    _save(report, paths)
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
        error = event.step_failure_data.error
        message = error.message.strip() if error else "unknown error"
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
        for event in result.all_events:
            if event.event_type_value in ("PIPELINE_FAILURE", "RUN_FAILURE") and event.message:
                failures.append(event.message)
    return RefreshReport(run_id=result.run_id, success=result.success and published, published=published,
                         mode=req.mode, as_of=as_of.isoformat(timespec="seconds"),
                         quarters=[q.label for q in quarters], sources=sources, checks=checks,
                         failures=failures, warehouse=str(paths.db), exports=str(paths.exports_dir),
                         seconds=round(seconds, 2))


def _source_of_step(step_key: str):
    for src in discover_sources():
        if step_key == f"{src.family}__{src.name}":
            return src
    return None


def _save(report: RefreshReport, paths: Paths) -> None:
    paths.runs_dir.mkdir(parents=True, exist_ok=True)
    target = paths.runs_dir / f"{report.run_id}.json"
    fd, tmp = tempfile.mkstemp(dir=paths.runs_dir, prefix=".tmp-")
    with os.fdopen(fd, "w") as fh:
        json.dump({**report.to_json(), "finished_at": utcnow().isoformat(timespec="seconds")}, fh, indent=2,
                  default=str)
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
