"""GPU rates: what a GPU-hour costs, per provider, region, instance type and pricing model."""

from pipeline.core.family import Family
from pipeline.gpu_rates.guards import GUARDS, OFFER_KEY, load_gpu_map
from schemas.gpu_rates import GpuRateObservation

LATEST_QUARTER = """
SELECT quarter, count(*) AS offers, count(DISTINCT gpu) AS gpus, count(DISTINCT provider) AS providers
FROM gpu_rates GROUP BY quarter ORDER BY quarter DESC LIMIT 1
"""
HELD_BACK = """
SELECT rule, count(*) FROM quarantine WHERE family = 'gpu_rates' AND NOT released GROUP BY rule ORDER BY rule
"""
# Azure meters whose price changed with the newest whole Azure response (versions it replaced).
AZURE_METER_CHANGES = """
WITH newest AS (
    SELECT max(observed_at) AS newest_at FROM raw_fetch
    WHERE source = 'azure_retail_prices' AND parsed_fetch_id IS NOT NULL AND error IS NULL
)
SELECT count(*) FROM gpu_rate_changes
WHERE source = 'azure_retail_prices' AND new_observed_at = (SELECT newest_at FROM newest)
"""


def status_report(con) -> str:
    """`ledger status` lines: the newest quarter's coverage, rows held back, Azure meter drift."""
    latest = con.execute(LATEST_QUARTER).fetchall()
    if not latest:
        return ""
    quarter, offers, gpus, providers = latest[0]
    lines = [f"gpu_rates: {offers} offers of {gpus} GPUs from {providers} providers in {quarter}"]
    held = con.execute(HELD_BACK).fetchall()
    if held:
        lines.append("  held back: " + ", ".join(f"{rule} {n}" for rule, n in held))
    changed = con.execute(AZURE_METER_CHANGES).fetchall()[0][0]
    lines.append(f"  Azure GPU meters whose price changed with the newest response: {changed}")
    return "\n".join(lines)


FAMILY = Family(
    name="gpu_rates",
    observation_table="gpu_rate_observations",
    # observed_at is part of the key only for curated rows (they date themselves, and the curated
    # file keeps an offer's history); fetched rows get theirs after validation, so it is absent here.
    key_columns=(*OFFER_KEY, "observed_at"),
    schema=GpuRateObservation,
    guards=GUARDS,
    confirmations=load_gpu_map,
    status_report=status_report,
    description="Cloud GPU rates per hour and per GPU-hour, by provider, region, instance and pricing model",
)
