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
    parsed_fetch_id VARCHAR               -- set once the body's rows are in the observation versions
                                          -- (a body equal to the previous response's is not parsed again)
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

-- Whether a version (valid_from inclusive, valid_to exclusive, NULL: still holds) holds at t.
CREATE OR REPLACE MACRO holds_at(valid_from, valid_to, t) AS valid_from <= t AND (valid_to IS NULL OR valid_to > t);

-- The responses a quarter's snapshot of a family stands on: per source and endpoint, the newest
-- whole response (every page parsed, none failed) observed before `cutoff` (a quarter's exclusive
-- end); one row per response, its first page (`group_id` names all its pages). Its rows are the
-- observation versions of that source and endpoint that hold at its observed_at.
CREATE OR REPLACE MACRO snapshot_fetches(fam, cutoff) AS TABLE
WITH groups AS (
    SELECT source, endpoint, group_id, min(observed_at) AS observed_at, max(requested_at) AS requested_at,
           bool_and(parsed_fetch_id IS NOT NULL AND error IS NULL) AS whole
    FROM raw_fetch
    WHERE family = fam AND observed_at < cutoff AND endpoint NOT LIKE 'curated:%'
    GROUP BY source, endpoint, group_id
), newest AS (
    SELECT group_id FROM groups WHERE whole
    QUALIFY row_number() OVER (PARTITION BY source, endpoint
                               ORDER BY observed_at DESC, requested_at DESC, group_id DESC) = 1
)
SELECT r.* FROM raw_fetch AS r JOIN newest USING (group_id) WHERE r.page = 0;

-- Every page of the responses snapshot_fetches names (what the export manifest lists per quarter).
CREATE OR REPLACE MACRO snapshot_pages(fam, cutoff) AS TABLE
SELECT r.* FROM raw_fetch AS r JOIN snapshot_fetches(fam, cutoff) AS f USING (group_id);

-- The newest read of each curated file of a family: its rows are the versions that hold at that
-- read. They carry their own observed_at (the row's observed_on): a snapshot keeps those before
-- its cutoff.
CREATE OR REPLACE MACRO curated_fetches(fam) AS TABLE
SELECT * FROM raw_fetch
WHERE family = fam AND endpoint LIKE 'curated:%' AND parsed_fetch_id IS NOT NULL AND error IS NULL
QUALIFY row_number() OVER (PARTITION BY source, endpoint ORDER BY requested_at DESC, fetch_id DESC) = 1;
