"""Publication: the last step of a refresh, downstream of every other asset.

It runs only when every upstream step succeeded and every blocking check passed (Dagster skips
it otherwise). It writes the exports, the data dictionary and the HTML report from the staging
warehouse into a folder beside the published exports, verifies them against their manifest, and
only then swaps the warehouse file and the exports folder in together (pipeline/core/session.py).
A failure anywhere leaves the published warehouse and exports exactly as they were.

With an Iceberg target configured (LEDGER_ICEBERG_CATALOG / LEDGER_ICEBERG_WAREHOUSE,
docs/scale-out.md) the published warehouse is then exported to it. The Iceberg tables are a copy:
an export that fails is a warning (`iceberg_exported`) naming why, and the publication stands; the
next refresh or `ledger export --to iceberg` catches the copy up.
"""

import dagster as dg

from pipeline.app.analyst import create_latest_views
from pipeline.app.outputs import write_publication
from pipeline.core.fetch_records import utcnow
from pipeline.core.progress import progress
from pipeline.core.snapshots import carried_by_source
from pipeline.defs.resources import WarehouseResource

PUBLISH_KEY = dg.AssetKey("published_warehouse")
# The bundled seed this run read: responses and the sources they stand for.
BUNDLED = ("SELECT count(*), count(DISTINCT source) FROM raw_fetch "
           "WHERE run_id = ? AND mode IN ('bundled', 'replay')")
EXPORTS_MATCH_MANIFEST = "exports_match_manifest"
EXPORT_SCHEMA_COMPATIBLE = "export_schema_compatible"
ICEBERG_EXPORTED = "iceberg_exported"


def build_publish_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(key=PUBLISH_KEY, group_name="publish", deps=upstream, kinds={"duckdb", "parquet", "csv"},
              check_specs=[
                  dg.AssetCheckSpec(EXPORTS_MATCH_MANIFEST, asset=PUBLISH_KEY,
                                    description="Every exported file re-read before publication: rows, bytes and "
                                                "sha256 match the manifest"),
                  dg.AssetCheckSpec(EXPORT_SCHEMA_COMPATIBLE, asset=PUBLISH_KEY,
                                    description="No exported column removed or retyped without a schema version "
                                                "bump"),
                  dg.AssetCheckSpec(ICEBERG_EXPORTED, asset=PUBLISH_KEY,
                                    description="The published tables copied to the configured Iceberg target "
                                                "(passes with nothing to do when none is configured)")])
    def published_warehouse(warehouse: WarehouseResource):
        """Publishes this run's staging warehouse and its exports, atomically and together."""
        session = warehouse.session()
        plan = session.plan
        create_latest_views(session.con)
        seed = session.con.execute(BUNDLED, [plan.run_id]).fetchall()[0]
        carried = carried_by_source(session.con, plan.running)
        done = session.publish(utcnow(), lambda con, folder: write_publication(
            con, folder, list(plan.quarters), plan.run_id))
        publication = done.detail
        progress.info("%-28s %s (%d export files)", "published", done.warehouse, len(publication.result.files))
        yield dg.MaterializeResult(metadata={
            "warehouse": str(done.warehouse), "exports": str(done.exports),
            "export_files": len(publication.result.files), "schema_version": publication.result.schema_version,
            "documents": dg.MetadataValue.json([str(p) for p in publication.documents]),
            "quarters": dg.MetadataValue.json([q.label for q in plan.quarters]),
            "bundled_files": seed[0], "bundled_sources": seed[1],
            "carried_forward": dg.MetadataValue.json(carried)})
        yield dg.AssetCheckResult(check_name=EXPORTS_MATCH_MANIFEST, passed=True,
                                  description=f"{len(publication.result.files)} file(s) verified before the swap")
        breaking = publication.result.breaking
        yield dg.AssetCheckResult(check_name=EXPORT_SCHEMA_COMPATIBLE, passed=not breaking,
                                  severity=dg.AssetCheckSeverity.WARN,
                                  description=("breaking change(s) without a schema version bump: "
                                               + "; ".join(breaking[:5])) if breaking else None,
                                  metadata={"breaking": dg.MetadataValue.json(breaking)})
        yield iceberg_result(done.warehouse, plan.run_id)

    return published_warehouse


def iceberg_result(warehouse_db, run_id: str) -> dg.AssetCheckResult:
    """Export the published warehouse to the configured Iceberg target, as a (warning) check."""
    from pipeline.scale_out.target import IcebergExportError, IcebergTarget

    try:
        if IcebergTarget.from_env() is None:  # pyiceberg is imported only for a configured target
            result = None
        else:
            from pipeline.scale_out import publish_configured

            result = publish_configured(warehouse_db, run_id)
    except IcebergExportError as exc:
        progress.warning("%-28s FAILED  %s", "iceberg", exc)
        return dg.AssetCheckResult(check_name=ICEBERG_EXPORTED, passed=False, severity=dg.AssetCheckSeverity.WARN,
                                   description=f"the Iceberg export failed, the publication stands: {exc}")
    if result is None:
        return dg.AssetCheckResult(check_name=ICEBERG_EXPORTED, passed=True,
                                   description="no Iceberg target configured")
    progress.info("%-28s %s", "iceberg", result.summary())
    return dg.AssetCheckResult(check_name=ICEBERG_EXPORTED, passed=True, description=result.summary(),
                               metadata={"tables": dg.MetadataValue.json(
                                   {t.table: t.status for t in result.tables})})
