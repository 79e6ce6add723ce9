-- History backfill (`ledger backfill`): where a backfilled body came from, and what the public
-- record held for each quarter. All timestamps are naive UTC.

-- The commit or capture a backfilled body was read from; NULL for every other mode:
-- https://github.com/<owner>/<repo>/blob/<commit sha>/<path> or https://web.archive.org/web/<yyyymmddhhmmss>/<url>.
ALTER TABLE raw_fetch ADD COLUMN IF NOT EXISTS provenance VARCHAR;
-- A bundled response's facts were read from this source's own public record (NULL) or from
-- another source's (its name, from the recorded index's `facts_from`): such a fetch is not an
-- independent witness against that source (price_discrepancies_in compares independent ones only).
ALTER TABLE raw_fetch ADD COLUMN IF NOT EXISTS facts_from VARCHAR;

-- Per quarter, source and endpoint: the last commit or capture before the quarter's end that a
-- backfill found, or why there is none. A gap is reported here, never filled by guessing.
CREATE TABLE IF NOT EXISTS backfill_coverage (
    quarter     VARCHAR NOT NULL,
    provisional BOOLEAN NOT NULL,
    source      VARCHAR NOT NULL,
    endpoint    VARCHAR NOT NULL,   -- the source URL the history stands for
    kind        VARCHAR NOT NULL,   -- git (GitHub commits) / wayback (Wayback Machine captures)
    status      VARCHAR NOT NULL,   -- found: a version from within the quarter; carried: the newest
                                    -- version predates the quarter; gap; unreadable; failed; not_reached
    version     VARCHAR,            -- commit sha, or capture timestamp yyyymmddhhmmss
    observed_at TIMESTAMP,          -- the commit's (committer date) or the capture's time
    provenance  VARCHAR,
    fetch_id    VARCHAR,            -- the raw_fetch row of the body (NULL unless found or carried)
    sha256      VARCHAR,            -- the archived body (also kept for an unreadable one)
    detail      VARCHAR,
    PRIMARY KEY (quarter, source, endpoint)
);
