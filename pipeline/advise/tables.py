"""What `ledger advise` reads from the published warehouse, one quarter at a time, read-only.

Tables other parts of the ledger own are read defensively: a table that is absent (an older
warehouse, `managed_inference` before the marts add it) reads as no rows, and a column that is
absent reads as null, so the answer says what it lacks instead of failing.
"""

from __future__ import annotations

import json

import duckdb

from pipeline.core.warehouse import ident, table_columns

TIER_TABLE = "quality_tiers"


def rows(con: duckdb.DuckDBPyConnection, table: str, sql: str, params: list | None = None,
         needs: tuple[str, ...] = ()) -> list[dict]:
    """`sql` over `table` as dicts, or no rows when the table or a column it needs is absent."""
    have = table_columns(con, table)
    if not have or not set(needs) <= have:
        return []
    result = con.execute(sql, params or [])
    names = [d[0] for d in result.description]
    return [dict(zip(names, r)) for r in result.fetchall()]


def quarter_rows(con: duckdb.DuckDBPyConnection, table: str, quarter: str) -> list[dict]:
    """Every row of a quarterly table for one quarter (SELECT *: columns other developers add ride along)."""
    if "quarter" not in table_columns(con, table):
        return []
    # names cannot be ? parameters: ident() admits only a plain identifier
    return rows(con, table, f"SELECT * FROM {ident(table)} WHERE quarter = ?", [quarter])


def quarters(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The quarters with any option to rank, oldest first."""
    found: set[str] = set()
    for table in ("api_cost_at_scale", "self_hosted_cost", "managed_inference"):
        if "quarter" in table_columns(con, table):
            # names cannot be ? parameters: ident() admits only a plain identifier
            found |= {r[0] for r in con.execute(f"SELECT DISTINCT quarter FROM {ident(table)}").fetchall()}
    return sorted(found)


def api_prices(con: duckdb.DuckDBPyConnection, quarter: str) -> list[dict]:
    """Each model × provider's base price of the quarter, as api_cost_at_scale chose it (a curated
    row first, then the newest observation, then the cheapest), with the row it came from."""
    return rows(con, "api_cost_at_scale",
                "SELECT DISTINCT canonical_model, provider, source, source_model_id, is_reference, input_usd_per_mtok, "
                "output_usd_per_mtok, observed_at, fetch_id, assumptions_hash, provisional FROM api_cost_at_scale "
                "WHERE quarter = ? ORDER BY canonical_model, provider", [quarter],
                needs=("is_reference", "source_model_id"))


def price_citations(con: duckdb.DuckDBPyConnection, quarter: str) -> dict[tuple, str]:
    """The citation of each curated price row (model_prices.citation), by model, provider, fetch."""
    found = rows(con, "model_prices", "SELECT DISTINCT canonical_model, provider, fetch_id, citation FROM model_prices "
                 "WHERE quarter = ? AND citation IS NOT NULL", [quarter], needs=("citation",))
    return {(r["canonical_model"], r["provider"], r["fetch_id"]): r["citation"] for r in found}


def fetches(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """Every published fetch by id: source, the URL it stands for, when, how, and its provenance."""
    have = table_columns(con, "raw_fetch")
    if not have:
        return {}
    extra = ", provenance" if "provenance" in have else ", NULL AS provenance"
    out = {}
    for r in rows(con, "raw_fetch", f"SELECT fetch_id, source, url, endpoint, observed_at, mode{extra} FROM raw_fetch"):
        url = r["endpoint"] if (r["url"] or "").startswith("file:") else r["url"]
        out[r["fetch_id"]] = {"source": r["source"], "url": url, "observed_at": r["observed_at"], "mode": r["mode"],
                              "provenance": r["provenance"]}
    return out


def by_model(con: duckdb.DuckDBPyConnection, table: str, quarter: str) -> dict[str, dict]:
    return {r["canonical_model"]: r for r in quarter_rows(con, table, quarter)}


def registry(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    return {r["canonical_model"]: r for r in rows(con, "models", "SELECT * FROM models")}


def licenses(con: duckdb.DuckDBPyConnection) -> dict[tuple, dict]:
    """Every license text version with its clauses, by (source_url, version_sha256)."""
    return {(r["source_url"], r["version_sha256"]): r
            for r in rows(con, "licenses", "SELECT * FROM licenses", needs=("source_url", "version_sha256"))}


def gpu_offers(con: duckdb.DuckDBPyConnection, quarter: str) -> dict[str, list[dict]]:
    """The fetches behind each GPU's on-demand rates in the quarter (gpu_price_summary's inputs)."""
    found = rows(con, "gpu_rates", "SELECT gpu, source, fetch_id, max(observed_at) AS observed_at, count(*) AS offers "
                 "FROM gpu_rates WHERE quarter = ? AND pricing_model = 'on_demand' GROUP BY ALL ORDER BY ALL",
                 [quarter], needs=("pricing_model", "fetch_id"))
    out: dict[str, list[dict]] = {}
    for r in found:
        out.setdefault(r["gpu"], []).append(r)
    return out


def assumptions(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """The assumptions documents by hash (run_assumptions), with where each came from."""
    out = {}
    for r in rows(con, "run_assumptions", "SELECT assumptions_hash, source, document FROM run_assumptions"):
        try:
            out[r["assumptions_hash"]] = {"source": r["source"], **json.loads(r["document"])}
        except (TypeError, ValueError):
            continue
    return out
