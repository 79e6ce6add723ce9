-- Licenses: observations as fetched (texts, SPDX entries, model cards), the distinct text
-- versions with their clauses, the changes between versions, and the quarterly openness spectrum.

-- What a license source said, one row per subject per parsed body. `kind` says which columns
-- apply: text (subject = URL), spdx (subject = SPDX id), card (subject = HF repository).
CREATE TABLE IF NOT EXISTS license_observations (
    source              VARCHAR NOT NULL,
    fetch_id            VARCHAR NOT NULL,
    observed_at         TIMESTAMP NOT NULL,
    endpoint    VARCHAR NOT NULL,     -- the source URL (or curated file) the response stands for
    valid_from  TIMESTAMP NOT NULL,   -- this version holds from the response observed here ...
    valid_to    TIMESTAMP,            -- ... to the next response that changed or dropped it (NULL: still holds)
    kind                VARCHAR NOT NULL,
    subject             VARCHAR NOT NULL,
    license_id          VARCHAR,
    license_evidence    VARCHAR,
    name                VARCHAR,
    url                 VARCHAR,
    text                VARCHAR,
    text_format         VARCHAR,
    version_sha256      VARCHAR,
    osi_approved        BOOLEAN,
    fsf_libre           BOOLEAN,
    deprecated          BOOLEAN,
    list_version        VARCHAR,
    card_license        VARCHAR,
    embedded_license_id VARCHAR,
    gated               VARCHAR
);

-- One row per distinct text version of a license document at a URL (whitespace and line endings
-- normalised before hashing; the text kept as first seen), with the clauses read from it, each
-- with the passage it rests on. Rebuilt every refresh from the observations.
CREATE TABLE IF NOT EXISTS licenses (
    license_id                VARCHAR NOT NULL,
    document                  VARCHAR NOT NULL,   -- license / use_policy
    source_url                VARCHAR NOT NULL,
    version_sha256            VARCHAR NOT NULL,
    first_seen                TIMESTAMP NOT NULL,
    last_seen                 TIMESTAMP NOT NULL,
    fetches                   BIGINT NOT NULL,
    title                     VARCHAR,
    text_format               VARCHAR,
    text                      VARCHAR NOT NULL,
    commercial_use            BOOLEAN,
    commercial_use_evidence   VARCHAR,
    mau_threshold             BIGINT,             -- monthly active users
    mau_threshold_evidence    VARCHAR,
    attribution_required      BOOLEAN NOT NULL,
    attribution_evidence      VARCHAR,
    aup_by_reference          BOOLEAN NOT NULL,
    aup_evidence              VARCHAR,
    non_commercial            BOOLEAN NOT NULL,
    non_commercial_evidence   VARCHAR,
    restricts_output_use      BOOLEAN NOT NULL,
    output_use_terms          VARCHAR,            -- prohibited / conditions
    output_use_evidence       VARCHAR,
    redistribution_conditions BOOLEAN NOT NULL,
    redistribution_evidence   VARCHAR,
    use_restrictions          BOOLEAN NOT NULL,
    use_restrictions_evidence VARCHAR,
    osi_approved              BOOLEAN,
    osi_evidence              VARCHAR,
    citation                  VARCHAR,
    PRIMARY KEY (source_url, version_sha256)
);

-- A URL's text changed between two consecutive observations. Rebuilt every refresh.
CREATE TABLE IF NOT EXISTS license_changes (
    license_id           VARCHAR NOT NULL,
    source_url           VARCHAR NOT NULL,
    old_sha256           VARCHAR NOT NULL,
    new_sha256           VARCHAR NOT NULL,
    previous_observed_at TIMESTAMP NOT NULL,
    observed_at          TIMESTAMP NOT NULL,
    fetch_id             VARCHAR NOT NULL,
    material             BOOLEAN NOT NULL,
    clauses_changed      VARCHAR,             -- comma-separated clause names; other_terms = wording
    cosmetic_changes     VARCHAR,             -- urls, formatting, dates, names
    diff                 VARCHAR NOT NULL,
    PRIMARY KEY (source_url, observed_at, new_sha256)
);

-- Per quarter: each registry model's openness category, with the evidence it rests on.
CREATE TABLE IF NOT EXISTS openness_spectrum (
    quarter                VARCHAR NOT NULL,
    provisional            BOOLEAN NOT NULL,
    canonical_model        VARCHAR NOT NULL,
    category               VARCHAR NOT NULL,
    weights_open           BOOLEAN NOT NULL,
    data_open              BOOLEAN NOT NULL,
    code_open              BOOLEAN NOT NULL,
    license_id             VARCHAR,
    license_id_source      VARCHAR,            -- registry / model card <repo>
    card_license_id        VARCHAR,            -- what the model's card declares, when read
    osi_approved           BOOLEAN,
    restrictions           VARCHAR,            -- clause names that restrict use, comma-separated
    license_version_sha256 VARCHAR,
    license_source_url     VARCHAR,
    artifact_citation      VARCHAR,
    evidence               VARCHAR NOT NULL,
    PRIMARY KEY (quarter, canonical_model)
);

-- The newest SPDX list entry of each license id.
CREATE OR REPLACE VIEW spdx_licenses AS
SELECT subject AS license_id, name, osi_approved, fsf_libre, deprecated, list_version, url AS reference,
       observed_at
FROM license_observations
WHERE kind = 'spdx'
QUALIFY row_number() OVER (PARTITION BY subject ORDER BY observed_at DESC, fetch_id DESC) = 1;

-- The newest observation of each model card's declared license.
CREATE OR REPLACE VIEW model_card_licenses AS
SELECT subject AS repo_id, license_id, card_license, name AS license_name, url AS license_link,
       embedded_license_id, gated, license_evidence, observed_at
FROM license_observations
WHERE kind = 'card'
QUALIFY row_number() OVER (PARTITION BY subject ORDER BY observed_at DESC, fetch_id DESC) = 1;
