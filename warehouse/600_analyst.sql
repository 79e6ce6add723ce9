-- The analysts' SQL surface: "as of a date" table macros and a generic latest-quarter macro.
-- `latest_<table>` views (one per quarterly table) are made at publication from the catalog
-- (pipeline/analyst.py), so that a table added later gets its view without editing this file.
--
-- Dates: `d` is a day; "as of d" means everything observed up to the end of that day (UTC), i.e.
-- before d + 1 day, with the same per-source rule as the quarterly snapshots: for each source and
-- endpoint its newest parsed response, plus the curated rows dated on or before d.

-- Any quarterly table's newest quarter: SELECT * FROM latest('gpu_price_summary').
CREATE OR REPLACE MACRO latest(tbl) AS TABLE
SELECT * FROM query_table(tbl) WHERE quarter = (SELECT max(quarter) FROM query_table(tbl));

-- Each canonical model's price at each provider as of day d: exactly what `model_prices` holds
-- for a quarter when d is that quarter's last day (curated prices win for their key).
CREATE OR REPLACE MACRO prices_asof(d) AS TABLE
SELECT * FROM model_prices_at(CAST(CAST(d AS DATE) + INTERVAL 1 DAY AS TIMESTAMP));

-- Each canonical model's score on each benchmark from each source as of day d (0-100, higher is
-- better; lower-is-better benchmarks turned around as in `benchmark_scores`). Where several of a
-- source's names map to one model (model_aliases' mapped rows), every one is listed with its
-- variant, quantization and snapshot (`benchmark_scores` keeps one: pipeline/benchmarks/snapshot.py).
CREATE OR REPLACE MACRO scores_asof(d) AS TABLE
WITH obs AS (
    SELECT o.* REPLACE (f.observed_at AS observed_at, f.fetch_id AS fetch_id), f.stale FROM snapshot_fetches('benchmarks', CAST(CAST(d AS DATE) + INTERVAL 1 DAY AS TIMESTAMP)) AS f
    JOIN benchmark_observations AS o ON o.source = f.source AND o.endpoint = f.endpoint AND holds_at(o.valid_from, o.valid_to, f.observed_at)
    UNION ALL
    SELECT o.*, false AS stale FROM curated_fetches('benchmarks') AS f
    JOIN benchmark_observations AS o ON o.source = f.source AND o.endpoint = f.endpoint AND holds_at(o.valid_from, o.valid_to, f.observed_at)
    WHERE o.observed_at < CAST(CAST(d AS DATE) + INTERVAL 1 DAY AS TIMESTAMP)
)
SELECT CASE WHEN obs.source = 'curated_benchmarks' THEN obs.source_model_id ELSE a.canonical_model END
           AS canonical_model,
       n.benchmark, obs.source,
       CASE WHEN b.higher_is_better THEN obs.score ELSE 100 - obs.score END AS score,
       obs.raw_score, obs.raw_unit, obs.source_model_id, a.variant, a.quantization, a.snapshot,
       obs.source_benchmark, obs.observed_at, obs.fetch_id, obs.stale
FROM obs
JOIN benchmark_names AS n ON n.source = obs.source AND n.source_name = obs.source_benchmark
JOIN benchmarks AS b ON b.benchmark = n.benchmark
LEFT JOIN model_aliases AS a
       ON a.source = obs.source AND a.source_model_id = obs.source_model_id AND a.status = 'mapped'
WHERE CASE WHEN obs.source = 'curated_benchmarks' THEN obs.source_model_id ELSE a.canonical_model END IS NOT NULL;

-- Every GPU offer each source states as of day d, with its canonical GPU (gpu_names: instance
-- type first, then the source's GPU name, a provider's own mapping before the '*' one; else a
-- GPU name that is already canonical) and USD per GPU-hour. One row per source and offer:
-- `gpu_rates` then keeps one source per offer (curated, then the provider's own list).
CREATE OR REPLACE MACRO gpu_rates_asof(d) AS TABLE
WITH obs AS (
    SELECT o.* REPLACE (f.observed_at AS observed_at, f.fetch_id AS fetch_id), f.stale FROM snapshot_fetches('gpu_rates', CAST(CAST(d AS DATE) + INTERVAL 1 DAY AS TIMESTAMP)) AS f
    JOIN gpu_rate_observations AS o ON o.source = f.source AND o.endpoint = f.endpoint AND holds_at(o.valid_from, o.valid_to, f.observed_at)
    UNION ALL
    SELECT o.*, false AS stale FROM curated_fetches('gpu_rates') AS f
    JOIN gpu_rate_observations AS o ON o.source = f.source AND o.endpoint = f.endpoint AND holds_at(o.valid_from, o.valid_to, f.observed_at)
    WHERE o.observed_at < CAST(CAST(d AS DATE) + INTERVAL 1 DAY AS TIMESTAMP)
), mapped AS (
    SELECT obs.*,
           coalesce(it.gpu, it_any.gpu, gn.gpu, gn_any.gpu, canon.gpu) AS gpu,
           coalesce(obs.gpu_count, CASE WHEN it.gpu IS NOT NULL THEN it.gpu_count
                                        WHEN it_any.gpu IS NOT NULL THEN it_any.gpu_count
                                        WHEN gn.gpu IS NOT NULL THEN gn.gpu_count
                                        WHEN gn_any.gpu IS NOT NULL THEN gn_any.gpu_count END) AS resolved_gpu_count
    FROM obs
    LEFT JOIN gpu_names AS it ON it.source = obs.source AND it.provider = obs.provider AND it.source_name = obs.instance_type
    LEFT JOIN gpu_names AS it_any ON it_any.source = obs.source AND it_any.provider = '*' AND it_any.source_name = obs.instance_type
    LEFT JOIN gpu_names AS gn ON gn.source = obs.source AND gn.provider = obs.provider AND gn.source_name = obs.gpu_name
    LEFT JOIN gpu_names AS gn_any ON gn_any.source = obs.source AND gn_any.provider = '*' AND gn_any.source_name = obs.gpu_name
    LEFT JOIN gpus AS canon ON canon.gpu = obs.gpu_name
)
SELECT source, provider, region, zone, instance_type, gpu, resolved_gpu_count AS gpu_count, pricing_model,
       usd_per_hour, usd_per_hour / resolved_gpu_count AS usd_per_gpu_hour, gpu_name AS source_gpu_name,
       observed_at, fetch_id, stale
FROM mapped
WHERE gpu IS NOT NULL AND resolved_gpu_count > 0;
