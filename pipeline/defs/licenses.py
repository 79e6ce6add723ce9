"""Licenses in one step: text versions and their changes, and the quarterly openness spectrum."""

import dagster as dg

from pipeline.core.progress import progress
from pipeline.core.warehouse import query
from pipeline.defs.checks import per_quarter, sample, schema_result, spec
from pipeline.defs.plan import PLAN_KEY
from pipeline.defs.resources import WarehouseResource
from pipeline.defs.sources import SOURCES, source_key
from pipeline.licenses.spectrum import unclassified_required
from pipeline.licenses.store import rebuild_license_history, snapshot_openness
from schemas.licenses import License, LicenseChange, OpennessSpectrum

LICENSES_VALID = "licenses_valid"
LICENSE_CHANGES_VALID = "license_changes_valid"
OPENNESS_VALID = "openness_spectrum_valid"
REQUIRED_MODELS_CLASSIFIED = "required_models_classified"
LICENSE_SOURCES = [source_key(s) for s in SOURCES if s.family == "licenses"]
OF_QUARTERS = "SELECT * FROM openness_spectrum WHERE quarter IN (SELECT unnest(?::VARCHAR[]))"


def _asset(key: str, deps: list, description: str) -> dg.AssetSpec:
    return dg.AssetSpec(key, group_name="licenses", deps=deps, kinds={"duckdb"}, description=description)


@dg.multi_asset(
    name="licenses",
    specs=[_asset("licenses", [PLAN_KEY, *LICENSE_SOURCES],
                  "Each distinct license text version with its clauses and OSI status"),
           _asset("license_changes", [PLAN_KEY, *LICENSE_SOURCES],
                  "Each change of a license URL's text: diff, material or cosmetic"),
           _asset("openness_spectrum", ["licenses", "models", *LICENSE_SOURCES],
                  "Per quarter: each model's openness category, from its artifacts and its license's facts")],
    check_specs=[spec(LICENSES_VALID, "licenses", "Rows pass the License schema"),
                 spec(LICENSE_CHANGES_VALID, "license_changes", "Rows pass the LicenseChange schema"),
                 spec(OPENNESS_VALID, "openness_spectrum", "Snapshot rows pass the OpennessSpectrum schema"),
                 spec(REQUIRED_MODELS_CLASSIFIED, "openness_spectrum",
                      "Every required registry model has a category with evidence", blocking=False)])
def licenses(warehouse: WarehouseResource):
    session = warehouse.session()
    con, plan = session.con, session.plan
    counts = rebuild_license_history(con, plan.inputs.curated_dir)
    progress.info("%-28s %s", "licenses", ", ".join(f"{k} {v}" for k, v in counts.items()))
    yield dg.MaterializeResult(asset_key="licenses", metadata={"versions": counts["versions"]})
    yield dg.MaterializeResult(asset_key="license_changes", metadata={
        "changes": counts["changes"], "material_changes": counts["material_changes"]})
    yield schema_result("licenses", LICENSES_VALID, License, query(con, "SELECT * FROM licenses"))
    yield schema_result("license_changes", LICENSE_CHANGES_VALID, LicenseChange,
                        query(con, "SELECT * FROM license_changes"))

    written = {q.label: snapshot_openness(con, q, plan.provisional(q), plan.inputs.curated_dir)
               for q in plan.quarters}
    counts = {label: rows for label, (rows, _) in written.items()}
    progress.info("%-28s %s", "snapshot/openness_spectrum", ", ".join(f"{q}: {n}" for q, n in counts.items()))
    rows = query(con, OF_QUARTERS, [list(counts)])
    # Quarters with the SPDX list observed: there, every required model must have a category.
    covered = {q.label: q.end for q in plan.quarters if written[q.label][1]}
    missing = unclassified_required(query(con, "SELECT * FROM models"), rows, covered)
    yield dg.MaterializeResult(asset_key="openness_spectrum", metadata={"rows_per_quarter": per_quarter(counts)})
    yield schema_result("openness_spectrum", OPENNESS_VALID, OpennessSpectrum, rows)
    yield dg.AssetCheckResult(
        asset_key="openness_spectrum", check_name=REQUIRED_MODELS_CLASSIFIED,
        passed=bool(covered) and missing.height == 0, severity=dg.AssetCheckSeverity.WARN,
        description=(f"{missing.height} required model-quarter(s) without a category with evidence" if covered
                     else "no quarter has a spectrum: the SPDX list was never observed"),
        metadata={"missing": sample(missing, 20),
                  "quarters_without_spdx_list": dg.MetadataValue.json(sorted(set(counts) - set(covered)))})
