"""What a refresh does: its quarters, its sources, and the fingerprint it computes them with.

One pure function, `make_plan`, decides it from the run's settings and what is already
published; the first step of the Dagster job calls it, whoever launched the run (`ledger
refresh`, the quarterly schedule, "Materialize all" in the UI).

Quarters. A quarter's tables depend on the observations made before its end, the curated files,
the assumptions and the code. When none of the code, curated files or assumptions changed since
the published quarters were computed (same fingerprint), only these quarters can change:
- the running quarter (live data lands there) and the one before (it stops being provisional
  when a new quarter starts);
- every quarter from the earliest one in which this run brings new observations (bundled
  responses not yet ingested, an ingested file, a backfill) onwards, since a later quarter's
  snapshot may stand on them.
Anything else — a first run, a code or curated change — recomputes every quarter. Quarters asked
for explicitly (`--quarter`, or `quarters` in the run config from the UI) are computed as asked;
the other published quarters then no longer share one fingerprint, which the next run repairs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pipeline.core.paths import ROOT
from pipeline.core.quarters import FIRST_QUARTER, Quarter, quarter_range
from pipeline.core.recorded import bundled_fetch_id, load_index
from pipeline.core.sources import Source

MODES = ("live", "replay", "auto", "file", "backfill")
# Modes that fetch now: their bodies are stamped with the time they were fetched, so a run of
# theirs cannot be dated in the past (that would publish today's bytes as an old observation).
FETCHING_NOW = ("live", "auto")
CODE_GLOBS = ("pipeline/**/*.py", "pipeline/**/*.yaml", "pipeline/**/*.sql", "schemas/**/*.py", "warehouse/*.sql")


class PlanError(ValueError):
    """The settings cannot make a refresh (unknown source, quarter out of range, …)."""


def fingerprint(curated_dir: Path, assumptions_file: Path | None = None, root: Path = ROOT) -> str:
    """A hash of everything besides observations that quarterly tables are computed from."""
    h = hashlib.sha256()
    files = sorted({p for pattern in CODE_GLOBS for p in root.glob(pattern) if p.is_file()})
    files += sorted(p for p in Path(curated_dir).rglob("*") if p.is_file())
    if assumptions_file:
        files.append(Path(assumptions_file))
    for path in files:
        h.update(str(path.name).encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def new_bundled_quarters(sources: Iterable[Source], known_fetch_ids: frozenset[str] | set[str],
                         as_of: datetime) -> dict[str, list[Quarter]]:
    """Per source, the quarters of bundled responses (dated up to `as_of`) not ingested yet."""
    out: dict[str, list[Quarter]] = {}
    for source in sources:
        quarters = {Quarter.of(e.observed_on) for e in load_index(source.name, source.recorded_dir)
                    if e.observed_at <= as_of
                    and bundled_fetch_id(source.name, e.observed_on, e.body()) not in known_fetch_ids}
        if quarters:
            out[source.name] = sorted(quarters)
    return out


@dataclass(frozen=True)
class PublishedState:
    """What the published warehouse says about earlier runs."""

    exists: bool = False
    # The fingerprint every published quarter was computed with (None: they differ, or none).
    consistent_fingerprint: str | None = None
    bundled_fetch_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PlanInputs:
    """The run's settings, as plain values (pipeline/defs/settings.py maps the Dagster config)."""

    mode: str = "auto"
    as_of: datetime | None = None
    quarters: tuple[Quarter, ...] = ()
    only: tuple[str, ...] = ()
    curated_dir: Path = ROOT / "pipeline" / "curated"
    assumptions_file: Path | None = None
    ingest_file: Path | None = None
    ingest_observed_at: datetime | None = None
    ingest_endpoint: str | None = None
    backfill_from: Quarter | None = None
    backfill_to: Quarter | None = None
    history_file: Path | None = None
    backfill_max_requests: int = 300
    backfill_max_wait_s: float = 300.0
    backfill_pause_s: float = 1.0


@dataclass(frozen=True)
class RefreshPlan:
    run_id: str
    inputs: PlanInputs
    as_of: datetime
    quarters: tuple[Quarter, ...]
    quarters_reason: str
    sources: tuple[str, ...]
    fingerprint: str
    # Recorded with the run when it publishes: the fingerprint all published quarters then share.
    consistent_fingerprint: str | None
    backfill_quarters: tuple[Quarter, ...] = field(default_factory=tuple)

    @property
    def mode(self) -> str:
        return self.inputs.mode

    @property
    def running(self) -> Quarter:
        return Quarter.of(self.as_of)

    def provisional(self, quarter: Quarter) -> bool:
        return quarter == self.running

    def summary(self) -> dict:
        return {"run_id": self.run_id, "mode": self.mode, "as_of": self.as_of.isoformat(timespec="seconds"),
                "quarters": [q.label for q in self.quarters], "quarters_reason": self.quarters_reason,
                "sources": list(self.sources), "fingerprint": self.fingerprint}


