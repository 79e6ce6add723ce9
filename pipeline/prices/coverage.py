"""Alias coverage for `ledger status`: how much of each price source maps to canonical models."""

from __future__ import annotations

import duckdb

TOP_UNMAPPED = 10

# Rows of each source's newest response: mapped by an alias, and mapped to a registry model.
COVERAGE = """
WITH latest AS (
    SELECT o.source, o.source_model_id, o.provider
    FROM snapshot_fetches('prices', TIMESTAMP '9999-12-31') f
    JOIN price_observations o ON o.source = f.source AND o.endpoint = f.endpoint AND holds_at(o.valid_from, o.valid_to, f.observed_at)
    UNION ALL
    SELECT o.source, o.source_model_id, o.provider
    FROM curated_fetches('prices') f JOIN price_observations o ON o.source = f.source AND o.endpoint = f.endpoint AND holds_at(o.valid_from, o.valid_to, f.observed_at)
)
SELECT l.source, count(*) AS rows,
       count(a.canonical_model) AS mapped,
       count(m.canonical_model) AS in_registry
FROM latest l
LEFT JOIN model_aliases a USING (source, source_model_id)
LEFT JOIN models m ON m.canonical_model = a.canonical_model
GROUP BY l.source ORDER BY l.source
"""

# Ids with no alias, most widely priced first (number of providers and sources pricing them).
UNMAPPED = """
WITH latest AS (
    SELECT o.source, o.source_model_id, o.provider
    FROM snapshot_fetches('prices', TIMESTAMP '9999-12-31') f
    JOIN price_observations o ON o.source = f.source AND o.endpoint = f.endpoint AND holds_at(o.valid_from, o.valid_to, f.observed_at)
)
SELECT l.source_model_id, count(DISTINCT l.provider) AS providers, count(*) AS price_rows,
       string_agg(DISTINCT l.source, ',' ORDER BY l.source) AS sources
FROM latest l
LEFT JOIN model_aliases a USING (source, source_model_id)
WHERE a.canonical_model IS NULL
GROUP BY l.source_model_id
ORDER BY providers DESC, price_rows DESC, l.source_model_id
LIMIT ?
"""


def alias_coverage_report(con) -> str:
    """Per source: rows mapped to a canonical model; then the most-priced unmapped ids."""
    try:
        coverage = con.execute(COVERAGE).fetchall()
        unmapped = con.execute(UNMAPPED, [TOP_UNMAPPED]).fetchall()
    except duckdb.Error as exc:  # a warehouse from before the prices tables: say so, do not fail
        return f"prices alias coverage: unavailable ({exc.__class__.__name__})"
    if not coverage:
        return ""
    lines = ["prices alias coverage (newest response of each source):",
             f"  {'source':<28}{'rows':>7}{'mapped':>9}{'in registry':>13}"]
    for source, rows, mapped, in_registry in coverage:
        share = f"{mapped / rows:.0%}" if rows else "-"
        lines.append(f"  {source:<28}{rows:>7}{mapped:>9}{in_registry:>13}  ({share} mapped)")
    if unmapped:
        lines.append("  most-priced unmapped ids (providers, rows, sources):")
        lines.extend(f"    {mid}  ({providers}, {rows}, {sources})" for mid, providers, rows, sources in unmapped)
    return "\n".join(lines)
