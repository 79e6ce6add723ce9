-- Drift: each quarter against the one before it (previous_quarter), both computed from their own
-- snapshots with the same assumptions. previous_computed is false when the previous quarter's
-- snapshots were never computed (everything then reads as `new`). `change` is one of cut /
-- increase (prices), up / down, unchanged, new, gone; pct_change is (new - old) / old x 100.

CREATE TABLE IF NOT EXISTS price_drift (
    quarter                 VARCHAR NOT NULL,
    provisional             BOOLEAN NOT NULL,
    assumptions_hash        VARCHAR NOT NULL,
    previous_quarter        VARCHAR NOT NULL,
    previous_computed       BOOLEAN NOT NULL,
    canonical_model         VARCHAR NOT NULL,
    provider                VARCHAR NOT NULL,
    old_input_usd_per_mtok  DOUBLE,
    new_input_usd_per_mtok  DOUBLE,
    old_output_usd_per_mtok DOUBLE,
    new_output_usd_per_mtok DOUBLE,
    old_usd_per_request     DOUBLE,
    new_usd_per_request     DOUBLE,
    pct_change              DOUBLE,   -- of usd_per_request at the request mix
    input_pct_change        DOUBLE,
    output_pct_change       DOUBLE,
    change                  VARCHAR NOT NULL,
    PRIMARY KEY (quarter, canonical_model, provider)
);

CREATE TABLE IF NOT EXISTS tier_drift (
    quarter           VARCHAR NOT NULL,
    provisional       BOOLEAN NOT NULL,
    assumptions_hash  VARCHAR NOT NULL,
    previous_quarter  VARCHAR NOT NULL,
    previous_computed BOOLEAN NOT NULL,
    canonical_model   VARCHAR NOT NULL,
    metric            VARCHAR NOT NULL,
    old_tier          BIGINT,
    new_tier          BIGINT,
    old_score         DOUBLE,
    new_score         DOUBLE,
    old_gap_to_best   DOUBLE,
    new_gap_to_best   DOUBLE,
    pct_change        DOUBLE,
    change            VARCHAR NOT NULL,   -- up = a better (lower-numbered) tier
    PRIMARY KEY (quarter, canonical_model)
);

CREATE TABLE IF NOT EXISTS crossover_drift (
    quarter                                  VARCHAR NOT NULL,
    provisional                              BOOLEAN NOT NULL,
    assumptions_hash                         VARCHAR NOT NULL,
    previous_quarter                         VARCHAR NOT NULL,
    previous_computed                        BOOLEAN NOT NULL,
    deployment                               VARCHAR NOT NULL,
    canonical_model                          VARCHAR NOT NULL,
    old_breakeven_requests_gpu_only          BIGINT,
    new_breakeven_requests_gpu_only          BIGINT,
    old_breakeven_requests_with_hidden_costs BIGINT,
    new_breakeven_requests_with_hidden_costs BIGINT,
    old_api_usd_per_request                  DOUBLE,
    new_api_usd_per_request                  DOUBLE,
    old_gpu_monthly_cost_usd                 DOUBLE,
    new_gpu_monthly_cost_usd                 DOUBLE,
    pct_change                               DOUBLE,   -- of breakeven_requests_gpu_only
    change                                   VARCHAR NOT NULL,
    PRIMARY KEY (quarter, deployment, canonical_model)
);

CREATE TABLE IF NOT EXISTS gpu_rate_drift (
    quarter                     VARCHAR NOT NULL,
    provisional                 BOOLEAN NOT NULL,
    assumptions_hash            VARCHAR NOT NULL,
    previous_quarter            VARCHAR NOT NULL,
    previous_computed           BOOLEAN NOT NULL,
    gpu                         VARCHAR NOT NULL,
    old_median_usd_per_gpu_hour DOUBLE,   -- on-demand
    new_median_usd_per_gpu_hour DOUBLE,
    old_min_usd_per_gpu_hour    DOUBLE,
    new_min_usd_per_gpu_hour    DOUBLE,
    old_offers                  BIGINT,
    new_offers                  BIGINT,
    pct_change                  DOUBLE,   -- of the median
    min_pct_change              DOUBLE,
    change                      VARCHAR NOT NULL,
    PRIMARY KEY (quarter, gpu)
);

