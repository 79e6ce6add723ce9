-- Benchmarks: scores as fetched, the benchmark registry, and the quarterly tables built on them.

-- One score per model and source benchmark name per fetch, in the source's unit and on 0-100.
CREATE TABLE IF NOT EXISTS benchmark_observations (
    source            VARCHAR NOT NULL,
    fetch_id          VARCHAR NOT NULL,
    observed_at       TIMESTAMP NOT NULL,   -- the fetch's, or the curated row's observed_on
    endpoint    VARCHAR NOT NULL,     -- the source URL (or curated file) the response stands for
    valid_from  TIMESTAMP NOT NULL,   -- this version holds from the response observed here ...
    valid_to    TIMESTAMP,            -- ... to the next response that changed or dropped it (NULL: still holds)
    source_model_id   VARCHAR NOT NULL,
    source_benchmark  VARCHAR NOT NULL,
    raw_score         DOUBLE NOT NULL,
    raw_unit          VARCHAR NOT NULL,     -- elo / fraction / percent / points
    raw_ci_low        DOUBLE,
    raw_ci_high       DOUBLE,
    score             DOUBLE NOT NULL,      -- 0-100, higher is better
    ci_low            DOUBLE,
    ci_high           DOUBLE,
    anchor_raw        DOUBLE,               -- Elo only: the version's anchor rating
    anchor_basis      VARCHAR,
    anchor_models     BIGINT,
    source_normalised DOUBLE,
    evaluated_at      TIMESTAMP,
    display_name      VARCHAR
);

-- The benchmark registry (pipeline/curated/benchmarks.csv), rebuilt every refresh.
CREATE TABLE IF NOT EXISTS benchmarks (
    benchmark        VARCHAR PRIMARY KEY,
    display_name     VARCHAR NOT NULL,
    scale            VARCHAR NOT NULL,     -- the native scale: elo, 0-1, 0-100, 0-10
    higher_is_better BOOLEAN NOT NULL,
    in_quality_index BOOLEAN NOT NULL,
    index_group      VARCHAR NOT NULL,     -- benchmarks of one group count once in the index
    index_priority   BIGINT NOT NULL,      -- within a group, the lowest a model has is used
    citation         VARCHAR NOT NULL
);

-- Which source reports which benchmark under which name: exact matches only.
CREATE TABLE IF NOT EXISTS benchmark_names (
    source      VARCHAR NOT NULL,
    source_name VARCHAR NOT NULL,
    benchmark   VARCHAR NOT NULL,
    PRIMARY KEY (source, source_name)
);

-- Per quarter: each canonical model's score on each benchmark from each source, as of the
-- quarter's end (the newest response of each source before it; curated rows dated before it).
CREATE TABLE IF NOT EXISTS benchmark_scores (
    quarter          VARCHAR NOT NULL,
    provisional      BOOLEAN NOT NULL,
    canonical_model  VARCHAR NOT NULL,
    benchmark        VARCHAR NOT NULL,
    source           VARCHAR NOT NULL,
    score            DOUBLE NOT NULL,
    ci_low           DOUBLE,
    ci_high          DOUBLE,
    raw_score        DOUBLE NOT NULL,
    raw_unit         VARCHAR NOT NULL,
    raw_ci_low       DOUBLE,
    raw_ci_high      DOUBLE,
    anchor_raw       DOUBLE,
    source_model_id  VARCHAR NOT NULL,
    source_benchmark VARCHAR NOT NULL,
    observed_at      TIMESTAMP NOT NULL,
    fetch_id         VARCHAR NOT NULL,
    stale            BOOLEAN NOT NULL,
    PRIMARY KEY (quarter, canonical_model, benchmark, source)
);

-- Per quarter: the composite 0-100 quality index (pipeline/benchmarks/quality.py).
CREATE TABLE IF NOT EXISTS quality_index (
    quarter              VARCHAR NOT NULL,
    provisional          BOOLEAN NOT NULL,
    canonical_model      VARCHAR NOT NULL,
    quality_index        DOUBLE,             -- NULL below the minimum coverage
    benchmarks_used      BIGINT NOT NULL,
    benchmarks_available BIGINT NOT NULL,
    coverage             DOUBLE NOT NULL,
    meets_coverage       BOOLEAN NOT NULL,
    benchmarks           VARCHAR NOT NULL,
    method               VARCHAR NOT NULL,
    PRIMARY KEY (quarter, canonical_model)
);

