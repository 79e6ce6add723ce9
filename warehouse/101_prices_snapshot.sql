-- The quarterly price snapshot and the checks on it.

-- The offer the id names (model_aliases): NULL variant and quantization is the model's own price.
ALTER TABLE model_prices ADD COLUMN IF NOT EXISTS variant VARCHAR;
ALTER TABLE model_prices ADD COLUMN IF NOT EXISTS quantization VARCHAR;
ALTER TABLE model_prices ADD COLUMN IF NOT EXISTS snapshot DATE;

-- Prices as of `cutoff` (a quarter's exclusive end): per source and endpoint the newest parsed
-- response before it, mapped to canonical models through the `mapped` rows of model_aliases, with
-- the id's variant, quantization and dated snapshot (a `:free`, `-fp8` or regional offer is a row
-- of its own, never folded into the model's own price); plus the newest curated row (prices.csv)
-- of each provider, model and tier observed before it, which wins over the fetched rows of the
-- same offer (the model's own undated id: no variant, quantization or snapshot) for the same
-- provider and tier; a dated snapshot or a variant stays beside it, an offer of its own.
CREATE OR REPLACE MACRO model_prices_at(cutoff) AS TABLE
WITH fetched AS (
    SELECT a.canonical_model, o.provider, o.source, o.source_model_id, a.variant, a.quantization, a.snapshot,
           o.service_tier,
           o.context_tier_min_tokens, o.is_free,
           o.input_usd_per_mtok, o.output_usd_per_mtok, o.cached_input_usd_per_mtok,
           o.cache_write_usd_per_mtok, o.batch_input_usd_per_mtok, o.batch_output_usd_per_mtok,
           f.observed_at, f.fetch_id, f.stale, f.stale_reason, CAST(NULL AS VARCHAR) AS citation
    FROM snapshot_fetches('prices', cutoff) AS f
    JOIN price_observations AS o ON o.source = f.source AND o.endpoint = f.endpoint AND holds_at(o.valid_from, o.valid_to, f.observed_at)
    JOIN model_aliases AS a ON a.source = o.source AND a.source_model_id = o.source_model_id AND a.status = 'mapped'
    QUALIFY row_number() OVER (
        PARTITION BY a.canonical_model, o.provider, o.source, o.source_model_id, o.service_tier,
                     o.context_tier_min_tokens
        ORDER BY f.observed_at DESC, f.fetch_id DESC) = 1
), curated AS (
    SELECT o.source_model_id AS canonical_model, o.provider, o.source, o.source_model_id,
           CAST(NULL AS VARCHAR) AS variant, CAST(NULL AS VARCHAR) AS quantization, CAST(NULL AS DATE) AS snapshot,
           o.service_tier, o.context_tier_min_tokens, o.is_free,
           o.input_usd_per_mtok, o.output_usd_per_mtok, o.cached_input_usd_per_mtok,
           o.cache_write_usd_per_mtok, o.batch_input_usd_per_mtok, o.batch_output_usd_per_mtok,
           o.observed_at, o.fetch_id, false AS stale, CAST(NULL AS VARCHAR) AS stale_reason, o.citation
    FROM curated_fetches('prices') AS f
    JOIN price_observations AS o ON o.source = f.source AND o.endpoint = f.endpoint AND holds_at(o.valid_from, o.valid_to, f.observed_at)
    WHERE o.observed_at < cutoff
    QUALIFY row_number() OVER (
        PARTITION BY o.provider, o.source_model_id, o.service_tier, o.context_tier_min_tokens
        ORDER BY o.observed_at DESC) = 1
)
SELECT * FROM curated
UNION ALL BY NAME
SELECT * FROM fetched AS x
WHERE NOT EXISTS (
    SELECT 1 FROM curated AS c
    WHERE c.canonical_model = x.canonical_model AND c.provider = x.provider
      AND c.service_tier = x.service_tier AND c.context_tier_min_tokens = x.context_tier_min_tokens
      AND x.variant IS NULL AND x.quantization IS NULL AND x.snapshot IS NULL);

-- Per quarter: the same canonical model at the same provider and tier, as the same offer (variant,
-- quantization and dated snapshot alike: `gpt-4o-2024-05-13` is not `gpt-4o`, `:free` is not the
-- paid model), priced more than 5 % apart by two sources (a WARN: one of them is stale or wrong).
-- Both values and fetches kept.
CREATE TABLE IF NOT EXISTS price_discrepancies (
    quarter                 VARCHAR NOT NULL,
    provisional             BOOLEAN NOT NULL,
    canonical_model         VARCHAR NOT NULL,
    provider                VARCHAR NOT NULL,
    service_tier            VARCHAR NOT NULL,
    context_tier_min_tokens BIGINT NOT NULL,
    variant                 VARCHAR,
    quantization            VARCHAR,
    snapshot                DATE,
    price_column            VARCHAR NOT NULL,
    source_a                VARCHAR NOT NULL,
    source_model_id_a       VARCHAR NOT NULL,
    value_a                 DOUBLE NOT NULL,
    fetch_id_a              VARCHAR NOT NULL,
    source_b                VARCHAR NOT NULL,
    source_model_id_b       VARCHAR NOT NULL,
    value_b                 DOUBLE NOT NULL,
    fetch_id_b              VARCHAR NOT NULL,
    relative_gap            DOUBLE NOT NULL   -- |a - b| / min(a, b); infinity when one is 0
);

-- The discrepancies of quarter `q` in model_prices: prices more than `threshold` (0.05) apart,
-- between independent witnesses only: two rows whose facts come from the same source (a bundled
-- response read from another source's record, raw_fetch.facts_from) are one witness, not two.
CREATE OR REPLACE MACRO price_discrepancies_in(q, threshold) AS TABLE
WITH long AS (
    UNPIVOT (SELECT p.*, coalesce(f.facts_from, p.source) AS witness
             FROM model_prices AS p LEFT JOIN raw_fetch AS f ON f.fetch_id = p.fetch_id
             WHERE p.quarter = q)
    ON input_usd_per_mtok, output_usd_per_mtok, cached_input_usd_per_mtok, cache_write_usd_per_mtok,
       batch_input_usd_per_mtok, batch_output_usd_per_mtok
    INTO NAME price_column VALUE price
)
SELECT a.quarter, a.provisional, a.canonical_model, a.provider, a.service_tier, a.context_tier_min_tokens,
       a.variant, a.quantization, a.snapshot, a.price_column,
       a.source AS source_a, a.source_model_id AS source_model_id_a, a.price AS value_a, a.fetch_id AS fetch_id_a,
       b.source AS source_b, b.source_model_id AS source_model_id_b, b.price AS value_b, b.fetch_id AS fetch_id_b,
       CASE WHEN least(a.price, b.price) = 0 THEN 'inf'::DOUBLE
            ELSE abs(a.price - b.price) / least(a.price, b.price) END AS relative_gap
FROM long AS a
JOIN long AS b
  ON a.canonical_model = b.canonical_model AND a.provider = b.provider AND a.service_tier = b.service_tier
 AND a.context_tier_min_tokens = b.context_tier_min_tokens AND a.price_column = b.price_column
 AND a.variant IS NOT DISTINCT FROM b.variant AND a.quantization IS NOT DISTINCT FROM b.quantization
 AND a.snapshot IS NOT DISTINCT FROM b.snapshot
 AND a.source < b.source AND a.witness <> b.witness
WHERE abs(a.price - b.price) > threshold * least(a.price, b.price)
   OR (least(a.price, b.price) = 0 AND greatest(a.price, b.price) > 0);

-- Canonical models priced in quarter `prev` and in no source in quarter `q` (a WARN).
CREATE OR REPLACE MACRO prices_missing_in(q, prev) AS TABLE
SELECT canonical_model, string_agg(DISTINCT provider, ',' ORDER BY provider) AS providers_before
FROM model_prices
WHERE quarter = prev
  AND canonical_model NOT IN (SELECT canonical_model FROM model_prices WHERE quarter = q)
GROUP BY canonical_model;

-- How old each row's observation is at the quarter's end, and whether it comes from an earlier
-- quarter (carried forward: the source said nothing newer before the quarter ended).
ALTER TABLE model_prices ADD COLUMN IF NOT EXISTS age_days BIGINT;
ALTER TABLE model_prices ADD COLUMN IF NOT EXISTS carried_forward BOOLEAN;
-- Warehouses from before discrepancies compared offers (variant, quantization, snapshot).
ALTER TABLE price_discrepancies ADD COLUMN IF NOT EXISTS variant VARCHAR;
ALTER TABLE price_discrepancies ADD COLUMN IF NOT EXISTS quantization VARCHAR;
ALTER TABLE price_discrepancies ADD COLUMN IF NOT EXISTS snapshot DATE;