CREATE TABLE IF NOT EXISTS license_drift (
    quarter           VARCHAR NOT NULL,
    provisional       BOOLEAN NOT NULL,
    assumptions_hash  VARCHAR NOT NULL,
    previous_quarter  VARCHAR NOT NULL,
    previous_computed BOOLEAN NOT NULL,
    kind              VARCHAR NOT NULL,   -- license_text / openness_category / model_license
    license_id        VARCHAR,
    source_url        VARCHAR,            -- license_text: the file that changed
    canonical_model   VARCHAR,            -- NULL for a license text change
    old_value         VARCHAR,            -- old sha256, category or license id
    new_value         VARCHAR,
    material          BOOLEAN,            -- license_text: a clause changed
    clauses_changed   VARCHAR,
    observed_at       TIMESTAMP           -- license_text: when the new text was first seen
);

CREATE TABLE IF NOT EXISTS open_closed_gap (
    quarter           VARCHAR NOT NULL,
    provisional       BOOLEAN NOT NULL,
    assumptions_hash  VARCHAR NOT NULL,
    previous_quarter  VARCHAR NOT NULL,
    previous_computed BOOLEAN NOT NULL,
    metric            VARCHAR NOT NULL,
    best_closed_model VARCHAR,
    best_closed_score DOUBLE,
    best_open_model   VARCHAR,
    best_open_score   DOUBLE,
    gap               DOUBLE,             -- best closed - best open (> 0: closed models ahead)
    previous_gap      DOUBLE,
    gap_change        DOUBLE,
    PRIMARY KEY (quarter)
);

CREATE TABLE IF NOT EXISTS managed_inference_drift (
    quarter                  VARCHAR NOT NULL,
    provisional              BOOLEAN NOT NULL,
    assumptions_hash         VARCHAR NOT NULL,
    previous_quarter         VARCHAR NOT NULL,
    previous_computed        BOOLEAN NOT NULL,
    canonical_model          VARCHAR NOT NULL,
    old_provider             VARCHAR,   -- of the cheapest paid managed offer
    new_provider             VARCHAR,
    old_blended_usd_per_mtok DOUBLE,
    new_blended_usd_per_mtok DOUBLE,
    old_usd_per_request      DOUBLE,
    new_usd_per_request      DOUBLE,
    old_providers_offering   BIGINT,
    new_providers_offering   BIGINT,
    pct_change               DOUBLE,    -- of blended_usd_per_mtok
    change                   VARCHAR NOT NULL,
    PRIMARY KEY (quarter, canonical_model)
);

CREATE TABLE IF NOT EXISTS throughput_drift (
    quarter                       VARCHAR NOT NULL,
    provisional                   BOOLEAN NOT NULL,
    assumptions_hash              VARCHAR NOT NULL,
    previous_quarter              VARCHAR NOT NULL,
    previous_computed             BOOLEAN NOT NULL,
    deployment                    VARCHAR NOT NULL,
    old_monthly_capacity_requests BIGINT,
    new_monthly_capacity_requests BIGINT,
    old_output_tokens_per_s       DOUBLE,
    new_output_tokens_per_s       DOUBLE,
    old_throughput_basis          VARCHAR,
    new_throughput_basis          VARCHAR,
    old_throughput_source         VARCHAR,
    new_throughput_source         VARCHAR,
    old_throughput_observed_at    TIMESTAMP,
    new_throughput_observed_at    TIMESTAMP,
    pct_change                    DOUBLE,   -- of monthly_capacity_requests
    change                        VARCHAR NOT NULL,  -- up: a replica serves more
    PRIMARY KEY (quarter, deployment)
);
