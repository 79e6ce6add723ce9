"""Prices in one step: the model registry and every source id's mapping (prices and benchmarks),
the quarterly `model_prices` snapshot and its checks."""

import dagster as dg

from pipeline.core.progress import progress
from pipeline.core.warehouse import query
from pipeline.defs.checks import per_quarter, sample, schema_result, spec, warn_result
from pipeline.defs.plan import PLAN_KEY
from pipeline.defs.resources import WarehouseResource
from pipeline.defs.sources import SOURCES, source_key
from pipeline.prices.registry import rebuild_identity
from pipeline.prices.snapshot import missing_models, record_discrepancies, snapshot_model_prices
from schemas.prices import Model, ModelAlias, ModelPrice, PriceDiscrepancy

MODELS_VALID = "models_valid"
MODEL_ALIASES_VALID = "model_aliases_valid"
MODEL_PRICES_VALID = "model_prices_valid"
NO_MODEL_DROPPED = "no_model_dropped_since_last_quarter"
PRICE_DISCREPANCIES_VALID = "price_discrepancies_valid"
SOURCES_AGREE = "sources_agree_within_5_percent"
PRICE_SOURCES = [source_key(s) for s in SOURCES if s.family == "prices"]
# The registry reads every source that names models: prices and benchmarks.
NAMING_SOURCES = [source_key(s) for s in SOURCES if s.family in ("prices", "benchmarks")]
OF_QUARTERS = "SELECT * FROM model_prices WHERE quarter IN (SELECT unnest(?::VARCHAR[]))"


@dg.multi_asset(
    name="prices",
    specs=[dg.AssetSpec("models", group_name="prices", deps=[PLAN_KEY, *NAMING_SOURCES], kinds={"duckdb"},
                        description="Canonical model registry: OpenRouter's models, curated facts on top, "
                                    "models the sources name (docs/identity.md)"),
           dg.AssetSpec("model_aliases", group_name="prices", deps=["models", *NAMING_SOURCES], kinds={"duckdb"},
                        description="Every model id the sources name: its canonical model by a named rule, "
                                    "or why not (excluded / unmapped)"),
           dg.AssetSpec("model_prices", group_name="prices", deps=["model_aliases", *PRICE_SOURCES], kinds={"duckdb"},
                        description="Per quarter: each canonical model's price at each provider, as of the "
                                    "quarter's end"),
           dg.AssetSpec("price_discrepancies", group_name="prices", deps=["model_prices"], kinds={"duckdb"},
                        description="Per quarter: the same model and provider priced more than 5% apart by two "
                                    "sources")],
    check_specs=[spec(MODELS_VALID, "models", "Registry rows pass the Model schema"),
                 spec(MODEL_ALIASES_VALID, "model_aliases", "Alias rows pass the ModelAlias schema"),
                 spec(MODEL_PRICES_VALID, "model_prices", "Snapshot rows pass the ModelPrice schema"),
                 spec(NO_MODEL_DROPPED, "model_prices", "Every model priced last quarter is priced this quarter",
                      blocking=False),
                 spec(PRICE_DISCREPANCIES_VALID, "price_discrepancies", "Rows pass the PriceDiscrepancy schema"),
                 spec(SOURCES_AGREE, "price_discrepancies", "No two sources price a model >5% apart",
                      blocking=False)])
def prices(warehouse: WarehouseResource):
    session = warehouse.session()
    con, plan = session.con, session.plan
    identity = rebuild_identity(con, plan.inputs.curated_dir)
    models, aliases = identity.models, identity.aliases
    origins = dict(models.group_by("origin").len().sort("origin").iter_rows())
    statuses = dict(aliases.group_by("status").len().sort("status").iter_rows())
    progress.info("%-28s %s models; ids %s", "identity", models.height, statuses)
    yield dg.MaterializeResult(asset_key="models",
                               metadata={"rows": models.height, "by_origin": dg.MetadataValue.json(origins)})
    yield schema_result("models", MODELS_VALID, Model, models)
    yield dg.MaterializeResult(asset_key="model_aliases", metadata={"rows": aliases.height, **statuses})
    yield schema_result("model_aliases", MODEL_ALIASES_VALID, ModelAlias, aliases)

    counts = {q.label: snapshot_model_prices(con, q, plan.provisional(q)) for q in plan.quarters}
    progress.info("%-28s %s", "snapshot/model_prices", ", ".join(f"{q}: {n}" for q, n in counts.items()))
    missing = missing_models(con, list(plan.quarters))
    yield dg.MaterializeResult(asset_key="model_prices", metadata={"rows_per_quarter": per_quarter(counts)})
    yield schema_result("model_prices", MODEL_PRICES_VALID, ModelPrice, query(con, OF_QUARTERS, [list(counts)]))
    yield warn_result("model_prices", NO_MODEL_DROPPED, missing,
                      f"{missing.height} model(s) priced last quarter and missing now")

    found = record_discrepancies(con, list(plan.quarters))
    yield dg.MaterializeResult(asset_key="price_discrepancies", metadata={"rows": found.height,
                                                                          "largest_gaps": sample(found)})
    yield schema_result("price_discrepancies", PRICE_DISCREPANCIES_VALID, PriceDiscrepancy, found)
    yield warn_result("price_discrepancies", SOURCES_AGREE, found,
                      f"{found.height} price(s) more than 5% apart between sources")
