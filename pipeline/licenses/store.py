"""Reading license observations from the staging warehouse and writing the derived tables.

`licenses` and `license_changes` are rebuilt from the whole observation history every refresh
(a better clause reader then applies to every version at once); `openness_spectrum` is written
per quarter.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipeline.core.quarters import Quarter
from pipeline.core.warehouse import insert_frame, query, replace_rows
from pipeline.licenses.curated import load_license_urls, load_model_cards
from pipeline.licenses.history import changes, versions
from pipeline.licenses.spectrum import spectrum

# Every successful response of a license URL, in order, with the text it held (the version of
# that URL's observation that holds at the response's time).
TEXT_FETCHES = """
SELECT f.endpoint AS source_url, f.observed_at, f.fetch_id, o.version_sha256, o.text, o.text_format,
       o.name AS title, o.license_id AS recognised_id
FROM raw_fetch AS f
JOIN license_observations AS o ON o.source = f.source AND o.endpoint = f.endpoint AND holds_at(o.valid_from, o.valid_to, f.observed_at) AND o.kind = 'text'
WHERE f.source = 'license_texts' AND f.error IS NULL AND f.parsed_fetch_id IS NOT NULL
ORDER BY f.endpoint, f.observed_at, f.fetch_id
"""
# What the newest SPDX list says (the versions that still hold).
NEWEST_SPDX = """
SELECT o.subject, o.osi_approved, o.list_version FROM license_observations AS o
WHERE o.kind = 'spdx' AND o.valid_to IS NULL
"""
# What each license source said before a quarter's end (design step 6).
SNAPSHOT = """
SELECT o.kind, o.subject, o.license_id, o.osi_approved, o.list_version, o.version_sha256,
       f.endpoint, f.observed_at AS fetched_at
FROM snapshot_fetches('licenses', ?::TIMESTAMP) AS f
JOIN license_observations AS o ON o.source = f.source AND o.endpoint = f.endpoint AND holds_at(o.valid_from, o.valid_to, f.observed_at)
"""
SNAPSHOT_TEXTS = """
SELECT l.*, s.fetched_at
FROM (""" + SNAPSHOT + """) AS s
JOIN licenses AS l ON l.source_url = s.endpoint AND l.version_sha256 = s.version_sha256
WHERE s.kind = 'text' AND l.document = 'license'
"""
# Registry models whose artifacts a curated row states (unknown openness is not closed), released
# before the quarter's end.
MODELS_BEFORE = """SELECT * FROM models WHERE weights_open IS NOT NULL AND data_open IS NOT NULL
AND code_open IS NOT NULL AND (release_date IS NULL OR release_date < ?::DATE)"""
DELETE_QUARTER = "DELETE FROM openness_spectrum WHERE quarter = ?"


def rebuild_license_history(con: duckdb.DuckDBPyConnection, curated_dir: Path) -> dict[str, int]:
    fetches = query(con, TEXT_FETCHES)
    urls = load_license_urls(curated_dir)
    spdx = query(con, NEWEST_SPDX)
    added = replace_rows(con, "licenses", versions(fetches, urls, spdx) if fetches.height else pl.DataFrame())
    changed = changes(fetches, urls) if fetches.height else pl.DataFrame()
    replace_rows(con, "license_changes", changed)
    return {"versions": added, "changes": changed.height,
            "material_changes": int(changed["material"].sum()) if changed.height else 0}


def snapshot_openness(con: duckdb.DuckDBPyConnection, quarter: Quarter, provisional: bool,
                      curated_dir: Path) -> tuple[int, bool]:
    """Write one quarter's spectrum: (rows written, whether the SPDX list had been observed by
    the quarter's end; before it, only closed-weight models can be classified)."""
    con.execute(DELETE_QUARTER, [quarter.label])
    seen = query(con, SNAPSHOT, [quarter.end])
    spdx = seen.filter(pl.col("kind") == "spdx")
    models = query(con, MODELS_BEFORE, [quarter.end.date()])
    texts = query(con, SNAPSHOT_TEXTS, [quarter.end])
    frame = spectrum(quarter.label, provisional, models, spdx, texts,
                     seen.filter(pl.col("kind") == "card"), load_model_cards(curated_dir))
    return insert_frame(con, "openness_spectrum", frame), spdx.height > 0
