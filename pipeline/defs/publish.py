"""Publication: the last step of a refresh, downstream of every other asset.

It runs only when every upstream step succeeded and every blocking check passed (Dagster skips
it otherwise). It writes the exports, the data dictionary and the HTML report from the staging
warehouse into a folder beside the published exports, verifies them against their manifest, and
only then swaps the warehouse file and the exports folder in together (pipeline/core/session.py).
A failure anywhere leaves the published warehouse and exports exactly as they were.
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


def build_publish_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(key=PUBLISH_KEY, group_name="publish", deps=upstream, kinds={"duckdb", "parquet", "csv"},
              check_specs=[
                  dg.AssetCheckSpec(EXPORTS_MATCH_MANIFEST, asset=PUBLISH_KEY,
                                    description="Every exported file re-read before publication: rows, bytes and "
                                                "sha256 match the manifest"),
                  dg.AssetCheckSpec(EXPORT_SCHEMA_COMPATIBLE, asset=PUBLISH_KEY,
                                    description="No exported column removed or retyped without a schema version "
                                                "bump")])
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

    return published_warehouse
