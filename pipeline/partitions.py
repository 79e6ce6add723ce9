"""Quarterly partitions: keys are the quarter's first day (2026-07-01 is 2026Q3).

end_offset=1 adds the running quarter, which the marts compute and mark provisional.
"""

import dagster as dg

from pipeline.core.quarters import Quarter

FIRST_QUARTER = Quarter(2024, 1)

QUARTERS = dg.TimeWindowPartitionsDefinition(
    start=FIRST_QUARTER.partition_key,
    cron_schedule="0 0 1 1,4,7,10 *",
    fmt="%Y-%m-%d",
    timezone="UTC",
    end_offset=1,
)


def run_quarters(context: dg.AssetExecutionContext) -> list[Quarter]:
    """The quarters this run computes, oldest first (a run may cover a range of partitions)."""
    return sorted(Quarter.from_partition_key(k) for k in context.partition_keys)
