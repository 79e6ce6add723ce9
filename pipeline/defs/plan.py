"""The first step of every refresh: take the refresh lock, then plan the run (pipeline/core/plan.py)."""

import dagster as dg

from pipeline.core.plan import PlanError
from pipeline.core.progress import progress
from pipeline.core.warehouse import RefreshInProgress
from pipeline.defs.resources import Clock, WarehouseResource
from pipeline.defs.settings import RefreshSettings

PLAN_KEY = dg.AssetKey("refresh_plan")
# Why a refresh refused to start, for the command line (exit 75 for a running refresh, 2 for settings).
REFUSED = "refused"


@dg.asset(key=PLAN_KEY, group_name="refresh", kinds={"python"})
def refresh_plan(config: RefreshSettings, clock: Clock,
                 warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Which quarters and sources this refresh computes, and why; holds the warehouse for the run."""
    try:
        plan = warehouse.begin(config, clock.now())
    except RefreshInProgress as exc:
        raise dg.Failure(description=str(exc), metadata={REFUSED: "refresh_in_progress"}) from None
    except PlanError as exc:
        raise dg.Failure(description=str(exc), metadata={REFUSED: "invalid_settings"}) from None
    quarters = (f"{plan.quarters[0]}–{plan.quarters[-1]}" if len(plan.quarters) > 1 else plan.quarters[0].label)
    progress.info("%-28s %s: %s; %d source(s)", "plan", quarters, plan.quarters_reason, len(plan.sources))
    return dg.MaterializeResult(metadata={**plan.summary(), "quarters": dg.MetadataValue.json(
        [q.label for q in plan.quarters]), "sources": dg.MetadataValue.json(list(plan.sources))})