-- Per quarter: each score's move from the previous quarter, net of re-anchoring (moves.py).
CREATE TABLE IF NOT EXISTS benchmark_score_moves (
    quarter         VARCHAR NOT NULL,
    provisional     BOOLEAN NOT NULL,
    canonical_model VARCHAR NOT NULL,
    benchmark       VARCHAR NOT NULL,
    source          VARCHAR NOT NULL,
    unit            VARCHAR NOT NULL,    -- elo (raw ratings) or points (0-100 score)
    previous_value  DOUBLE NOT NULL,
    value           DOUBLE NOT NULL,
    delta           DOUBLE NOT NULL,
    anchor_delta    DOUBLE NOT NULL,
    adjusted_delta  DOUBLE NOT NULL,
    threshold       DOUBLE NOT NULL,
    unexplained     BOOLEAN NOT NULL,
    PRIMARY KEY (quarter, canonical_model, benchmark, source)
);

-- The newest parsed response of each benchmark source endpoint, whatever the quarter.
CREATE OR REPLACE VIEW benchmark_latest_observations AS
SELECT o.* REPLACE (f.observed_at AS observed_at, f.fetch_id AS fetch_id) FROM snapshot_fetches('benchmarks', TIMESTAMP '9999-12-31') AS f
JOIN benchmark_observations AS o ON o.source = f.source AND o.endpoint = f.endpoint AND holds_at(o.valid_from, o.valid_to, f.observed_at)
UNION ALL
SELECT o.* FROM curated_fetches('benchmarks') AS f
JOIN benchmark_observations AS o ON o.source = f.source AND o.endpoint = f.endpoint AND holds_at(o.valid_from, o.valid_to, f.observed_at);

-- Model names in the newest responses that the identity rules do not map (model_aliases: excluded
-- with a named reason, or unmapped with why; curated scores name canonical ids directly).
-- `rows`: how many scores the name carries.
CREATE OR REPLACE VIEW benchmark_unmapped_models AS
SELECT o.source, o.source_model_id, coalesce(a.status, 'unmapped') AS status,
       coalesce(a.reason, 'not resolved yet') AS reason, count(*) AS rows, max(o.observed_at) AS last_seen
FROM benchmark_latest_observations AS o
LEFT JOIN model_aliases AS a ON a.source = o.source AND a.source_model_id = o.source_model_id
WHERE a.status IS DISTINCT FROM 'mapped' AND o.source <> 'curated_benchmarks'
GROUP BY ALL;

-- Source benchmark names in the newest responses that the registry does not map.
CREATE OR REPLACE VIEW benchmark_unmapped_names AS
SELECT o.source, o.source_benchmark, count(*) AS rows
FROM benchmark_latest_observations AS o
LEFT JOIN benchmark_names AS n ON n.source = o.source AND n.source_name = o.source_benchmark
WHERE n.benchmark IS NULL
GROUP BY ALL;

-- How old each row's observation is at the quarter's end, and whether it comes from an earlier
-- quarter (carried forward: the source said nothing newer before the quarter ended).
ALTER TABLE benchmark_scores ADD COLUMN IF NOT EXISTS age_days BIGINT;
ALTER TABLE benchmark_scores ADD COLUMN IF NOT EXISTS carried_forward BOOLEAN;
-- Which of the source's names stands for the model (model_aliases): its variant, quantization and
-- dated snapshot (NULL: the model's own name).
ALTER TABLE benchmark_scores ADD COLUMN IF NOT EXISTS variant VARCHAR;
ALTER TABLE benchmark_scores ADD COLUMN IF NOT EXISTS quantization VARCHAR;
ALTER TABLE benchmark_scores ADD COLUMN IF NOT EXISTS snapshot DATE;
