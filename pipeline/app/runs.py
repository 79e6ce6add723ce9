"""What a refresh did, read back from its Dagster run: the plan, the sources, checks, failures.

Whoever launched the run (`ledger refresh`, the quarterly schedule, the UI), its events in the
Dagster instance are the record: the plan step's materialization says what was planned, each
source's materialization what it read, the check evaluations what passed, the publish step's
materialization whether it published. `ledger refresh` prints this summary at the end of its run;
`ledger status` reads the same from the instance for the latest runs, including those that
published nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import dagster as dg

RUN_JOB = "refresh"
PLAN_ASSET = "refresh_plan"
PUBLISH_ASSET = "published_warehouse"
REFUSED = "refused"
UNAVAILABLE = "unavailable"
RULES = "rules"  # a check's metadata listing each rule it holds (pipeline/defs/sources.py)


@dataclass
class CheckReport:
    asset: str
    check: str
    passed: bool
    severity: str
    description: str | None


@dataclass
class RunSummary:
    run_id: str
    success: bool
    published: bool
    plan: dict
    sources: list[dict]
    checks: list[CheckReport]
    failures: list[str]
    refused: str | None = None
    warehouse: str = ""
    exports: str = ""
    seconds: float = 0.0
    status: str = ""
    backfill: list[dict] = field(default_factory=list)
    # The publish step's metadata: export files, the bundled seed read, rows carried forward.
    published_metadata: dict = field(default_factory=dict)

    @property
    def mode(self) -> str:
        return self.plan.get("mode", "?")

    @property
    def quarters(self) -> list[str]:
        return list(self.plan.get("quarters") or [])

    @property
    def blocking_failures(self) -> list[CheckReport]:
        return [c for c in self.checks if not c.passed and c.severity == "ERROR"]

    @property
    def warnings(self) -> list[CheckReport]:
        return [c for c in self.checks if not c.passed and c.severity != "ERROR"]

    @property
    def backfill_incomplete(self) -> list[dict]:
        """Quarters a backfill could not settle this time (a rerun may): failed or not reached."""
        return [r for r in self.backfill if r["status"] in ("failed", "not_reached")]

    def to_json(self) -> dict:
        return {**asdict(self), "checks": [asdict(c) for c in self.checks]}


def _value(entry) -> object:
    return getattr(entry, "value", entry)


def _innermost(error) -> str:
    """The first line of the deepest cause of a Dagster error (the exception our code raised)."""
    if error is None:
        return "unknown error"
    while getattr(error, "cause", None) is not None:
        error = error.cause
    text = (error.message or "").strip()
    return text.splitlines()[0] if text else error.cls_name or "unknown error"


def _check_reports(e) -> list[CheckReport]:
    """A check evaluation as the summary lists it: a source's `ingest_rules` check, one per rule."""
    asset = e.asset_key.to_user_string()
    rules = _value(e.metadata.get(RULES)) if e.metadata else None
    if isinstance(rules, list):
        return [CheckReport(asset, r["name"], r["passed"], "ERROR" if r["blocking"] else "WARN", r["summary"])
                for r in rules]
    return [CheckReport(asset, e.check_name, e.passed, e.severity.value if e.severity else "ERROR", e.description)]


def summarize(run_id: str, events: Iterable[dg.DagsterEvent], status: str = "") -> RunSummary:
    """A run's summary from its Dagster events (an in-process result's, or the instance's)."""
    plan, sources, checks, failures = {}, [], [], []
    published, refused, success, publication = False, None, None, {}
    for event in events:
        kind = event.event_type_value
        if kind == "ASSET_MATERIALIZATION":
            mat = event.step_materialization_data.materialization
            key = mat.asset_key.to_user_string()
            meta = {k: _value(v) for k, v in mat.metadata.items()}
            if key == PLAN_ASSET:
                plan = meta
            elif key == PUBLISH_ASSET:
                published, publication = True, meta
            elif "ledger_outcome" in meta:
                sources.append(meta["ledger_outcome"])
        elif kind == "ASSET_CHECK_EVALUATION":
            checks.extend(_check_reports(event.event_specific_data))
        elif kind == "STEP_FAILURE":
            data = event.step_failure_data
            message = _innermost(data.error)
            user = data.user_failure_data
            if user is not None:
                message = user.description or message
                if user.metadata and REFUSED in user.metadata:
                    refused = str(_value(user.metadata[REFUSED]))
                if user.metadata and UNAVAILABLE in user.metadata:
                    sources.extend({**o, "modes": "failed"} for o in _value(user.metadata[UNAVAILABLE]))
            failures.append(f"{event.step_key}: {' '.join(message.split()) if message else ''}")
        elif kind in ("RUN_FAILURE", "PIPELINE_FAILURE", "RESOURCE_INIT_FAILURE") and not failures:
            error = getattr(event.event_specific_data, "error", None)
            reason = _innermost(error) if error is not None else (event.message or "")
            if reason:
                failures.append(reason)
        if kind in ("RUN_SUCCESS", "PIPELINE_SUCCESS"):
            success = True
        elif kind in ("RUN_FAILURE", "PIPELINE_FAILURE"):
            success = False
    return RunSummary(run_id=run_id, success=bool(success) and published, published=published, plan=plan,
                      sources=sources, checks=checks, failures=failures, refused=refused,
                      warehouse=str(publication.get("warehouse", "")), exports=str(publication.get("exports", "")),
                      status=status, published_metadata=publication)


def recent_runs(instance: dg.DagsterInstance, limit: int = 5) -> list[RunSummary]:
    """The newest runs of the refresh job in the instance, newest first, whoever launched them."""
    records = instance.get_run_records(filters=dg.RunsFilter(job_name=RUN_JOB), limit=limit)
    out = []
    for record in records:
        run = record.dagster_run
        events = [e.dagster_event for e in instance.all_logs(run.run_id) if e.dagster_event is not None]
        summary = summarize(run.run_id, events, status=run.status.value)
        if record.start_time and record.end_time:
            summary.seconds = round(record.end_time - record.start_time, 2)
        out.append(summary)
    return out
