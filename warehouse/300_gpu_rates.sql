-- GPU rates: observations as fetched, the GPU registry, the quarterly snapshot and its summary.

-- One row per offer per parsed response, as the source states it (USD per hour of the instance).
CREATE TABLE IF NOT EXISTS gpu_rate_observations (
    source        VARCHAR NOT NULL,
    fetch_id      VARCHAR NOT NULL,
    observed_at   TIMESTAMP NOT NULL,   -- curated rows: their own observed_on
    endpoint    VARCHAR NOT NULL,     -- the source URL (or curated file) the response stands for
    valid_from  TIMESTAMP NOT NULL,   -- this version holds from the response observed here ...
    valid_to    TIMESTAMP,            -- ... to the next response that changed or dropped it (NULL: still holds)
    provider      VARCHAR NOT NULL,
    region        VARCHAR NOT NULL,
    zone          VARCHAR,              -- spot quoted per zone: the cheapest zone's
    instance_type VARCHAR NOT NULL,
    pricing_model VARCHAR NOT NULL,     -- on_demand / spot / reserved_1y / reserved_3y
    usd_per_hour  DOUBLE NOT NULL,
    gpu_name      VARCHAR NOT NULL,     -- the source's GPU (or SKU) name, mapped through gpu_names
    gpu_count     DOUBLE,               -- as the source states it; NULL when only gpu_names knows
    gpu_memory_gb DOUBLE,               -- one GPU's memory as the source states it
    meter_id      VARCHAR,              -- Azure meterId
    detail        VARCHAR,
    citation      VARCHAR               -- curated rows
);

-- Canonical GPUs (pipeline/curated/gpus.csv), rebuilt every refresh.
CREATE TABLE IF NOT EXISTS gpus (
    gpu          VARCHAR PRIMARY KEY,
    display_name VARCHAR,
    vendor       VARCHAR NOT NULL,
    memory_gb    DOUBLE NOT NULL,
    citation     VARCHAR NOT NULL
);

-- Each source's GPU or SKU names mapped exactly to canonical GPUs (pipeline/curated/gpu_names.csv).
CREATE TABLE IF NOT EXISTS gpu_names (
    source      VARCHAR NOT NULL,
    provider    VARCHAR NOT NULL,     -- '*' = any provider of the source
    source_name VARCHAR NOT NULL,     -- an instance type, or the source's GPU name
    gpu         VARCHAR NOT NULL,
    gpu_count   DOUBLE,               -- where the source does not state it (Azure SKUs)
    citation    VARCHAR NOT NULL,
    PRIMARY KEY (source, provider, source_name)
);

-- Per quarter: each offer's latest rate before the quarter's end, one row per offer (a curated
-- rate first, then the provider's own price list, then an aggregator's catalog).
CREATE TABLE IF NOT EXISTS gpu_rates (
    quarter          VARCHAR NOT NULL,
    provisional      BOOLEAN NOT NULL,
    provider         VARCHAR NOT NULL,
    region           VARCHAR NOT NULL,
    zone             VARCHAR,
    instance_type    VARCHAR NOT NULL,
    gpu              VARCHAR NOT NULL,
    gpu_count        DOUBLE NOT NULL,   -- below 1: a GPU partition (Azure NVv4, NVadsA10 v5)
    gpu_memory_gb    DOUBLE NOT NULL,   -- one GPU's memory
    pricing_model    VARCHAR NOT NULL,
    usd_per_hour     DOUBLE NOT NULL,
    usd_per_gpu_hour DOUBLE NOT NULL,
    source           VARCHAR NOT NULL,
    source_gpu_name  VARCHAR NOT NULL,
    gpu_rule         VARCHAR NOT NULL,  -- canonical / curated:instance_type / curated:gpu_name
    meter_id         VARCHAR,
    observed_at      TIMESTAMP NOT NULL,
    fetch_id         VARCHAR NOT NULL,
    stale            BOOLEAN NOT NULL,
    stale_reason     VARCHAR,
    PRIMARY KEY (quarter, provider, region, instance_type, pricing_model)
);

-- Per quarter, GPU and pricing model: the spread of USD per GPU-hour over whole-GPU offers.
CREATE TABLE IF NOT EXISTS gpu_price_summary (
    quarter                 VARCHAR NOT NULL,
    provisional             BOOLEAN NOT NULL,
    gpu                     VARCHAR NOT NULL,
    pricing_model           VARCHAR NOT NULL,
    gpu_memory_gb           DOUBLE NOT NULL,
    min_usd_per_gpu_hour    DOUBLE NOT NULL,
    median_usd_per_gpu_hour DOUBLE NOT NULL,
    max_usd_per_gpu_hour    DOUBLE NOT NULL,
    offers                  BIGINT NOT NULL,
    providers               BIGINT NOT NULL,
    stale_offers            BIGINT NOT NULL,
    PRIMARY KEY (quarter, gpu, pricing_model)
);

-- Each change of a rate: a version and the one it replaced (same source, endpoint and offer),
-- with both rates, when each was observed and the ratio. A rate that disappeared and came back
-- at another value counts as a change.
CREATE OR REPLACE VIEW gpu_rate_changes AS
WITH seq AS (
    SELECT source, provider, region, instance_type, pricing_model, meter_id, gpu_name,
           lag(usd_per_hour) OVER w AS old_usd_per_hour, usd_per_hour AS new_usd_per_hour,
           lag(valid_from) OVER w AS old_observed_at, valid_from AS new_observed_at,
           lag(fetch_id) OVER w AS old_fetch_id, fetch_id AS new_fetch_id
    FROM gpu_rate_observations
    WINDOW w AS (PARTITION BY source, endpoint, provider, region, instance_type, pricing_model
                 ORDER BY valid_from, fetch_id)
)
SELECT *, new_usd_per_hour / old_usd_per_hour AS ratio
FROM seq
WHERE old_usd_per_hour IS NOT NULL AND new_usd_per_hour <> old_usd_per_hour;

-- Every rate with the interval it held: valid_from inclusive, valid_to exclusive (NULL while it
-- still holds), as the observation table stores it.
CREATE OR REPLACE VIEW gpu_rate_history AS
SELECT source, endpoint, provider, region, instance_type, pricing_model, gpu_name, gpu_count, usd_per_hour,
       valid_from, valid_to, meter_id, fetch_id
FROM gpu_rate_observations;

-- How old each row's observation is at the quarter's end, and whether it comes from an earlier
-- quarter (carried forward: the source said nothing newer before the quarter ended).
ALTER TABLE gpu_rates ADD COLUMN IF NOT EXISTS age_days BIGINT;
ALTER TABLE gpu_rates ADD COLUMN IF NOT EXISTS carried_forward BOOLEAN;
