"""What a refresh did, read back from its Dagster run, and the run reports kept on disk.

Every run, including one that published nothing, is summarised in `warehouse/runs/<run_id>.json`
(sources, checks, failures, the quarters and why): `ledger status` and the next refresh's
quarter planning read them back.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime

from pipeline.core.fetch_records import utcnow
from pipeline.core.paths import Paths
from pipeline.core.quarters import Quarter
from pipeline.core.sources import discover_sources
from pipeline.publish import PUBLISH_KEY


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


def report_from_result(result, mode: str, as_of: datetime, quarters: list[Quarter], paths: Paths,
                       seconds: float) -> RefreshReport:
    """What an in-process run of the refresh job did: sources, checks, failures, publication."""
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
                         mode=mode, as_of=as_of.isoformat(timespec="seconds"),
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


def save_report(report: RefreshReport, paths: Paths, extra: dict) -> None:
    """Writes `warehouse/runs/<run_id>.json` atomically (`extra`: the run's fingerprints)."""
    paths.runs_dir.mkdir(parents=True, exist_ok=True)
    target = paths.runs_dir / f"{report.run_id}.json"
    fd, tmp = tempfile.mkstemp(dir=paths.runs_dir, prefix=".tmp-")
    with os.fdopen(fd, "w") as fh:
        json.dump({**report.to_json(), **extra, "finished_at": utcnow().isoformat(timespec="microseconds")},
                  fh, indent=2, default=str)
    os.replace(tmp, target)


def recent_runs(paths: Paths, limit: int = 20) -> list[dict]:
    """The newest saved run reports, newest first."""
    if not paths.runs_dir.exists():
        return []
    runs = []
    for path in paths.runs_dir.glob("*.json"):
        try:
            runs.append(json.loads(path.read_text()))
        except (OSError, json.JSONDecodeError):
            continue
    return sorted(runs, key=lambda r: r.get("finished_at", ""), reverse=True)[:limit]
