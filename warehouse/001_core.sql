-- Core tables: what was fetched, what was parsed, what was held back.
-- All timestamps are naive UTC.

-- One row per fetch attempt (successful or not) of a published refresh.
CREATE TABLE IF NOT EXISTS raw_fetch (
    fetch_id        VARCHAR PRIMARY KEY,
    source          VARCHAR NOT NULL,
    family          VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,     -- what was read: the URL requested, or file:// for `ledger ingest`
    endpoint        VARCHAR NOT NULL,     -- the source URL this response stands for (its first page)
    requested_at    TIMESTAMP NOT NULL,
    observed_at     TIMESTAMP NOT NULL,   -- when the body's facts hold (the recorded date for replay/file)
    status          INTEGER,              -- HTTP status; NULL for replay/file/fallback
    sha256          VARCHAR,              -- body in warehouse/raw/objects/<sha256[:2]>/<sha256>.gz
    bytes           BIGINT,
    content_type    VARCHAR,
    mode            VARCHAR NOT NULL,     -- live / replay / fallback / file
    error           VARCHAR,
    etag            VARCHAR,
    last_modified   VARCHAR,
    attempts        INTEGER,
    elapsed_ms      BIGINT,
    stale           BOOLEAN NOT NULL DEFAULT false,
    stale_reason    VARCHAR,
    reused_fetch_id VARCHAR,              -- a 304 or fallback: the fetch (or bundled file) whose body this is
    group_id        VARCHAR NOT NULL,     -- the first page's fetch_id (paged sources)
    page            INTEGER NOT NULL DEFAULT 0,
    run_id          VARCHAR NOT NULL,
    parser_version  VARCHAR,
    parsed_fetch_id VARCHAR               -- the fetch whose observations hold this body's rows
);

-- A body parsed once per parser version: the same bytes are never parsed twice.
CREATE TABLE IF NOT EXISTS parsed_bodies (
    source         VARCHAR NOT NULL,
    sha256         VARCHAR NOT NULL,
    parser_version VARCHAR NOT NULL,
    fetch_id       VARCHAR NOT NULL,
    parsed_at      TIMESTAMP NOT NULL,
    rows           BIGINT NOT NULL,
    rejected       BIGINT NOT NULL,
    excluded       BIGINT NOT NULL,
    quarantined    BIGINT NOT NULL,
    PRIMARY KEY (source, sha256, parser_version)
);

-- Entries a parser could not use (kind 'rejected') or left out by design (kind 'excluded').
CREATE TABLE IF NOT EXISTS rejects (
    source      VARCHAR NOT NULL,
    fetch_id    VARCHAR NOT NULL,
    observed_at TIMESTAMP NOT NULL,
    record_key  VARCHAR,
    field       VARCHAR,
    value       VARCHAR,
    reason      VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL
);

-- Rows held back by a row-level rule: kept with the rule and values, left out of snapshots.
CREATE TABLE IF NOT EXISTS quarantine (
    source      VARCHAR NOT NULL,
    family      VARCHAR NOT NULL,
    fetch_id    VARCHAR NOT NULL,
    observed_at TIMESTAMP NOT NULL,
    rule        VARCHAR NOT NULL,
    detail      VARCHAR,
    row_key     VARCHAR NOT NULL,        -- the row's natural key, as JSON
    "row"       VARCHAR NOT NULL,        -- the whole row, as JSON
    released    BOOLEAN NOT NULL DEFAULT false,
    released_by VARCHAR                  -- the curated row (file, citation) that confirmed it
);

-- One row per published refresh, written by its first step (the plan) and completed by its
-- publication; runs that published nothing are in the Dagster instance (`ledger status`).
CREATE TABLE IF NOT EXISTS refresh_runs (
    run_id       VARCHAR PRIMARY KEY,
    mode         VARCHAR NOT NULL,
    as_of        TIMESTAMP NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    published_at TIMESTAMP,
    quarters     VARCHAR,
    sources      VARCHAR
);
ALTER TABLE refresh_runs ADD COLUMN IF NOT EXISTS quarters_reason VARCHAR;
-- The hash of the code, curated files and assumptions the run computed with, and the one every
-- published quarter shares after it (NULL when quarters computed differently coexist).
ALTER TABLE refresh_runs ADD COLUMN IF NOT EXISTS fingerprint VARCHAR;
ALTER TABLE refresh_runs ADD COLUMN IF NOT EXISTS consistent_fingerprint VARCHAR;

-- The fetches a quarter's snapshot of a family stands on: for each source and endpoint, the
-- newest group of successfully parsed bodies observed before `cutoff` (a quarter's exclusive end).
CREATE OR REPLACE MACRO snapshot_fetches(fam, cutoff) AS TABLE
WITH ok AS (
    SELECT * FROM raw_fetch
    WHERE family = fam AND observed_at < cutoff AND parsed_fetch_id IS NOT NULL AND error IS NULL
      AND endpoint NOT LIKE 'curated:%'
), newest AS (
    SELECT source, endpoint, group_id FROM ok
    QUALIFY row_number() OVER (PARTITION BY source, endpoint
                               ORDER BY observed_at DESC, requested_at DESC, group_id DESC) = 1
)
SELECT ok.* FROM ok JOIN newest USING (source, endpoint, group_id);

-- The newest read of each curated file of a family. Its rows carry their own observed_at (the
-- row's observed_on): a snapshot keeps those before its cutoff.
CREATE OR REPLACE MACRO curated_fetches(fam) AS TABLE
SELECT * FROM raw_fetch
WHERE family = fam AND endpoint LIKE 'curated:%' AND parsed_fetch_id IS NOT NULL AND error IS NULL
QUALIFY row_number() OVER (PARTITION BY source, endpoint ORDER BY requested_at DESC, fetch_id DESC) = 1;
