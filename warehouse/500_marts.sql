-- Marts: the quarterly decision tables (pipeline/marts). Every row carries its quarter, whether
-- the quarter is still running (provisional) and the hash of the assumptions it was computed
-- with (run_assumptions holds them). Money is USD per month unless a column says otherwise.

-- The assumptions each refresh used, by hash: the full merged YAML document (JSON), citations included.
CREATE TABLE IF NOT EXISTS run_assumptions (
    assumptions_hash VARCHAR PRIMARY KEY,
    source           VARCHAR NOT NULL,    -- "default" or the --assumptions file of a what-if run
    document         VARCHAR NOT NULL,    -- JSON
    first_run_id     VARCHAR NOT NULL,
    first_used_at    TIMESTAMP NOT NULL,
    last_run_id      VARCHAR NOT NULL,
    last_used_at     TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS quality_tiers (
    quarter          VARCHAR NOT NULL,
    provisional      BOOLEAN NOT NULL,
    assumptions_hash VARCHAR NOT NULL,
    canonical_model  VARCHAR NOT NULL,
    tier             BIGINT NOT NULL,     -- 1 frontier, 2 near-frontier, 3 capable small
    tier_label       VARCHAR NOT NULL,
    metric           VARCHAR NOT NULL,    -- composite (quality_index) or a benchmark id
    score            DOUBLE NOT NULL,     -- 0-100
    best_score       DOUBLE NOT NULL,
    gap_to_best      DOUBLE NOT NULL,
    PRIMARY KEY (quarter, canonical_model)
);

CREATE TABLE IF NOT EXISTS api_cost_at_scale (
    quarter             VARCHAR NOT NULL,
    provisional         BOOLEAN NOT NULL,
    assumptions_hash    VARCHAR NOT NULL,
    canonical_model     VARCHAR NOT NULL,
    provider            VARCHAR NOT NULL,
    source              VARCHAR NOT NULL,
    source_model_id     VARCHAR NOT NULL,
    is_reference        BOOLEAN NOT NULL,  -- the provider crossover and TCO use for this model
    monthly_requests    BIGINT NOT NULL,
    input_tokens        BIGINT NOT NULL,   -- per request
    output_tokens       BIGINT NOT NULL,   -- per request
    input_usd_per_mtok  DOUBLE NOT NULL,
    output_usd_per_mtok DOUBLE NOT NULL,
    usd_per_request     DOUBLE NOT NULL,
    monthly_cost_usd    DOUBLE NOT NULL,
    observed_at         TIMESTAMP NOT NULL,
    fetch_id            VARCHAR NOT NULL,
    PRIMARY KEY (quarter, canonical_model, provider, monthly_requests)
);

CREATE TABLE IF NOT EXISTS self_hosted_cost (
    quarter                   VARCHAR NOT NULL,
    provisional               BOOLEAN NOT NULL,
    assumptions_hash          VARCHAR NOT NULL,
    deployment                VARCHAR NOT NULL,
    model                     VARCHAR,          -- the open model deployed (canonical id), if named
    model_size_b              DOUBLE NOT NULL,
    precision                 VARCHAR NOT NULL,
    gpu                       VARCHAR NOT NULL,
    gpu_count                 BIGINT NOT NULL,
    gpu_memory_gb             DOUBLE,
    min_usd_per_gpu_hour      DOUBLE,
    median_usd_per_gpu_hour   DOUBLE,
    gpu_offers                BIGINT,
    monthly_gpu_cost_low      DOUBLE,           -- from the cheapest on-demand offer
    monthly_gpu_cost_high     DOUBLE,           -- from the median on-demand offer
    cost_basis                VARCHAR NOT NULL,
    monthly_capacity_requests BIGINT NOT NULL,
    usd_per_mtok_output_low   DOUBLE,
    usd_per_mtok_output_high  DOUBLE,
    hidden_costs_usd          DOUBLE NOT NULL,  -- ml_engineering + infrastructure + monitoring
    fits_in_memory            BOOLEAN,
    note                      VARCHAR NOT NULL,
    PRIMARY KEY (quarter, deployment)
);

CREATE TABLE IF NOT EXISTS crossover (
    quarter                              VARCHAR NOT NULL,
    provisional                          BOOLEAN NOT NULL,
    assumptions_hash                     VARCHAR NOT NULL,
    deployment                           VARCHAR NOT NULL,
    canonical_model                      VARCHAR NOT NULL,  -- the API model compared
    provider                             VARCHAR,           -- its reference provider
    api_usd_per_request                  DOUBLE,
    monthly_capacity_requests            BIGINT NOT NULL,
    gpu_monthly_cost_usd                 DOUBLE,            -- one replica, median on-demand rate
    hidden_costs_usd                     DOUBLE NOT NULL,
    breakeven_requests_gpu_only          BIGINT,            -- requests per month; NULL: never (see reason)
    replicas_gpu_only                    BIGINT,
    breakeven_requests_with_hidden_costs BIGINT,
    replicas_with_hidden_costs           BIGINT,
    breakeven_requests_gpu_only_low      BIGINT,            -- at the cheapest on-demand rate
    reason_gpu_only                      VARCHAR,
    reason_with_hidden_costs             VARCHAR,
    PRIMARY KEY (quarter, deployment, canonical_model)
);

CREATE TABLE IF NOT EXISTS tco_at_volume (
    quarter          VARCHAR NOT NULL,
    provisional      BOOLEAN NOT NULL,
    assumptions_hash VARCHAR NOT NULL,
    option           VARCHAR NOT NULL,   -- api:<model> or deployment:<id>
    kind             VARCHAR NOT NULL,
    monthly_requests BIGINT NOT NULL,
    provider         VARCHAR,
    replicas         BIGINT,
    inference        DOUBLE,
    ml_engineering   DOUBLE NOT NULL,
    infrastructure   DOUBLE NOT NULL,
    monitoring       DOUBLE NOT NULL,
    total            DOUBLE,
    note             VARCHAR,
    PRIMARY KEY (quarter, option, monthly_requests)
);

-- Self-hosted capacity from measured throughput (pipeline/marts/capacity.py), and the quality the
-- precision costs. Added to warehouses written before them.
ALTER TABLE self_hosted_cost ADD COLUMN IF NOT EXISTS output_tokens_per_s DOUBLE;        -- one replica
ALTER TABLE self_hosted_cost ADD COLUMN IF NOT EXISTS throughput_basis VARCHAR;          -- measured / estimated / assumption
ALTER TABLE self_hosted_cost ADD COLUMN IF NOT EXISTS throughput_flagged BOOLEAN;        -- estimated: a rough figure
ALTER TABLE self_hosted_cost ADD COLUMN IF NOT EXISTS throughput_source VARCHAR;
ALTER TABLE self_hosted_cost ADD COLUMN IF NOT EXISTS throughput_measured_on DATE;
ALTER TABLE self_hosted_cost ADD COLUMN IF NOT EXISTS throughput_observed_at TIMESTAMP;
ALTER TABLE self_hosted_cost ADD COLUMN IF NOT EXISTS throughput_fetch_id VARCHAR;
ALTER TABLE self_hosted_cost ADD COLUMN IF NOT EXISTS throughput_note VARCHAR;
ALTER TABLE self_hosted_cost ADD COLUMN IF NOT EXISTS assumed_monthly_capacity_requests BIGINT;
ALTER TABLE self_hosted_cost ADD COLUMN IF NOT EXISTS assumed_output_tokens_per_s DOUBLE;
ALTER TABLE self_hosted_cost ADD COLUMN IF NOT EXISTS quality_penalty_pct_low DOUBLE;    -- % accuracy vs 16-bit
ALTER TABLE self_hosted_cost ADD COLUMN IF NOT EXISTS quality_penalty_pct_high DOUBLE;
ALTER TABLE self_hosted_cost ADD COLUMN IF NOT EXISTS quality_penalty_note VARCHAR;
ALTER TABLE self_hosted_cost ADD COLUMN IF NOT EXISTS quality_penalty_citation VARCHAR;
ALTER TABLE self_hosted_cost ADD COLUMN IF NOT EXISTS model_tier BIGINT;
ALTER TABLE self_hosted_cost ADD COLUMN IF NOT EXISTS model_score DOUBLE;
ALTER TABLE self_hosted_cost ADD COLUMN IF NOT EXISTS effective_score DOUBLE;             -- after the penalty (high)
ALTER TABLE self_hosted_cost ADD COLUMN IF NOT EXISTS effective_tier BIGINT;

-- Open-weight models served by providers other than their developer (pipeline/marts/managed.py).
-- One row per model, provider, variant (NULL: the base offer) and free/paid offer.
CREATE TABLE IF NOT EXISTS managed_inference (
    quarter              VARCHAR NOT NULL,
    provisional          BOOLEAN NOT NULL,
    assumptions_hash     VARCHAR NOT NULL,
    canonical_model      VARCHAR NOT NULL,
    provider             VARCHAR NOT NULL,
    source               VARCHAR NOT NULL,
    source_model_id      VARCHAR NOT NULL,
    variant              VARCHAR,           -- NULL: the model's own base offer
    quantization         VARCHAR,           -- as the offer states it; NULL: not stated
    is_free              BOOLEAN NOT NULL,  -- rate-limited free offers are never the cheapest
    input_usd_per_mtok   DOUBLE NOT NULL,
    output_usd_per_mtok  DOUBLE NOT NULL,
    blended_usd_per_mtok DOUBLE NOT NULL,   -- per 1M tokens of the request mix
    usd_per_request      DOUBLE NOT NULL,
    is_cheapest          BOOLEAN NOT NULL,  -- one paid offer per model and quarter
    providers_offering   BIGINT NOT NULL,
    observed_at          TIMESTAMP NOT NULL,
    fetch_id             VARCHAR NOT NULL,
    age_days             BIGINT,
    carried_forward      BOOLEAN
);

-- Per deployment of a named model: break-even against that model's cheapest paid managed offer.
-- Same columns as crossover (api_usd_per_request is the managed offer's), plus the offer's details.
CREATE TABLE IF NOT EXISTS managed_crossover (
    quarter                              VARCHAR NOT NULL,
    provisional                          BOOLEAN NOT NULL,
    assumptions_hash                     VARCHAR NOT NULL,
    deployment                           VARCHAR NOT NULL,
    canonical_model                      VARCHAR NOT NULL,  -- the deployed model
    provider                             VARCHAR,           -- its cheapest managed provider
    api_usd_per_request                  DOUBLE,
    monthly_capacity_requests            BIGINT NOT NULL,
    gpu_monthly_cost_usd                 DOUBLE,
    hidden_costs_usd                     DOUBLE NOT NULL,
    breakeven_requests_gpu_only          BIGINT,
    replicas_gpu_only                    BIGINT,
    breakeven_requests_with_hidden_costs BIGINT,
    replicas_with_hidden_costs           BIGINT,
    breakeven_requests_gpu_only_low      BIGINT,
    reason_gpu_only                      VARCHAR,
    reason_with_hidden_costs             VARCHAR,
    source                               VARCHAR,
    variant                              VARCHAR,
    quantization                         VARCHAR,
    blended_usd_per_mtok                 DOUBLE,
    throughput_basis                     VARCHAR,
    PRIMARY KEY (quarter, deployment)
);
