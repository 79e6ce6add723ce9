"""Licenses: text versions and their changes, and the quarterly openness spectrum."""


import dagster as dg
import polars as pl

from pipeline.core.sources import discover_sources
from pipeline.core.validate import schema_failures
from pipeline.core.warehouse import query
from pipeline.defs.sources import source_key
from pipeline.licenses.spectrum import unclassified_required
from pipeline.licenses.store import rebuild_license_history, snapshot_openness
from pipeline.partitions import QUARTERS, run_quarters
from pipeline.progress import progress
from pipeline.resources import LedgerSettings, WarehouseResource
from schemas.licenses import License, LicenseChange, OpennessSpectrum

LICENSES_VALID = "licenses_valid"
LICENSE_CHANGES_VALID = "license_changes_valid"
OPENNESS_VALID = "openness_spectrum_valid"
REQUIRED_MODELS_CLASSIFIED = "required_models_classified"
LICENSE_SOURCES = [source_key(s) for s in discover_sources("licenses")]


def _failures(schema: type, frame: pl.DataFrame) -> tuple[bool, dg.MetadataValue]:
    failures = schema_failures(schema, frame)
    sample = failures.head(10).with_columns(pl.all().cast(pl.String)).to_dicts()
    return failures.height == 0, dg.MetadataValue.json(sample)


@dg.multi_asset(
    specs=[dg.AssetSpec("licenses", group_name="licenses", deps=LICENSE_SOURCES, kinds={"duckdb"},
                        description="Each distinct license text version with its clauses and OSI status"),
           dg.AssetSpec("license_changes", group_name="licenses", deps=LICENSE_SOURCES, kinds={"duckdb"},
                        description="Each change of a license URL's text: diff, material or cosmetic")],
    check_specs=[dg.AssetCheckSpec(LICENSES_VALID, asset="licenses", blocking=True,
                                   description="Rows pass the License schema"),
                 dg.AssetCheckSpec(LICENSE_CHANGES_VALID, asset="license_changes", blocking=True,
                                   description="Rows pass the LicenseChange schema")],
)
def license_history(settings: LedgerSettings, warehouse: WarehouseResource):
    """Every license text version seen, with what it allows, and every change between versions."""
    con = warehouse.con()
    counts = rebuild_license_history(con, settings.curated_path())
    progress.info("%-28s %s", "licenses", ", ".join(f"{k} {v}" for k, v in counts.items()))
    ok_licenses, sample_licenses = _failures(License, query(con, "SELECT * FROM licenses"))
    ok_changes, sample_changes = _failures(LicenseChange, query(con, "SELECT * FROM license_changes"))
    yield dg.MaterializeResult(asset_key="licenses", metadata={"versions": counts["versions"]})
    yield dg.MaterializeResult(asset_key="license_changes", metadata={
        "changes": counts["changes"], "material_changes": counts["material_changes"]})
    yield dg.AssetCheckResult(asset_key="licenses", check_name=LICENSES_VALID, passed=ok_licenses,
                              metadata={"first_failures": sample_licenses})
    yield dg.AssetCheckResult(asset_key="license_changes", check_name=LICENSE_CHANGES_VALID, passed=ok_changes,
                              metadata={"first_failures": sample_changes})


@dg.asset(partitions_def=QUARTERS, group_name="licenses", deps=["licenses", "models", *LICENSE_SOURCES],
          kinds={"duckdb"},
          check_specs=[dg.AssetCheckSpec(OPENNESS_VALID, asset="openness_spectrum", blocking=True,
                                         description="Snapshot rows pass the OpennessSpectrum schema"),
                       dg.AssetCheckSpec(REQUIRED_MODELS_CLASSIFIED, asset="openness_spectrum", blocking=False,
                                         description="Every required registry model has a category with evidence")])
def openness_spectrum(context: dg.AssetExecutionContext, settings: LedgerSettings, warehouse: WarehouseResource):
    """Per quarter: each model's openness category, from its artifacts and its license's facts."""
    con = warehouse.con()
    running, quarters = settings.running_quarter(), run_quarters(context)
    written = {q.label: snapshot_openness(con, q, q == running, settings.curated_path()) for q in quarters}
    counts = {label: rows for label, (rows, _) in written.items()}
    progress.info("%-28s %s", "snapshot/openness_spectrum", ", ".join(f"{q}: {n}" for q, n in counts.items()))
    rows = query(con, "SELECT * FROM openness_spectrum WHERE quarter IN (SELECT unnest(?::VARCHAR[]))", [list(counts)])
    valid, sample = _failures(OpennessSpectrum, rows)
    # Quarters with the SPDX list observed: there, every required model must have a category.
    covered = {q.label: q.end for q in quarters if written[q.label][1]}
    missing = unclassified_required(query(con, "SELECT * FROM models"), rows, covered)
    yield dg.MaterializeResult(metadata={"rows_per_quarter": dg.MetadataValue.json(counts)})
    yield dg.AssetCheckResult(check_name=OPENNESS_VALID, passed=valid, metadata={"first_failures": sample})
    yield dg.AssetCheckResult(
        check_name=REQUIRED_MODELS_CLASSIFIED, passed=bool(covered) and missing.height == 0,
        severity=dg.AssetCheckSeverity.WARN,
        description=(f"{missing.height} required model-quarter(s) without a category with evidence" if covered
                     else "no quarter has a spectrum: the SPDX list was never observed"),
        metadata={"missing": dg.MetadataValue.json(missing.head(20).with_columns(pl.all().cast(pl.String)).to_dicts()),
                  "quarters_without_spdx_list": dg.MetadataValue.json(sorted(set(counts) - set(covered)))})
