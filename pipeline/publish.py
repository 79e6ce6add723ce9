"""Publication: the last step of a refresh, downstream of every other asset.

It runs only when every upstream step succeeded and every blocking check passed (Dagster skips
it otherwise), so a refresh either publishes everything it computed or nothing at all.
"""


import json

import dagster as dg

from pipeline import __version__
from pipeline.core.export import export_quarter, quarterly_tables, write_manifest
from pipeline.core.fetching import utcnow
from pipeline.core.warehouse import read_published
from pipeline.partitions import QUARTERS, run_quarters
from pipeline.progress import progress
from pipeline.resources import LedgerSettings, WarehouseResource

PUBLISH_KEY = dg.AssetKey("published_warehouse")
EXPORT_SCHEMA_VERSION = 1


def build_publish_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(key=PUBLISH_KEY, partitions_def=QUARTERS, group_name="publish", deps=upstream,
              kinds={"duckdb", "parquet", "csv"})
    def published_warehouse(context: dg.AssetExecutionContext, settings: LedgerSettings,
                            warehouse: WarehouseResource):
        """Atomically replaces warehouse/ledger.duckdb with this run's staging copy, then exports."""
        quarters = run_quarters(context)
        con = warehouse.con()
        sources = sorted({r[0] for r in con.execute(
            "SELECT DISTINCT source FROM raw_fetch WHERE run_id = ?", [context.run_id]).fetchall()})
        con.execute("INSERT OR REPLACE INTO refresh_runs VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [context.run_id, settings.mode, settings.as_of_time(), utcnow(), utcnow(),
                     ",".join(q.label for q in quarters), ",".join(sources)])
        published = warehouse.publish()
        paths = warehouse.paths()
        files = []
        with read_published(paths) as ro:
            for table in quarterly_tables(ro):
                for quarter in quarters:
                    files.extend(export_quarter(ro, table, quarter, paths.exports_dir))
            fetch_ids = [r[0] for r in ro.execute(
                "SELECT fetch_id FROM raw_fetch WHERE run_id = ? ORDER BY fetch_id", [context.run_id]).fetchall()]
        manifest = write_manifest(paths.exports_dir, files, {
            "schema_version": EXPORT_SCHEMA_VERSION, "generator": f"llm-ledger {__version__}",
            "generated_at": utcnow().isoformat(timespec="seconds"), "run_id": context.run_id})
        progress.info("%-28s %s (%d export files)", "published", published, len(files))
        return dg.MaterializeResult(metadata={
            "warehouse": str(published), "manifest": str(manifest), "export_files": len(files),
            "fetch_ids": dg.MetadataValue.json(fetch_ids[:200]),
            "quarters": json.dumps([q.label for q in quarters])})

    return published_warehouse
