"""Validation of parsed rows: the family's pandera schema, then its row guards.

Schema-level failures (a missing column, a wrong dtype: the response's shape changed) fail
the whole body. Row-level failures (a negative price, a ×100 jump, a duplicate key) quarantine
only the rows concerned; the rest publishes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandera.polars as pa
import polars as pl

from pipeline.core.family import Family, GuardContext

ROW = "__row"
DUPLICATE_KEY = "duplicate_key"


@dataclass
class Validated:
    clean: pl.DataFrame            # rows that pass, without the row index
    quarantined: pl.DataFrame      # rows held back: ROW, rule, detail + the row's columns
    schema_errors: pl.DataFrame    # schema-level failure cases (empty when the shape is right)
    exact_duplicates: int


def schema_failures(schema: type, rows: pl.DataFrame) -> pl.DataFrame:
    try:
        schema.validate(rows, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return exc.failure_cases
    return pl.DataFrame(schema={"failure_case": pl.String, "schema_context": pl.String,
                                "column": pl.String, "check": pl.String,
                                "check_number": pl.Int32, "index": pl.Int32})


def find_duplicate_keys(rows: pl.DataFrame, keys: tuple[str, ...]) -> pl.DataFrame:
    """Rows sharing a natural key with different values: ambiguous, all of them held back."""
    present = [k for k in keys if k in rows.columns]
    if not present or rows.height == 0:
        return pl.DataFrame(schema={ROW: pl.Int64, "detail": pl.String})
    counted = rows.with_columns(pl.len().over(present).alias("__n"))
    dup = counted.filter(pl.col("__n") > 1)
    return dup.select(pl.col(ROW), pl.format("{} rows share this key in one fetch", pl.col("__n")).alias("detail"))


def deduplicated(rows: pl.DataFrame, carry: tuple[str, ...] = ()) -> tuple[pl.DataFrame, int]:
    """The rows without exact duplicates (they carry no information), numbered in ROW, and how many
    were removed. `carry`: bookkeeping columns (e.g. the page's fetch_id) that do not count."""
    data = [c for c in rows.columns if c not in carry]
    unique = rows.unique(subset=data, keep="first", maintain_order=True)
    return unique.with_row_index(ROW).with_columns(pl.col(ROW).cast(pl.Int64)), rows.height - unique.height


def schema_failures_of_many(schema: type, frames: list[pl.DataFrame], carry: tuple[str, ...] = ()) -> list[pl.DataFrame]:
    """One pandera pass over several numbered frames (it costs per check, not per row): each
    frame's failure cases, `index` being the frame's own ROW; schema-level failures go to all."""
    if not frames:
        return []
    combined = pl.concat([f.with_columns(pl.lit(i, pl.Int64).alias("__frame")) for i, f in enumerate(frames)],
                         how="vertical_relaxed")
    failures = schema_failures(schema, combined.drop(ROW, "__frame", *[c for c in carry if c in combined.columns]))
    located = combined.select("__frame", ROW).with_row_index("__pos")
    rows = failures.filter(pl.col("index").is_not_null()).join(
        located, left_on=pl.col("index").cast(pl.UInt32), right_on="__pos", how="left")
    shape = failures.filter(pl.col("index").is_null())
    return [pl.concat([shape, rows.filter(pl.col("__frame") == i).with_columns(pl.col(ROW).cast(pl.Int32)
                                                                              .alias("index"))
                       .select(shape.columns)], how="vertical_relaxed") for i in range(len(frames))]


def validate(family: Family, rows: pl.DataFrame, ctx: GuardContext, carry: tuple[str, ...] = (),
             failures: pl.DataFrame | None = None, exact_duplicates: int | None = None) -> Validated:
    """Schema, then row rules. `rows` as given, or already `deduplicated` with their pandera
    `failures` computed (schema_failures_of_many) and the count of duplicates removed."""
    if failures is None or exact_duplicates is None:
        rows, exact_duplicates = deduplicated(rows, carry)
        failures = schema_failures(family.schema, rows.drop(ROW, *[c for c in carry if c in rows.columns]))
    schema_level = failures.filter(pl.col("index").is_null())
    if schema_level.height:
        return Validated(rows.head(0).drop(ROW), rows.head(0).with_columns(
            pl.lit(None, pl.String).alias("rule"), pl.lit(None, pl.String).alias("detail")),
            schema_level, exact_duplicates)

    flagged: list[pl.DataFrame] = []
    row_level = failures.filter(pl.col("index").is_not_null())
    if row_level.height:
        flagged.append(row_level.select(
            pl.col("index").cast(pl.Int64).alias(ROW),
            pl.format("schema:{}:{}", pl.col("column"), pl.col("check")).alias("rule"),
            pl.format("value {}", pl.col("failure_case")).alias("detail")))
    dups = find_duplicate_keys(rows, family.key_columns)
    if dups.height:
        flagged.append(dups.with_columns(pl.lit(DUPLICATE_KEY).alias("rule")).select(ROW, "rule", "detail"))
    for guard in family.guards:
        hits = guard.find(rows, ctx)
        if hits.height:
            flagged.append(hits.with_columns(pl.lit(guard.rule).alias("rule")).select(
                pl.col(ROW).cast(pl.Int64), "rule", pl.col("detail").cast(pl.String)))
    if flagged:
        # One quarantine row per (row, rule): a row can break several rules.
        hits = pl.concat(flagged).unique(subset=[ROW, "rule"], keep="first", maintain_order=True)
    else:
        hits = pl.DataFrame(schema={ROW: pl.Int64, "rule": pl.String, "detail": pl.String})
    quarantined = hits.join(rows, on=ROW, how="left")
    clean = rows.filter(~pl.col(ROW).is_in(hits[ROW].implode())).drop(ROW)
    return Validated(clean, quarantined, schema_level, exact_duplicates)


def quarantine_records(family: Family, validated: Validated) -> list[dict]:
    """The quarantined rows as `quarantine` table records (row and key as JSON)."""
    out = []
    value_cols = [c for c in validated.quarantined.columns if c not in (ROW, "rule", "detail", "fetch_id")]
    for rec in validated.quarantined.iter_rows(named=True):
        row = {c: rec[c] for c in value_cols}
        key = {c: row.get(c) for c in family.key_columns}
        held = {"rule": rec["rule"], "detail": rec["detail"],
                "row_key": json.dumps(key, default=str, sort_keys=True),
                "row": json.dumps(row, default=str, sort_keys=True)}
        if "fetch_id" in rec:
            held["fetch_id"] = rec["fetch_id"]  # the page the row was read from
        out.append(held)
    return out
