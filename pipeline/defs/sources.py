"""One asset per source: fetch → archive → parse → validate → store observations.

Assets are made from the source modules found in the family packages (pipeline/<family>/),
so adding a source module adds its asset. Each asset reports three checks: `schema_valid` and
`usable_share` block publication; `no_quarantined_rows` warns.
"""


import dagster as dg

from pipeline.core.family import Family
from pipeline.core.fetch_records import SourceUnavailable
from pipeline.core.ingest import NO_QUARANTINED_ROWS, SCHEMA_VALID, USABLE_SHARE, ingest_source
from pipeline.core.sources import Source, discover_families, discover_sources
from pipeline.progress import progress
from pipeline.resources import HttpResource, LedgerSettings, WarehouseResource

SOURCE_ROLE_TAG = "ledger/role"


def source_key(source: Source) -> dg.AssetKey:
    return dg.AssetKey([source.family, source.name])


def build_source_asset(source: Source, family: Family) -> dg.AssetsDefinition:
    key = source_key(source)
    checks = [
        dg.AssetCheckSpec(SCHEMA_VALID, asset=key, blocking=True,
                          description="Every body parsed, and its rows have the family's shape"),
        dg.AssetCheckSpec(USABLE_SHARE, asset=key, blocking=True,
                          description=f"At most {source.max_bad_share:.0%} of entries rejected or quarantined"),
        dg.AssetCheckSpec(NO_QUARANTINED_ROWS, asset=key, blocking=False,
                          description="No row held back by a row rule"),
    ]

    @dg.asset(key=key, group_name=family.name, description=source.description, kinds={"python", "duckdb"},
              check_specs=checks, tags={SOURCE_ROLE_TAG: "source"},
              metadata={"parser_version": source.parser_version, "observation_table": family.observation_table})
    def _source_asset(context: dg.AssetExecutionContext, settings: LedgerSettings, http: HttpResource,
                      warehouse: WarehouseResource):
        try:
            outcome = ingest_source(source, family, settings.plan(context.run.run_id), http.client(),
                                    warehouse.archive(), warehouse.con())
        except SourceUnavailable as exc:
            progress.error("%-28s FAILED  %s", f"{family.name}/{source.name}", exc)
            raise dg.Failure(description=str(exc), metadata={
                "failures": dg.MetadataValue.json(exc.failures)}) from None
        progress.info("%-28s %-8s %5d rows added, %d rejected, %d excluded, %d quarantined%s",
                      f"{family.name}/{source.name}", outcome.modes, outcome.rows_added, outcome.rejected,
                      outcome.excluded, outcome.quarantined, " (stale)" if outcome.stale else "")
        yield dg.MaterializeResult(metadata={
            "rows_added": outcome.rows_added, "rejected": outcome.rejected, "excluded": outcome.excluded,
            "quarantined": outcome.quarantined, "modes": outcome.modes, "stale": outcome.stale,
            "fetch_ids": dg.MetadataValue.json([f["fetch_id"] for f in outcome.fetches]),
            "ledger_outcome": dg.MetadataValue.json(outcome.summary()),
        })
        for check in outcome.checks:
            yield dg.AssetCheckResult(
                check_name=check.name, passed=check.passed, description=check.summary,
                severity=dg.AssetCheckSeverity.ERROR if check.blocking else dg.AssetCheckSeverity.WARN,
                metadata={"summary": check.summary, "first_failures": dg.MetadataValue.json(check.samples)})

    return _source_asset


_families = discover_families()
source_assets = [build_source_asset(s, _families[s.family]) for s in discover_sources()]
