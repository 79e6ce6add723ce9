"""Observations stored as versions: a row per change, not a copy per fetch.

Each observation table holds, per source and endpoint (the URL a response stands for) and per
natural key, the successive versions of a row: `valid_from` (inclusive) and `valid_to`
(exclusive; NULL while it still holds). A response that says the same thing again as the
previous one adds nothing; a changed value closes the old version and opens a new one; a key a
response no longer lists is closed. As-of questions are answered by the interval:
`valid_from <= t < coalesce(valid_to, +inf)`.

Responses may arrive out of order (`ledger ingest` of an older file, a backfill): a response
observed at t, between two known responses at t_prev < t < t_next, rewrites only [t, t_next),
so every stored interval always equals what the responses said (pure functions below; the
DuckDB side applies their result).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from pipeline.core.warehouse import ident, insert_frame

# Columns every observation table has besides the family's own.
META = ("source", "endpoint", "fetch_id", "observed_at", "valid_from", "valid_to")


@dataclass
class Changes:
    close: pl.DataFrame    # key + valid_from of versions to end, with their new valid_to
    delete: pl.DataFrame   # key + valid_from of versions to remove (merged into a new one)
    insert: pl.DataFrame   # new versions, every column

    @property
    def empty(self) -> bool:
        return self.close.height == 0 and self.delete.height == 0 and self.insert.height == 0


def content_columns(rows: pl.DataFrame, key: list[str]) -> list[str]:
    return [c for c in rows.columns if c not in key and c not in META]


def _same(cols: list[str]) -> pl.Expr:
    if not cols:
        return pl.lit(True)
    return pl.all_horizontal([pl.col(c).eq_missing(pl.col(f"{c}__new")) for c in cols])


def diff_versions(existing: pl.DataFrame, new: pl.DataFrame, key: list[str], t: datetime,
                  t_next: datetime | None, dated_rows: bool, partial: bool = False) -> Changes:
    """What a response observed at `t` changes in one source and endpoint's versions.

    existing: that source and endpoint's stored versions (META + key + content columns);
    new: the response's rows (key + content + fetch_id, and observed_at when `dated_rows`:
    curated rows date themselves, their observed_at is part of the key);
    t_next: the next response's time for the same source and endpoint, None if this is the newest;
    partial: `new` holds only some of the response's rows (a released quarantined row): keys it
    does not list are left as they are instead of ended.
    """
    content = content_columns(new, key)
    ts = pl.lit(t, dtype=pl.Datetime("us"))
    nxt = pl.lit(t_next, dtype=pl.Datetime("us"))
    existing = existing.with_columns(pl.col("valid_from").cast(pl.Datetime("us")),
                                     pl.col("valid_to").cast(pl.Datetime("us")))
    cover = existing.filter((pl.col("valid_from") <= ts) & (pl.col("valid_to").is_null() | (pl.col("valid_to") > ts)))
    if partial:
        cover = cover.join(new.select(key), on=key, how="semi", nulls_equal=True)
    new = new.with_columns(pl.lit(True).alias("__n"))
    renamed = new.select(*key, *[pl.col(c).alias(f"{c}__new") for c in [*content, "fetch_id", "__n"]]
                         + ([pl.col("observed_at").alias("observed_at__new")] if not dated_rows
                            and "observed_at" in new.columns else []))
    joined = cover.with_columns(pl.lit(True).alias("__c")).join(renamed, on=key, how="full", coalesce=True,
                                                                 nulls_equal=True)
    has_c, has_n = pl.col("__c").fill_null(False), pl.col("__n__new").fill_null(False)
    changed = joined.filter(~(has_c & has_n & _same(content)) & (has_c | has_n))

    ended = changed.filter(pl.col("__c").fill_null(False))
    # A version that began at t itself (an earlier response with the same time) is replaced.
    close = ended.filter(pl.col("valid_from") < ts).select(*key, "valid_from", ts.alias("valid_to"))
    delete = ended.filter(pl.col("valid_from") >= ts).select(*key, "valid_from")
    old_cols = existing.columns
    resumed = pl.DataFrame(schema=existing.schema)
    if t_next is not None:
        # The old value was still what the next response said: it resumes at t_next.
        resumed = ended.filter(pl.col("valid_to").is_null() | (pl.col("valid_to") > nxt)).select(
            *[nxt.alias(c) if c == "valid_from" or (c == "observed_at" and not dated_rows) else pl.col(c)
              for c in old_cols])

    opened = changed.filter(has_n).select(
        *key, *[pl.col(f"{c}__new").alias(c) for c in content], pl.col("fetch_id__new").alias("fetch_id"),
        ts.alias("valid_from"), nxt.alias("valid_to"),
        *([] if dated_rows else [ts.alias("observed_at")]))
    if t_next is not None and opened.height:
        # Same value as the version the next response began: one version, not two.
        starting = existing.filter(pl.col("valid_from") == nxt).select(
            *key, *[pl.col(c).alias(f"{c}__next") for c in content], pl.col("valid_to").alias("valid_to__next"),
            pl.lit(True).alias("__next"))
        merged = opened.join(starting, on=key, how="left", nulls_equal=True)
        same_next = pl.col("__next").fill_null(False) & pl.all_horizontal(
            [pl.lit(True), *[pl.col(c).eq_missing(pl.col(f"{c}__next")) for c in content]])
        delete = pl.concat([delete, merged.filter(same_next).select(*key, nxt.alias("valid_from"))],
                           how="vertical_relaxed")
        opened = merged.with_columns(pl.when(same_next).then(pl.col("valid_to__next"))
                                     .otherwise(pl.col("valid_to")).alias("valid_to")).select(opened.columns)
    insert = pl.concat([resumed.select(sorted(resumed.columns)), opened.select(sorted(opened.columns))],
                       how="diagonal_relaxed") if resumed.height else opened
    return Changes(close=close, delete=delete, insert=insert)


def _match(key: list[str], alias: str) -> str:
    cols = [*key, "valid_from"]
    return " AND ".join(f"o.{ident(c)} IS NOT DISTINCT FROM {alias}.{ident(c)}" for c in cols)


def apply_changes(con: duckdb.DuckDBPyConnection, table: str, source: str, endpoint: str, key: list[str],
                  changes: Changes) -> tuple[int, int]:
    """Apply `changes` to one source and endpoint's versions: (versions added, versions ended)."""
    scope = "o.source = ? AND o.endpoint = ?"
    for name, frame, sql in (
            ("_ledger_delete", changes.delete,
             f"DELETE FROM {ident(table)} AS o USING _ledger_delete AS d WHERE {scope} AND {_match(key, 'd')}"),
            ("_ledger_close", changes.close,
             f"UPDATE {ident(table)} AS o SET valid_to = c.valid_to FROM _ledger_close AS c "
             f"WHERE {scope} AND {_match(key, 'c')}")):
        if frame.height:
            con.register(name, frame)
            try:
                con.execute(sql, [source, endpoint])
            finally:
                con.unregister(name)
    added = insert_frame(con, table, changes.insert.with_columns(pl.lit(source).alias("source"),
                                                                 pl.lit(endpoint).alias("endpoint")))
    return added, changes.close.height


def load_versions(con: duckdb.DuckDBPyConnection, table: str, source: str, endpoint: str) -> pl.DataFrame:
    return con.sql(f"SELECT * FROM {ident(table)} WHERE source = ? AND endpoint = ?",
                   params=[source, endpoint]).pl()


def valid_at(versions: pl.DataFrame, t: datetime) -> pl.DataFrame:
    """The versions that held at `t` (what the previous response said, for the row guards)."""
    ts = pl.lit(t, dtype=pl.Datetime("us"))
    return versions.filter((pl.col("valid_from") <= ts) & (pl.col("valid_to").is_null() | (pl.col("valid_to") > ts)))
