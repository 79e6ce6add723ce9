"""History backfill: which commit or capture each rebuilt quarter of each source stands on."""

import dagster as dg

from pipeline.core.history_sources import HistoryLog, store_coverage
from pipeline.core.progress import progress
from pipeline.defs.resources import WarehouseResource
from pipeline.defs.sources import SOURCES, source_key

EVERY_QUARTER_HAS_A_VERSION = "every_quarter_has_a_version"


@dg.asset(group_name="history", deps=[source_key(s) for s in SOURCES], kinds={"duckdb"},
          check_specs=[dg.AssetCheckSpec(EVERY_QUARTER_HAS_A_VERSION, asset="backfill_coverage", blocking=False,
                                         description="Every quarter a backfill asked for has a version")])
def backfill_coverage(warehouse: WarehouseResource):
    """Per quarter, source and endpoint: the commit or capture found, or the gap, of `ledger backfill`."""
    session = warehouse.session()
    plan = session.plan
    rows = HistoryLog(warehouse.paths().raw_dir).coverage(plan.run_id) if plan.mode == "backfill" else []
    written = store_coverage(session.con, rows, plan.running)
    missing = [r for r in rows if r["status"] not in ("found", "carried")]
    if rows:
        progress.info("%-28s %d quarter(s) x endpoint(s), %d without a readable version", "backfill", written,
                      len(missing))
    yield dg.MaterializeResult(metadata={"rows": written, "without_version": len(missing)})
    yield dg.AssetCheckResult(
        check_name=EVERY_QUARTER_HAS_A_VERSION, passed=not missing, severity=dg.AssetCheckSeverity.WARN,
        description="; ".join(f"{r['source']} {r['quarter']} {r['status']}" for r in missing[:5]) or None,
        metadata={"first": dg.MetadataValue.json(missing[:10])})
