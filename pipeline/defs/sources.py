"""Every source in one step: fetch (concurrently) → archive → parse → validate → observation versions.

One asset per source module found in the family packages (pipeline/<family>/), so adding a
source module adds its asset; all of them materialise in one step, which fetches every selected
source side by side (the HTTP client's per-host limit keeps it polite) and then ingests them one
by one into the staging warehouse. Each source reports one check in the same step,
`ingest_rules`, holding its three rules: `schema_valid` and `usable_share` block publication
(the check fails with ERROR severity), `no_quarantined_rows` warns (WARN). One check rather than
three keeps a run's Dagster events down (each check costs three); the rules are in the check's
`rules` metadata, and the run summary lists them one by one (pipeline/app/runs.py). A source that
cannot be fetched (and has nothing to fall back to) fails the step after the others are stored.
"""

import os

import dagster as dg

from pipeline.core.fetch_records import FetchPlan, SourceUnavailable
from pipeline.core.credentials import secrets_from_env
from pipeline.core.fetch_history import FetchHistory
from pipeline.core.fetching import collect_many
from pipeline.core.fetch_table import insert_fetches, known_fetch_ids
from pipeline.core.ingest import (NO_QUARANTINED_ROWS, SCHEMA_VALID, USABLE_SHARE, CheckOutcome, SourceOutcome,
                                  checks_for, ingest_fetched)
from pipeline.core.plan import RefreshPlan
from pipeline.core.progress import progress
from pipeline.core.sources import Source, discover_families, discover_sources
from pipeline.defs.plan import PLAN_KEY
from pipeline.defs.resources import HttpResource, WarehouseResource

SOURCE_ROLE_TAG = "ledger/role"
UNAVAILABLE = "unavailable"  # the failure's metadata: the outcome of each source that could not be fetched
FAMILIES = discover_families()
SOURCES = discover_sources()


def source_key(source: Source) -> dg.AssetKey:
    return dg.AssetKey([source.family, source.name])


INGEST_RULES = "ingest_rules"
RULES = "rules"  # the check's metadata: each rule's outcome


def _check_specs(source: Source) -> list[dg.AssetCheckSpec]:
    return [dg.AssetCheckSpec(INGEST_RULES, asset=source_key(source), blocking=True, description=(
        f"{SCHEMA_VALID} (blocks): every body parsed, and its rows have the family's shape; "
        f"{USABLE_SHARE} (blocks): at most {source.max_bad_share:.0%} of entries rejected or quarantined; "
        f"{NO_QUARANTINED_ROWS} (warns): no row held back by a row rule"))]


def fetch_plan(plan: RefreshPlan, sources: list[Source]) -> FetchPlan:
    """What the fetching core needs of the plan; of the environment, only the tokens the sources name."""
    i = plan.inputs
    return FetchPlan(mode=i.mode, as_of=plan.as_of, run_id=plan.run_id, curated_dir=i.curated_dir,
                     ingest_file=i.ingest_file, ingest_observed_at=i.ingest_observed_at,
                     ingest_endpoint=i.ingest_endpoint, secrets=secrets_from_env(os.environ, sources),
                     backfill_quarters=plan.backfill_quarters, history_file=i.history_file,
                     backfill_max_requests=i.backfill_max_requests, backfill_max_wait_s=i.backfill_max_wait_s,
                     backfill_pause_s=i.backfill_pause_s)


def gap_outcome(source: Source, exc: SourceUnavailable) -> SourceOutcome:
    """An auto-mode source with no response at all: left out of this run, and said so (a warning)."""
    outcome = SourceOutcome(source.name, source.family, fetches=exc.failures, error=str(exc), gap=True)
    outcome.checks = [
        CheckOutcome(SCHEMA_VALID, True, True, "nothing was read"),
        CheckOutcome(USABLE_SHARE, False, False, f"no response: {exc}; nothing archived or bundled to fall back "
                                                 "to, so this run has no rows from it (a gap, not a failure of auto "
                                                 "mode)"),
        CheckOutcome(NO_QUARANTINED_ROWS, True, False, "0 row(s) quarantined")]
    return outcome


