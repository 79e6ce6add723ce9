"""Prices in one step: the model registry, the quarterly `model_prices` snapshot and its checks."""

import dagster as dg

from pipeline.core.progress import progress
from pipeline.core.warehouse import query, replace_rows
from pipeline.defs.checks import per_quarter, sample, schema_result, spec, warn_result
from pipeline.defs.plan import PLAN_KEY
from pipeline.defs.resources import WarehouseResource
from pipeline.defs.sources import SOURCES, source_key
from pipeline.prices.registry import build_aliases, load_aliases, load_models
from pipeline.prices.snapshot import missing_models, record_discrepancies, snapshot_model_prices
from schemas.prices import ModelPrice, PriceDiscrepancy

MODEL_PRICES_VALID = "model_prices_valid"
NO_MODEL_DROPPED = "no_model_dropped_since_last_quarter"
PRICE_DISCREPANCIES_VALID = "price_discrepancies_valid"
SOURCES_AGREE = "sources_agree_within_5_percent"
PRICE_SOURCES = [source_key(s) for s in SOURCES if s.family == "prices"]
OBSERVED_IDS = "SELECT DISTINCT source, source_model_id FROM price_observations"
OF_QUARTERS = "SELECT * FROM model_prices WHERE quarter IN (SELECT unnest(?::VARCHAR[]))"


@dg.multi_asset(
    name="prices",
    specs=[dg.AssetSpec("models", group_name="prices", deps=[PLAN_KEY, *PRICE_SOURCES], kinds={"duckdb"},
                        description="Canonical model registry (curated, cited)"),
           dg.AssetSpec("model_aliases", group_name="prices", deps=[PLAN_KEY, *PRICE_SOURCES], kinds={"duckdb"},
                        description="Each source's model ids mapped exactly to canonical ids"),
           dg.AssetSpec("model_prices", group_name="prices", deps=["model_aliases", *PRICE_SOURCES], kinds={"duckdb"},
                        description="Per quarter: each canonical model's price at each provider, as of the "
                                    "quarter's end"),
           dg.AssetSpec("price_discrepancies", group_name="prices", deps=["model_prices"], kinds={"duckdb"},
                        description="Per quarter: the same model and provider priced more than 5% apart by two "
                                    "sources")],
    check_specs=[spec(MODEL_PRICES_VALID, "model_prices", "Snapshot rows pass the ModelPrice schema"),
                 spec(NO_MODEL_DROPPED, "model_prices", "Every model priced last quarter is priced this quarter",
                      blocking=False),
                 spec(PRICE_DISCREPANCIES_VALID, "price_discrepancies", "Rows pass the PriceDiscrepancy schema"),
                 spec(SOURCES_AGREE, "price_discrepancies", "No two sources price a model >5% apart",
                      blocking=False)])
def prices(warehouse: WarehouseResource):
    session = warehouse.session()
    con, plan = session.con, session.plan
    models = load_models(plan.inputs.curated_dir)
    aliases = build_aliases(load_aliases(plan.inputs.curated_dir), query(con, OBSERVED_IDS))
    replace_rows(con, "models", models)
    replace_rows(con, "model_aliases", aliases)
    yield dg.MaterializeResult(asset_key="models", metadata={"rows": models.height})
    yield dg.MaterializeResult(asset_key="model_aliases", metadata={"rows": aliases.height})

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
