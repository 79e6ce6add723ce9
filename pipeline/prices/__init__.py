"""Prices: what providers charge per 1M tokens, from APIs, price files and pricing pages."""

from pipeline.core.family import Family
from pipeline.prices.confirm import confirmations, release_confirmed
from pipeline.prices.coverage import alias_coverage_report
from pipeline.prices.guards import GUARDS, PRICE_KEY
from pipeline.prices.registry import release_dates
from schemas.prices import PriceObservation

FAMILY = Family(
    name="prices",
    observation_table="price_observations",
    key_columns=PRICE_KEY,
    schema=PriceObservation,
    guards=GUARDS,
    confirmations=confirmations,
    releases=release_dates,
    description="API prices per 1M tokens by provider and model",
    status_report=alias_coverage_report,
    after_ingest=release_confirmed,
)
