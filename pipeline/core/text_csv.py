"""CSV bodies read by polars with every column as text: the one place that turns polars' reader
errors into the project's own (SourceFormatError naming what was being read).

Text first, types after: a value that is not a number or a date then becomes an error naming its
row and rule, instead of a column silently typed otherwise or a cryptic reader error.
"""

from __future__ import annotations

import polars as pl

from pipeline.core.sources import SourceFormatError


def read_text_csv(body: bytes, what: str, *, comment_prefix: str | None = None, skip_lines: int = 0) -> pl.DataFrame:
    """Every column as a String; empty fields as "" (not null); a row shorter than the header gets
    "" for the fields it lacks, fields beyond the header are ignored. A UTF-8 byte-order mark is
    skipped, and so are the first `skip_lines` lines. SourceFormatError when the body is empty, not UTF-8, or not CSV."""
    try:
        return pl.read_csv(body, infer_schema=False, empty_string_is_null=False, truncate_ragged_lines=True,
                           comment_prefix=comment_prefix, skip_lines=skip_lines, raise_if_empty=True)
    except pl.exceptions.NoDataError:
        raise SourceFormatError(f"{what}: the body is empty") from None
    except pl.exceptions.PolarsError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "utf-8" in first.lower() or "utf8" in first.lower():
            raise SourceFormatError(f"{what}: not UTF-8 text ({first})") from None
        raise SourceFormatError(f"{what}: not a readable CSV ({first})") from None
