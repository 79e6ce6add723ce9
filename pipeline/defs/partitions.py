"""Quarterly partitions: keys are the quarter's first day (2026-07-01 is 2026Q3).

Every asset of the refresh shares them, with a single-run backfill policy: a range of quarters
chosen in the UI (or sent by the quarterly schedule) is one run, each asset one step computing
all of them. A run launched without partitions (`ledger refresh`, `dagster job execute`) lets
the plan choose its quarters. end_offset=1 adds the running quarter (computed, provisional).
"""

import dagster as dg

from pipeline.core.quarters import FIRST_QUARTER, Quarter

QUARTERS = dg.TimeWindowPartitionsDefinition(
    start=FIRST_QUARTER.partition_key,
    cron_schedule="0 0 1 1,4,7,10 *",
    fmt="%Y-%m-%d",
    timezone="UTC",
    end_offset=1,
)
ONE_RUN = dg.BackfillPolicy.single_run()
# What every asset of the refresh is declared with.
QUARTERLY = {"partitions_def": QUARTERS, "backfill_policy": ONE_RUN}


def launched_quarters(context: dg.AssetExecutionContext) -> list[Quarter] | None:
    """The quarters a run was launched for (a partition or a range), or None: the plan decides."""
    if not (context.has_partition_key or context.has_partition_key_range):
        return None
    return sorted(Quarter.from_partition_key(k) for k in context.partition_keys)
