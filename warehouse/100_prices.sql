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

-- OpenRouter rows only: the model's registry facts, read by the prices step to build `models`.
ALTER TABLE price_observations ADD COLUMN IF NOT EXISTS model_created_at TIMESTAMP;
ALTER TABLE price_observations ADD COLUMN IF NOT EXISTS hugging_face_id VARCHAR;
ALTER TABLE price_observations ADD COLUMN IF NOT EXISTS modality VARCHAR;
ALTER TABLE price_observations ADD COLUMN IF NOT EXISTS canonical_slug VARCHAR;

-- The canonical model registry, rebuilt every refresh (docs/identity.md): OpenRouter's models as
-- the observations hold them, curated facts on top (pipeline/curated/models.csv), and the models
-- the sources name. Openness flags are empty where no curated row states them: unknown, not false.
CREATE TABLE IF NOT EXISTS models (
    canonical_model VARCHAR PRIMARY KEY,
    display_name    VARCHAR,
    developer       VARCHAR NOT NULL,
    family          VARCHAR,
    release_date    DATE,               -- curated, else OpenRouter's `created`
    params_b        DOUBLE,
    weights_open    BOOLEAN,
    data_open       BOOLEAN,
    code_open       BOOLEAN,
    license_id      VARCHAR,
    required        BOOLEAN NOT NULL,   -- on the list every quarterly table must cover
    citation        VARCHAR NOT NULL,
    author          VARCHAR,            -- OpenRouter's author slug, else the Hugging Face organisation
    context_length  BIGINT,
    hugging_face_id VARCHAR,
    modality        VARCHAR,
    origin          VARCHAR             -- openrouter / curated / openrouter+curated / a creation rule
);
-- Warehouses from before the registry was built from the sources.
ALTER TABLE models ALTER COLUMN weights_open DROP NOT NULL;
ALTER TABLE models ALTER COLUMN data_open DROP NOT NULL;
ALTER TABLE models ALTER COLUMN code_open DROP NOT NULL;
ALTER TABLE models ADD COLUMN IF NOT EXISTS author VARCHAR;
ALTER TABLE models ADD COLUMN IF NOT EXISTS context_length BIGINT;
ALTER TABLE models ADD COLUMN IF NOT EXISTS hugging_face_id VARCHAR;
ALTER TABLE models ADD COLUMN IF NOT EXISTS modality VARCHAR;
ALTER TABLE models ADD COLUMN IF NOT EXISTS origin VARCHAR;

-- Every model id any source names (prices and benchmarks, any response ever held), with the
-- canonical model a named rule maps it to, or the reason it is not mapped (docs/identity.md).
-- Snapshots join the `mapped` rows only.
CREATE TABLE IF NOT EXISTS model_aliases (
    source          VARCHAR NOT NULL,
    source_model_id VARCHAR NOT NULL,
    provider        VARCHAR,
    canonical_model VARCHAR,            -- NULL unless status = 'mapped'
    status          VARCHAR NOT NULL,   -- mapped / excluded / unmapped
    rule            VARCHAR NOT NULL,   -- curated_alias / openrouter_id / vendor_naming / normalised_name / …
    reason          VARCHAR,
    variant         VARCHAR,            -- free, batch, thinking, region:<r>, fine-tuned, config:<c>…
    quantization    VARCHAR,            -- fp8, int4, turbo…
    snapshot        DATE,               -- a dated snapshot's date
    steps           VARCHAR,            -- the naming rules that read the id
    current_rows    BIGINT NOT NULL,    -- rows the newest responses hold for it (0: older responses only)
    citation        VARCHAR,
    PRIMARY KEY (source, source_model_id)
);
ALTER TABLE model_aliases ALTER COLUMN canonical_model DROP NOT NULL;
ALTER TABLE model_aliases ADD COLUMN IF NOT EXISTS provider VARCHAR;
ALTER TABLE model_aliases ADD COLUMN IF NOT EXISTS status VARCHAR;
ALTER TABLE model_aliases ADD COLUMN IF NOT EXISTS reason VARCHAR;
ALTER TABLE model_aliases ADD COLUMN IF NOT EXISTS variant VARCHAR;
ALTER TABLE model_aliases ADD COLUMN IF NOT EXISTS quantization VARCHAR;
ALTER TABLE model_aliases ADD COLUMN IF NOT EXISTS snapshot DATE;
ALTER TABLE model_aliases ADD COLUMN IF NOT EXISTS steps VARCHAR;
ALTER TABLE model_aliases ADD COLUMN IF NOT EXISTS current_rows BIGINT;

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