def _results(source: Source, outcome: SourceOutcome):
    yield dg.MaterializeResult(asset_key=source_key(source), metadata={
        "rows_added": outcome.rows_added, "rows_ended": outcome.rows_ended, "rejected": outcome.rejected,
        "excluded": outcome.excluded, "quarantined": outcome.quarantined, "modes": outcome.modes,
        "stale": outcome.stale, "fetch_ids": dg.MetadataValue.json([f["fetch_id"] for f in outcome.fetches]),
        "ledger_outcome": dg.MetadataValue.json(outcome.summary())})
    failed = [c for c in outcome.checks if not c.passed]
    blocks = any(c.blocking for c in failed)
    yield dg.AssetCheckResult(
        asset_key=source_key(source), check_name=INGEST_RULES, passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR if blocks or not failed else dg.AssetCheckSeverity.WARN,
        description="; ".join(f"{c.name}: {c.summary}" for c in (failed or outcome.checks)),
        metadata={RULES: dg.MetadataValue.json([{"name": c.name, "passed": c.passed, "blocking": c.blocking,
                                                  "summary": c.summary, "first_failures": c.samples}
                                                 for c in outcome.checks])})


@dg.multi_asset(
    name="sources", can_subset=True,
    specs=[dg.AssetSpec(source_key(s), group_name=s.family, description=s.description, deps=[PLAN_KEY],
                        kinds={"python", "duckdb"}, tags={SOURCE_ROLE_TAG: "source"},
                        metadata={"parser_version": s.parser_version,
                                  "observation_table": FAMILIES[s.family].observation_table})
           for s in SOURCES],
    check_specs=[spec for s in SOURCES for spec in _check_specs(s)])
def sources(context: dg.AssetExecutionContext, http: HttpResource, warehouse: WarehouseResource):
    session = warehouse.session()
    plan, con, archive = session.plan, session.con, warehouse.archive()
    selected = [s for s in SOURCES if source_key(s) in context.selected_asset_keys]
    chosen = [s for s in selected if s.name in plan.sources]
    # Every chosen source fetched side by side; then each ingested in turn (one writer).
    with http.client() as client:
        collected = collect_many(chosen, fetch_plan(plan, chosen), client, archive,
                                 FetchHistory.from_connection(con, chosen),
                                 {s.name: known_fetch_ids(con, s.name) for s in chosen})
    unavailable: list[SourceOutcome] = []
    for source in selected:
        family = FAMILIES[source.family]
        result = collected.get(source.name)
        if result is None:
            outcome = SourceOutcome(source.name, family.name)  # nothing new for it in this run
            outcome.checks = checks_for(source, outcome)
        elif isinstance(result, SourceUnavailable):
            insert_fetches(con, result.failures)
            if plan.mode != "auto":
                progress.error("%-28s FAILED  %s", f"{family.name}/{source.name}", result)
                unavailable.append(SourceOutcome(source.name, family.name, fetches=result.failures,
                                                 error=str(result)))
                continue
            # auto: unreachable and nothing archived or bundled to fall back to — a gap this run.
            progress.warning("%-28s GAP     %s", f"{family.name}/{source.name}", result)
            outcome = gap_outcome(source, result)
        else:
            curated = plan.inputs.curated_dir
            outcome = ingest_fetched(source, family, result, con,
                                     family.confirmations(curated) if family.confirmations else None,
                                     family.releases(curated) if family.releases else None)
            progress.info("%-28s %-8s %5d versions added, %d ended, %d rejected, %d excluded, %d quarantined%s",
                          f"{family.name}/{source.name}", outcome.modes, outcome.rows_added, outcome.rows_ended,
                          outcome.rejected, outcome.excluded, outcome.quarantined,
                          " (stale)" if outcome.stale else "")
        yield from _results(source, outcome)
    for name in sorted({s.family for s in chosen}):
        if FAMILIES[name].after_ingest is not None:
            FAMILIES[name].after_ingest(con, plan.inputs.curated_dir)
    if unavailable:
        # Not materialised: the run stops before publication, naming each source and why.
        raise dg.Failure(description="; ".join(o.error for o in unavailable),
                         metadata={UNAVAILABLE: dg.MetadataValue.json([o.summary() for o in unavailable])})