def _check_inputs(inputs: PlanInputs, known: dict[str, Source], explicit_as_of: bool) -> None:
    if inputs.mode not in MODES:
        raise PlanError(f"unknown mode {inputs.mode!r}; expected one of {', '.join(MODES)}")
    if explicit_as_of and inputs.mode in FETCHING_NOW:
        raise PlanError(f"--as-of cannot be used with mode {inputs.mode!r}: a fetched body is stamped with the "
                        "time it was fetched, never an earlier one (use --mode replay, `ledger ingest` or "
                        "`ledger backfill` to work on the past)")
    unknown = [name for name in inputs.only if name not in known]
    if unknown:
        raise PlanError(f"unknown source(s) {unknown}; known: {', '.join(sorted(known))}")
    if inputs.mode == "file" and (inputs.ingest_file is None or inputs.ingest_observed_at is None
                                  or len(inputs.only) != 1):
        raise PlanError("mode 'file' needs one source, a file and an observed-at date")
    if inputs.mode == "backfill" and inputs.backfill_from is None:
        raise PlanError("a backfill needs its first quarter (--from YYYYQn)")


def _explicit(quarters: Iterable[Quarter], running: Quarter) -> tuple[Quarter, ...]:
    chosen = sorted(set(quarters))
    for q in chosen:
        if q < FIRST_QUARTER or q > running:
            raise PlanError(f"quarter {q} is outside {FIRST_QUARTER}..{running} (the running quarter)")
    return tuple(chosen)


def backfill_range(first: Quarter, last: Quarter | None, running: Quarter) -> list[Quarter]:
    last = last or running
    if first < FIRST_QUARTER:
        raise PlanError(f"--from {first}: the ledger's quarters start at {FIRST_QUARTER}")
    if last > running or first > last:
        raise PlanError(f"--from {first} --to {last}: expected {FIRST_QUARTER} <= from <= to <= {running} "
                        "(the running quarter)")
    return quarter_range(first, last)


def _incremental(first_new: Quarter | None, running: Quarter, consistent: bool,
                 why_new: str) -> tuple[tuple[Quarter, ...], str]:
    if not consistent:
        return (tuple(quarter_range(FIRST_QUARTER, running)),
                "all quarters (first run, or code, curated files or assumptions changed)")
    start = max(FIRST_QUARTER, min(running.previous(), first_new or running))
    why = f"from {start} ({why_new})" if first_new and start < running.previous() \
        else "the running quarter and the one before"
    return tuple(quarter_range(start, running)), why


def make_plan(inputs: PlanInputs, state: PublishedState, run_id: str, now: datetime,
                sources: list[Source]) -> RefreshPlan:
    """The refresh this run makes. `now` is the clock; `inputs.as_of` (replay, ingest, backfill
    only) runs as if it were another time."""
    known = {s.name: s for s in sources}
    _check_inputs(inputs, known, inputs.as_of is not None)
    as_of = inputs.as_of or now
    running = Quarter.of(as_of)
    current = fingerprint(inputs.curated_dir, inputs.assumptions_file)
    consistent = state.exists and state.consistent_fingerprint == current
    chosen = tuple(sorted(inputs.only)) or tuple(sorted(known))
    backfill: tuple[Quarter, ...] = ()

    asked = list(inputs.quarters)
    if asked:
        quarters, why = _explicit(asked, running), "as asked"
    elif inputs.mode == "backfill":
        backfill = tuple(backfill_range(inputs.backfill_from, inputs.backfill_to, running))
        quarters, why = _incremental(backfill[0], running, consistent, "the backfill's first quarter")
    elif inputs.mode == "file":
        quarters, why = _incremental(max(FIRST_QUARTER, Quarter.of(inputs.ingest_observed_at)), running,
                                     consistent, "the ingested file's quarter")
    else:
        new = new_bundled_quarters([known[n] for n in chosen], state.bundled_fetch_ids, as_of) \
            if inputs.mode in ("replay", "auto") else {}
        first_new = min((q for qs in new.values() for q in qs), default=None)
        quarters, why = _incremental(first_new, running, consistent, "new bundled responses")
        if inputs.mode == "replay" and not inputs.only and state.exists:
            # Replaying what is already ingested reads nothing: only new bundles and curated files.
            chosen = tuple(n for n in chosen if known[n].local or n in new)

    full = quarters[0] <= FIRST_QUARTER and quarters[-1] == running
    if full and not asked:
        consistent_after = current
    else:
        consistent_after = current if consistent else None
    return RefreshPlan(run_id=run_id, inputs=inputs, as_of=as_of, quarters=quarters, quarters_reason=why,
                       sources=chosen, fingerprint=current, consistent_fingerprint=consistent_after,
                       backfill_quarters=backfill)
