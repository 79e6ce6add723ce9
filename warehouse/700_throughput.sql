-- Throughput: measured inference throughput as published (observations) and per quarter.
-- Every figure is output tokens per second PER GPU (converted by the parsers).
-- Natural key of a measurement within a source (nullable parts, so no PRIMARY KEY): model_name,
-- precision, gpu_name, gpu_count, parallelism, input_tokens, output_tokens, concurrency,
-- batch_size, scenario, framework, benchmark, variant, result_id.

-- Each measurement's versions per source and endpoint (pipeline/core/versions.py): a response
-- that states the same figure again adds nothing.
CREATE TABLE IF NOT EXISTS throughput_observations (
    source                      VARCHAR NOT NULL,
    fetch_id                    VARCHAR NOT NULL,
    observed_at                 TIMESTAMP NOT NULL,
    endpoint                    VARCHAR NOT NULL,  -- the source URL the response stands for
    valid_from                  TIMESTAMP NOT NULL,
    valid_to                    TIMESTAMP,         -- NULL: still holds
    model_name                  VARCHAR NOT NULL,  -- as the source names it
    model_size_b                DOUBLE NOT NULL,   -- total parameters, billions (models.csv)
    active_params_b             DOUBLE,            -- mixture-of-experts: parameters per token
    canonical_model             VARCHAR,           -- pipeline/curated/models.csv id, if listed
    precision                   VARCHAR NOT NULL,  -- fp32 / fp16 / bf16 / fp8 / fp4 / mxfp4 / int8 / int4
    gpu_name                    VARCHAR NOT NULL,  -- as the source names it
    gpu                         VARCHAR NOT NULL,  -- canonical GPU id
    gpu_count                   BIGINT NOT NULL,   -- all GPUs of the run
    parallelism                 VARCHAR NOT NULL,
    input_tokens                BIGINT,            -- NULL: a fixed dataset (MLPerf benchmark)
    output_tokens               BIGINT,
    concurrency                 BIGINT,
    batch_size                  BIGINT,
    scenario                    VARCHAR NOT NULL,  -- offline / server / interactive / online
    output_tokens_per_s_per_gpu DOUBLE NOT NULL,
    total_tokens_per_s_per_gpu  DOUBLE,            -- input + output, where stated
    measured_on                 DATE,              -- the run's date, where the source dates rows
    framework                   VARCHAR,
    benchmark                   VARCHAR,
    variant                     VARCHAR,
    result_id                   VARCHAR,
    detail                      VARCHAR
);

-- Per quarter: the measurements of each source's newest response per endpoint before the
-- quarter's end (an MLPerf round is an endpoint of its own, so every round stays).
CREATE TABLE IF NOT EXISTS throughput_measurements (
    quarter                     VARCHAR NOT NULL,
    provisional                 BOOLEAN NOT NULL,
    source                      VARCHAR NOT NULL,
    model_name                  VARCHAR NOT NULL,
    model_size_b                DOUBLE NOT NULL,
    active_params_b             DOUBLE,
    canonical_model             VARCHAR,
    precision                   VARCHAR NOT NULL,
    gpu_name                    VARCHAR NOT NULL,
    gpu                         VARCHAR NOT NULL,
    gpu_count                   BIGINT NOT NULL,
    parallelism                 VARCHAR NOT NULL,
    input_tokens                BIGINT,
    output_tokens               BIGINT,
    concurrency                 BIGINT,
    batch_size                  BIGINT,
    scenario                    VARCHAR NOT NULL,
    output_tokens_per_s_per_gpu DOUBLE NOT NULL,
    total_tokens_per_s_per_gpu  DOUBLE,
    measured_on                 DATE,
    framework                   VARCHAR,
    benchmark                   VARCHAR,
    variant                     VARCHAR,
    result_id                   VARCHAR,
    detail                      VARCHAR,
    observed_at                 TIMESTAMP NOT NULL,
    fetch_id                    VARCHAR NOT NULL,
    stale                       BOOLEAN NOT NULL,
    stale_reason                VARCHAR
);

-- Every measurement with the interval its figure held: valid_from inclusive, valid_to exclusive
-- (NULL while it still holds). A new interval starts when the figure changes.
CREATE OR REPLACE VIEW throughput_history AS
SELECT source, endpoint, model_name, model_size_b, precision, gpu, gpu_count, parallelism, input_tokens,
       output_tokens, concurrency, batch_size, scenario, framework, benchmark, variant, result_id,
       output_tokens_per_s_per_gpu, valid_from, valid_to, fetch_id
FROM throughput_observations;
