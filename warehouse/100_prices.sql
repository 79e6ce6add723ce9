-- Prices: observations as fetched, the model registry, and the quarterly snapshot.

CREATE TABLE IF NOT EXISTS price_observations (
    source                    VARCHAR NOT NULL,
    fetch_id                  VARCHAR NOT NULL,
    observed_at               TIMESTAMP NOT NULL,
    endpoint    VARCHAR NOT NULL,     -- the source URL (or curated file) the response stands for
    valid_from  TIMESTAMP NOT NULL,   -- this version holds from the response observed here ...
    valid_to    TIMESTAMP,            -- ... to the next response that changed or dropped it (NULL: still holds)
    provider                  VARCHAR NOT NULL,
    source_model_id           VARCHAR NOT NULL,
    service_tier              VARCHAR NOT NULL,
    context_tier_min_tokens   BIGINT NOT NULL,
    is_free                   BOOLEAN NOT NULL,
    input_usd_per_mtok        DOUBLE,
    output_usd_per_mtok       DOUBLE,
    cached_input_usd_per_mtok DOUBLE,
    cache_write_usd_per_mtok  DOUBLE,
    batch_input_usd_per_mtok  DOUBLE,
    batch_output_usd_per_mtok DOUBLE,
    display_name              VARCHAR,
    context_length            BIGINT,
    citation                  VARCHAR    -- curated rows: where the price comes from
);
-- When the source says the model was released or first listed (OpenRouter's `created`).
ALTER TABLE price_observations ADD COLUMN IF NOT EXISTS released_on DATE;

-- The canonical model registry (pipeline/curated/models.csv), rebuilt every refresh.
CREATE TABLE IF NOT EXISTS models (
    canonical_model VARCHAR PRIMARY KEY,
    display_name    VARCHAR,
    developer       VARCHAR NOT NULL,
    family          VARCHAR,
    release_date    DATE,
    params_b        DOUBLE,
    weights_open    BOOLEAN NOT NULL,
    data_open       BOOLEAN NOT NULL,
    code_open       BOOLEAN NOT NULL,
    license_id      VARCHAR,
    required        BOOLEAN NOT NULL,   -- on the list every quarterly table must cover
    citation        VARCHAR NOT NULL
);

-- Each source's own model ids mapped to canonical ids: exact matches only.
CREATE TABLE IF NOT EXISTS model_aliases (
    source          VARCHAR NOT NULL,
    source_model_id VARCHAR NOT NULL,
    canonical_model VARCHAR NOT NULL,
    rule            VARCHAR NOT NULL,   -- curated / openrouter_id / curated_id
    citation        VARCHAR,
    PRIMARY KEY (source, source_model_id)
);

-- Per quarter: the price of each canonical model at each provider, from the latest response of
-- each source at or before the quarter's end.
CREATE TABLE IF NOT EXISTS model_prices (
    quarter                   VARCHAR NOT NULL,
    provisional               BOOLEAN NOT NULL,
    canonical_model           VARCHAR NOT NULL,
    provider                  VARCHAR NOT NULL,
    source                    VARCHAR NOT NULL,
    source_model_id           VARCHAR NOT NULL,
    service_tier              VARCHAR NOT NULL,
    context_tier_min_tokens   BIGINT NOT NULL,
    is_free                   BOOLEAN NOT NULL,
    input_usd_per_mtok        DOUBLE,
    output_usd_per_mtok       DOUBLE,
    cached_input_usd_per_mtok DOUBLE,
    cache_write_usd_per_mtok  DOUBLE,
    batch_input_usd_per_mtok  DOUBLE,
    batch_output_usd_per_mtok DOUBLE,
    observed_at               TIMESTAMP NOT NULL,
    fetch_id                  VARCHAR NOT NULL,
    stale                     BOOLEAN NOT NULL,
    stale_reason              VARCHAR,
    citation                  VARCHAR,   -- curated rows: where the price comes from
    PRIMARY KEY (quarter, canonical_model, provider, source, source_model_id, service_tier, context_tier_min_tokens)
);

-- Every price with the interval it held: valid_from inclusive, valid_to exclusive (NULL while it
-- still holds). The observation table is stored that way; this view keeps the price columns.
CREATE OR REPLACE VIEW price_history AS
SELECT source, endpoint, provider, source_model_id, service_tier, context_tier_min_tokens,
       input_usd_per_mtok, output_usd_per_mtok, cached_input_usd_per_mtok, cache_write_usd_per_mtok,
       batch_input_usd_per_mtok, batch_output_usd_per_mtok, valid_from, valid_to, fetch_id
FROM price_observations;
