"""The Dagster code location: `dagster dev -m pipeline.definitions` (see `make ui`).

Everything under pipeline/defs/ is loaded as a folder; publication is then built downstream of
all of it. The `refresh` job (every asset, in-process) is what `ledger refresh`, the quarterly
schedule and "Materialize all" in the UI run: its first step plans the run, its last publishes.
"""

import dagster as dg

from pipeline.core.paths import ROOT
from pipeline.core.quarters import Quarter
from pipeline.defs.publish import build_publish_asset
from pipeline.defs.resources import Clock, HttpResource, WarehouseResource

REFRESH_JOB = "refresh"


def build_definitions(clock: Clock | None = None) -> dg.Definitions:
    """The code location. `clock`: what live and auto runs take as "now" (tests fix it; nothing a
    run's config can set, so no run can date a fetch in the past)."""
    resources = {"clock": clock or Clock(), "http": HttpResource(), "warehouse": WarehouseResource()}
    folder = dg.Definitions.merge(dg.load_from_defs_folder(path_within_project=ROOT),
                                  dg.Definitions(resources=resources))
    upstream = sorted((spec.key for spec in folder.resolve_all_asset_specs()), key=lambda k: k.to_user_string())
    publish = build_publish_asset(upstream)
    refresh = dg.define_asset_job(REFRESH_JOB, selection=dg.AssetSelection.all(),
                                  description="Full refresh: plan, fetch every source, snapshot, compute marts, "
                                              "publish")

    @dg.schedule(job_name=REFRESH_JOB, cron_schedule="0 6 5 1,4,7,10 *", execution_timezone="UTC",
                 default_status=dg.DefaultScheduleStatus.STOPPED)
    def quarterly_refresh(context: dg.ScheduleEvaluationContext):
        """On the 5th day of a quarter: finalise the quarter just ended and refresh the new one, exactly
        as `ledger refresh` does (the plan picks the quarters; the run key makes it once a quarter)."""
        running = Quarter.of(context.scheduled_execution_time)
        return dg.RunRequest(run_key=f"quarterly-{running.label}", tags={"ledger/launched_by": "schedule"})

    return dg.Definitions.merge(folder, dg.Definitions(
        assets=[publish], jobs=[refresh], schedules=[quarterly_refresh], executor=dg.in_process_executor))


defs = build_definitions()
