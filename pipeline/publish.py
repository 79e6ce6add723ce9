"""Publication: the last step of a refresh, downstream of every other asset.

It runs only when every upstream step succeeded and every blocking check passed (Dagster skips
it otherwise), so a refresh either publishes everything it computed or nothing at all. After the
atomic publish it writes the exports, the data dictionary and the HTML report from the published
file, and checks the exports against their manifest.
"""


import json

import dagster as dg

from pipeline import __version__
from pipeline.analyst import create_latest_views
from pipeline.core.export import EXPORT_SCHEMA_VERSION, export_all, verify_exports
from pipeline.core.fetch_records import utcnow
from pipeline.core.warehouse import read_published
from pipeline.outputs import try_write_documents
from pipeline.partitions import QUARTERS, run_quarters
from pipeline.progress import progress
from pipeline.resources import LedgerSettings, WarehouseResource

PUBLISH_KEY = dg.AssetKey("published_warehouse")
EXPORTS_MATCH_MANIFEST = "exports_match_manifest"
EXPORT_SCHEMA_COMPATIBLE = "export_schema_compatible"
REPORT_WRITTEN = "report_written"
__all__ = ["EXPORT_SCHEMA_VERSION", "PUBLISH_KEY", "build_publish_asset"]


def _checks() -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(EXPORTS_MATCH_MANIFEST, asset=PUBLISH_KEY,
                          description="Every exported file re-read: rows, bytes and sha256 match the manifest"),
        dg.AssetCheckSpec(EXPORT_SCHEMA_COMPATIBLE, asset=PUBLISH_KEY,
                          description="No exported column removed or retyped without a schema version bump"),
        dg.AssetCheckSpec(REPORT_WRITTEN, asset=PUBLISH_KEY,
                          description="The HTML report and the data dictionary were written"),
    ]


def build_publish_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(key=PUBLISH_KEY, partitions_def=QUARTERS, group_name="publish", deps=upstream,
              kinds={"duckdb", "parquet", "csv"}, check_specs=_checks())
    def published_warehouse(context: dg.AssetExecutionContext, settings: LedgerSettings,
                            warehouse: WarehouseResource):
        """Atomically replaces warehouse/ledger.duckdb with this run's staging copy, then exports."""
        quarters = run_quarters(context)
        con = warehouse.con()
        sources = sorted({r[0] for r in con.execute(
            "SELECT DISTINCT source FROM raw_fetch WHERE run_id = ?", [context.run.run_id]).fetchall()})
        con.execute("INSERT OR REPLACE INTO refresh_runs VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [context.run.run_id, settings.mode, settings.as_of_time(), utcnow(), utcnow(),
                     ",".join(q.label for q in quarters), ",".join(sources)])
        create_latest_views(con)
        published = warehouse.publish()
        paths = warehouse.paths()
        with read_published(paths) as ro:
            result = export_all(ro, paths.exports_dir, quarters, {
                "generator": f"llm-ledger {__version__}", "run_id": context.run.run_id,
                "generated_at": utcnow().isoformat(timespec="seconds"), "written_by": "ledger refresh"})
            fetch_ids = [r[0] for r in ro.execute(
                "SELECT fetch_id FROM raw_fetch WHERE run_id = ? ORDER BY fetch_id", [context.run.run_id]).fetchall()]
            documents, doc_error = try_write_documents(ro, paths.exports_dir)
        problems = verify_exports(paths.exports_dir)
        progress.info("%-28s %s (%d export files)", "published", published, len(result.files))
        yield dg.MaterializeResult(metadata={
            "warehouse": str(published), "manifest": str(result.manifest), "export_files": len(result.files),
            "schema_version": result.schema_version, "documents": dg.MetadataValue.json(documents),
            "fetch_ids": dg.MetadataValue.json(fetch_ids[:200]),
            "quarters": json.dumps([q.label for q in quarters])})
        yield dg.AssetCheckResult(check_name=EXPORTS_MATCH_MANIFEST, passed=not problems,
                                  description=f"{len(problems)} file(s) differ from the manifest" if problems else None,
                                  metadata={"problems": dg.MetadataValue.json(problems[:50])})
        yield dg.AssetCheckResult(check_name=EXPORT_SCHEMA_COMPATIBLE, passed=not result.breaking,
                                  severity=dg.AssetCheckSeverity.WARN,
                                  description=("breaking change(s) without a schema version bump: "
                                               + "; ".join(result.breaking[:5])) if result.breaking else None,
                                  metadata={"breaking": dg.MetadataValue.json(result.breaking)})
        yield dg.AssetCheckResult(check_name=REPORT_WRITTEN, passed=doc_error is None,
                                  severity=dg.AssetCheckSeverity.WARN, description=doc_error,
                                  metadata={"written": dg.MetadataValue.json(documents)})

    return published_warehouse
