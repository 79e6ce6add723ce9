"""Prices: the model registry, the quarterly `model_prices` snapshot and its cross-source checks."""


import dagster as dg
import polars as pl

from pipeline.core.sources import discover_sources
from pipeline.core.validate import schema_failures
from pipeline.core.warehouse import query, replace_rows
from pipeline.defs.sources import source_key
from pipeline.partitions import QUARTERS, run_quarters
from pipeline.prices.confirm import release_confirmed
from pipeline.prices.registry import build_aliases, load_aliases, load_models
from pipeline.prices.snapshot import missing_models, record_discrepancies, snapshot_model_prices
from pipeline.progress import progress
from pipeline.resources import LedgerSettings, WarehouseResource
from schemas.prices import ModelPrice, PriceDiscrepancy

MODEL_PRICES_VALID = "model_prices_valid"
NO_MODEL_DROPPED = "no_model_dropped_since_last_quarter"
PRICE_DISCREPANCIES_VALID = "price_discrepancies_valid"
SOURCES_AGREE = "sources_agree_within_5_percent"
PRICE_SOURCES = [source_key(s) for s in discover_sources("prices")]


def _sample(frame: pl.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.json(frame.head(10).with_columns(pl.all().cast(pl.String)).to_dicts())


@dg.multi_asset(
    specs=[dg.AssetSpec("models", group_name="prices", deps=PRICE_SOURCES, kinds={"duckdb"},
                        description="Canonical model registry (curated, cited)"),
           dg.AssetSpec("model_aliases", group_name="prices", deps=PRICE_SOURCES, kinds={"duckdb"},
                        description="Each source's model ids mapped exactly to canonical ids")],
)
def model_registry(settings: LedgerSettings, warehouse: WarehouseResource):
    con = warehouse.con()
    models = load_models(settings.curated_path())
    observed = query(con, "SELECT DISTINCT source, source_model_id FROM price_observations")
    aliases = build_aliases(load_aliases(settings.curated_path()), observed)
    replace_rows(con, "models", models)
    replace_rows(con, "model_aliases", aliases)
    yield dg.MaterializeResult(asset_key="models", metadata={"rows": models.height})
    yield dg.MaterializeResult(asset_key="model_aliases", metadata={"rows": aliases.height})


@dg.asset(partitions_def=QUARTERS, group_name="prices", deps=["model_aliases", *PRICE_SOURCES],
          kinds={"duckdb"},
          check_specs=[dg.AssetCheckSpec(MODEL_PRICES_VALID, asset="model_prices", blocking=True,
                                         description="Snapshot rows pass the ModelPrice schema"),
                       dg.AssetCheckSpec(NO_MODEL_DROPPED, asset="model_prices",
                                         description="Every model priced last quarter is priced this quarter")])
def model_prices(context: dg.AssetExecutionContext, settings: LedgerSettings, warehouse: WarehouseResource):
    """Per quarter: each canonical model's price at each provider, as of the quarter's end."""
    con = warehouse.con()
    released = release_confirmed(con, settings.curated_path())
    running, quarters = settings.running_quarter(), run_quarters(context)
    counts = {q.label: snapshot_model_prices(con, q, provisional=q == running) for q in quarters}
    progress.info("%-28s %s", "snapshot/model_prices", ", ".join(f"{q}: {n}" for q, n in counts.items()))
    rows = query(con, "SELECT * FROM model_prices WHERE quarter IN (SELECT unnest(?::VARCHAR[]))", [list(counts)])
    failures = schema_failures(ModelPrice, rows)
    missing = missing_models(con, quarters)
    yield dg.MaterializeResult(metadata={"rows_per_quarter": dg.MetadataValue.json(counts),
                                         "quarantine_released": released})
    yield dg.AssetCheckResult(check_name=MODEL_PRICES_VALID, passed=failures.height == 0,
                              metadata={"first_failures": _sample(failures)})
    yield dg.AssetCheckResult(check_name=NO_MODEL_DROPPED, passed=missing.height == 0,
                              severity=dg.AssetCheckSeverity.WARN,
                              description=f"{missing.height} model(s) priced last quarter and missing now",
                              metadata={"missing": _sample(missing)})


@dg.asset(partitions_def=QUARTERS, group_name="prices", deps=["model_prices"], kinds={"duckdb"},
          check_specs=[dg.AssetCheckSpec(PRICE_DISCREPANCIES_VALID, asset="price_discrepancies", blocking=True,
                                         description="Rows pass the PriceDiscrepancy schema"),
                       dg.AssetCheckSpec(SOURCES_AGREE, asset="price_discrepancies",
                                         description="No two sources price a model >5% apart")])
def price_discrepancies(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Per quarter: the same model and provider priced more than 5% apart by two sources."""
    found = record_discrepancies(warehouse.con(), run_quarters(context))
    failures = schema_failures(PriceDiscrepancy, found)
    yield dg.MaterializeResult(metadata={"rows": found.height})
    yield dg.AssetCheckResult(check_name=PRICE_DISCREPANCIES_VALID, passed=failures.height == 0,
                              metadata={"first_failures": _sample(failures)})
    yield dg.AssetCheckResult(check_name=SOURCES_AGREE, passed=found.height == 0,
                              severity=dg.AssetCheckSeverity.WARN,
                              description=f"{found.height} price(s) more than 5% apart between sources",
                              metadata={"largest_gaps": _sample(found)})
