"""Lines for `ledger status`: license versions and changes, and the newest quarter's spectrum."""

from __future__ import annotations

import duckdb

SUMMARY = """
SELECT (SELECT count(*) FROM licenses), (SELECT count(DISTINCT source_url) FROM licenses),
       (SELECT count(*) FROM license_changes), (SELECT count(*) FROM license_changes WHERE material)
"""
SPECTRUM = """
SELECT quarter, category, count(*) FROM openness_spectrum
WHERE quarter = (SELECT max(quarter) FROM openness_spectrum)
GROUP BY ALL ORDER BY category
"""


def status_report(con: duckdb.DuckDBPyConnection) -> str:
    try:
        versions, urls, changes, material = con.execute(SUMMARY).fetchall()[0]
        spectrum = con.execute(SPECTRUM).fetchall()
    except duckdb.CatalogException:
        return ""  # a warehouse published before the license tables existed
    lines = [f"licenses: {versions} text version(s) at {urls} URL(s); {changes} change(s), {material} material"]
    if spectrum:
        counts = ", ".join(f"{category} {n}" for _, category, n in spectrum)
        lines.append(f"openness_spectrum {spectrum[0][0]}: {counts}")
    return "\n".join(lines)
