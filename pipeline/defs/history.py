"""History backfill: which commit or capture each rebuilt quarter of each source stands on."""


import dagster as dg

from pipeline.core.history_sources import HistoryLog, store_coverage
from pipeline.core.sources import discover_sources
from pipeline.defs.sources import source_key
from pipeline.progress import progress
from pipeline.resources import LedgerSettings, WarehouseResource

EVERY_QUARTER_HAS_A_VERSION = "every_quarter_has_a_version"


@dg.asset(group_name="history", deps=[source_key(s) for s in discover_sources()], kinds={"duckdb"},
          check_specs=[dg.AssetCheckSpec(EVERY_QUARTER_HAS_A_VERSION, asset="backfill_coverage", blocking=False,
                                         description="Every quarter a backfill asked for has a version")])
def backfill_coverage(context: dg.AssetExecutionContext, settings: LedgerSettings, warehouse: WarehouseResource):
    """Per quarter, source and endpoint: the commit or capture found, or the gap, of `ledger backfill`."""
    rows = HistoryLog(warehouse.paths().raw_dir).coverage(context.run.run_id) if settings.mode == "backfill" else []
    written = store_coverage(warehouse.con(), rows, settings.running_quarter())
    missing = [r for r in rows if r["status"] not in ("found", "carried")]
    if rows:
        progress.info("%-28s %d quarter(s) x endpoint(s), %d without a readable version", "backfill", written,
                      len(missing))
    yield dg.MaterializeResult(metadata={"rows": written, "without_version": len(missing)})
    yield dg.AssetCheckResult(
        check_name=EVERY_QUARTER_HAS_A_VERSION, passed=not missing, severity=dg.AssetCheckSeverity.WARN,
        description="; ".join(f"{r['source']} {r['quarter']} {r['status']}" for r in missing[:5]) or None,
        metadata={"first": dg.MetadataValue.json(missing[:10])})
