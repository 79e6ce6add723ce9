"""Prices: the model registry and the quarterly `model_prices` snapshot."""


import dagster as dg
import polars as pl

from pipeline.core.validate import schema_failures
from pipeline.core.warehouse import insert_frame, query
from pipeline.core.sources import discover_sources
from pipeline.defs.sources import source_key
from pipeline.partitions import QUARTERS, run_quarters
from pipeline.prices.registry import build_aliases, load_aliases, load_models
from pipeline.prices.snapshot import snapshot_model_prices
from pipeline.progress import progress
from pipeline.resources import LedgerSettings, WarehouseResource
from schemas.prices import ModelPrice

MODEL_PRICES_VALID = "model_prices_valid"
PRICE_SOURCES = [source_key(s) for s in discover_sources("prices")]


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
    con.execute("DELETE FROM models")
    insert_frame(con, "models", models)
    con.execute("DELETE FROM model_aliases")
    insert_frame(con, "model_aliases", aliases)
    yield dg.MaterializeResult(asset_key="models", metadata={"rows": models.height})
    yield dg.MaterializeResult(asset_key="model_aliases", metadata={"rows": aliases.height})


@dg.asset(partitions_def=QUARTERS, group_name="prices", deps=["model_aliases", *PRICE_SOURCES],
          kinds={"duckdb"},
          check_specs=[dg.AssetCheckSpec(MODEL_PRICES_VALID, asset="model_prices", blocking=True,
                                         description="Snapshot rows pass the ModelPrice schema")])
def model_prices(context: dg.AssetExecutionContext, settings: LedgerSettings, warehouse: WarehouseResource):
    """Per quarter: each canonical model's price at each provider, as of the quarter's end."""
    con = warehouse.con()
    running = settings.running_quarter()
    counts = {q.label: snapshot_model_prices(con, q, provisional=q == running) for q in run_quarters(context)}
    progress.info("%-28s %s", "snapshot/model_prices", ", ".join(f"{q}: {n}" for q, n in counts.items()))
    rows = query(con, "SELECT * FROM model_prices WHERE quarter IN (SELECT unnest(?::VARCHAR[]))", [list(counts)])
    failures = schema_failures(ModelPrice, rows)
    yield dg.MaterializeResult(metadata={"rows_per_quarter": dg.MetadataValue.json(counts)})
    yield dg.AssetCheckResult(check_name=MODEL_PRICES_VALID, passed=failures.height == 0,
                              metadata={"first_failures": dg.MetadataValue.json(
                                  failures.head(10).with_columns(pl.all().cast(pl.String)).to_dicts())})
