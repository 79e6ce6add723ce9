"""Row guards for license observations. Pure: frames in, violating rows (`__row`, `detail`) out."""

from __future__ import annotations

import polars as pl

from pipeline.core.family import Guard, GuardContext
from pipeline.core.validate import ROW

# The shortest license the ledger tracks (MIT) is about 1,000 characters; a few hundred is an
# error or placeholder page served with HTTP 200, not a new version of the license.
MIN_TEXT_CHARS = 400

_EMPTY = pl.DataFrame(schema={ROW: pl.Int64, "detail": pl.String})


def text_too_short(rows: pl.DataFrame, ctx: GuardContext) -> pl.DataFrame:
    if rows.height == 0 or "text" not in rows.columns:
        return _EMPTY
    short = rows.filter((pl.col("kind") == "text") & (pl.col("text").str.len_chars() < MIN_TEXT_CHARS))
    return short.select(pl.col(ROW), pl.format("text of {} characters (under {}): not a license text",
                                               pl.col("text").str.len_chars(), pl.lit(MIN_TEXT_CHARS)).alias("detail"))


GUARDS = (
    Guard("license_text_too_short", text_too_short,
          f"a license text under {MIN_TEXT_CHARS} characters (an error page served as 200)"),
)
