"""Curated CSV files: facts published only in prose, sales quotes or contracts.

The one reader of every curated file (pipeline/curated/ by default, `--curated-dir` elsewhere):
polars reads it with `#` comment lines skipped and every column as text; each column is typed as
the file's pandera model in schemas/curated.py says (numbers, true/false/yes/no/1/0, YYYY-MM-DD
dates; surrounding spaces dropped, an empty field is null) and the rows are validated by that
model. Every row carries a citation (and, for observations, an `observed_on` date). A file that
breaks a rule is refused as a whole, every broken rule listed with the file, the line (as an
editor numbers it, comment lines included) and the rule: `prices.csv:7: column 'citation' is
required`. A header with an unknown or a missing column is refused; a blank line is not a row.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandera.polars as pa
import polars as pl

from pipeline.core.sources import SourceFormatError, utf8_text
from pipeline.core.text_csv import read_text_csv

MAX_LISTED = 10
_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")
_TYPE_WORDS = {pl.Float64: "a number", pl.Int64: "a whole number", pl.Boolean: "true or false",
               pl.Date: "a date (YYYY-MM-DD)"}


class CuratedError(SourceFormatError):
    """A curated file breaks a rule: refused as a whole (a SourceFormatError to its source's ingest)."""


def columns_of(model: type[pa.DataFrameModel]) -> dict[str, pl.DataType]:
    """The file's columns, in the model's order, with their polars types."""
    return {name: col.dtype.type for name, col in model.to_schema().columns.items()}


def read_curated(path: Path, model: type[pa.DataFrameModel], *, optional_file: bool = True,
                 line_column: str | None = None) -> pl.DataFrame:
    """The file at `path` as a typed frame of `model`'s columns; CuratedError naming the file, line
    and rule. A missing file reads as no rows when `optional_file`. `line_column` adds each row's
    line number under that name (for a loader's own rules across columns)."""
    path = Path(path)
    if not path.exists():
        if optional_file:
            empty = pl.DataFrame(schema=columns_of(model))
            return empty.with_columns(pl.lit(None, pl.Int64).alias(line_column)) if line_column else empty
        raise CuratedError(f"{path}: curated file is missing")
    return parse_curated(path.read_bytes(), str(path), model, line_column=line_column)


def parse_curated(body: bytes, where: str, model: type[pa.DataFrameModel], *,
                  line_column: str | None = None) -> pl.DataFrame:
    """`read_curated` for a body already read (a curated source's archived bytes); `where` names it.
    The same bytes read by the same model give the same frame: parsed once per process."""
    return _parse_curated(body, where, model, line_column).clone()


@lru_cache(maxsize=256)
def _parse_curated(body: bytes, where: str, model: type[pa.DataFrameModel],
                   line_column: str | None) -> pl.DataFrame:
    columns = columns_of(model)
    try:
        header, lines = _record_lines(utf8_text(body, where), where)
        raw = read_text_csv(body, where, comment_prefix="#", skip_lines=header - 1)
    except CuratedError:
        raise
    except SourceFormatError as exc:
        raise CuratedError(str(exc)) from None
    unknown = [c for c in raw.columns if c not in columns]
    missing = [c for c in columns if c not in raw.columns]
    if unknown or missing:
        raise CuratedError(f"{where}: header must be {','.join(columns)}; unknown columns {unknown}, "
                           f"missing columns {missing}")
    if len(lines) != raw.height:  # a layout the line count cannot follow: number the rows instead
        lines = list(range(2, raw.height + 2))
    text = (raw.select(pl.col(c).str.strip_chars() for c in columns).with_columns(pl.Series("__line", lines))
            .filter(~pl.all_horizontal(pl.col(c) == "" for c in columns)))
    text = text.with_columns(pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in columns)
    typed = text.select(*(_typed(c, t) for c, t in columns.items()), "__line")
    mistyped = _type_errors(text, typed, columns)
    # A value that is not of its type is reported as such, not again as missing.
    cells = {(line, column) for line, column, _ in mistyped}
    errors = mistyped + [e for e in _rule_errors(model, typed.drop("__line"), typed["__line"]) if e[:2] not in cells]
    if errors:
        errors.sort(key=lambda e: (e[0], list(columns).index(e[1]) if e[1] in columns else -1))
        listed = [f"{where}:{line}: {rule}" for line, _, rule in errors[:MAX_LISTED]]
        more = f" (and {len(errors) - MAX_LISTED} more)" if len(errors) > MAX_LISTED else ""
        raise CuratedError("; ".join(listed) + more)
    return typed.rename({"__line": line_column}) if line_column else typed.drop("__line")


def where_of(url: str) -> str:
    """How messages name a curated body: its file path when read from a file: URI, else as given."""
    return unquote(urlsplit(url).path) if url.startswith("file:") else url


def _record_lines(text: str, where: str) -> tuple[int, list[int]]:
    """(the header's line, the line on which each data row starts) as polars reads the rows:
    comment lines (`#` first) skipped, a quoted field may run over several lines, a blank line
    after the header is a row (of empty fields, dropped later)."""
    pieces = text.split("\n")
    if text.endswith("\n"):
        pieces.pop()
    header, starts, quoted = None, [], False
    for number, line in enumerate(pieces, start=1):
        if not quoted and not line.startswith("#"):
            if header is not None:
                starts.append(number)
            elif line.strip():
                header = number
        if line.count('"') % 2:
            quoted = not quoted
    if header is None:
        raise CuratedError(f"{where}: no header line")
    return header, starts


def _typed(column: str, dtype: pl.DataType) -> pl.Expr:
    text = pl.col(column)
    if dtype == pl.Boolean:
        low = text.str.to_lowercase()
        return pl.when(low.is_in(_TRUE)).then(True).when(low.is_in(_FALSE)).then(False).alias(column)
    if dtype == pl.Date:
        iso = text.str.contains(r"^\d{4}-\d{2}-\d{2}$")
        return pl.when(iso).then(text.str.to_date("%Y-%m-%d", strict=False)).alias(column)
    if dtype == pl.Float64:
        number = text.cast(pl.Float64, strict=False)
        return pl.when(number.is_finite()).then(number).alias(column)
    if dtype == pl.Int64:
        return text.cast(pl.Int64, strict=False).alias(column)
    return text.alias(column)


def _type_errors(text: pl.DataFrame, typed: pl.DataFrame, columns: dict) -> list[tuple[int, str, str]]:
    out = []
    for column, dtype in columns.items():
        if dtype not in _TYPE_WORDS:
            continue
        bad = text.select("__line", column).filter(pl.col(column).is_not_null() & typed[column].is_null())
        out += [(line, column, f"column '{column}' must be {_TYPE_WORDS[dtype]}, not {value!r}")
                for line, value in bad.iter_rows()]
    return out


def _rule_errors(model: type[pa.DataFrameModel], frame: pl.DataFrame, lines: pl.Series) -> list[tuple[int, str, str]]:
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return []
    schema = model.to_schema()
    out = []
    for case in cases.iter_rows(named=True):
        column, index = case["column"], case["index"]
        line = int(lines[index]) if index is not None else 0
        out.append((line, column, _rule(schema, case)))
    return out


def _rule(schema: pa.DataFrameSchema, case: dict) -> str:
    """A failure case in words: "column 'citation' is required", "kind must be one of (…), not 'svn'"."""
    column, value = case["column"], case["failure_case"]
    if case["check"] == "not_nullable":
        return f"column '{column}' is required"
    check = schema.columns[column].checks[case["check_number"]] if column in schema.columns and \
        case["check_number"] is not None else None
    stats = (check.statistics or {}) if check is not None else {}
    if check is not None and check.name == "isin":
        return f"{column} must be one of {tuple(stats['allowed_values'])}, not {value!r}"
    if check is not None and check.name == "greater_than" and stats.get("min_value") == 0:
        return f"{column} must be positive, not {value}"
    if check is not None and check.name == "greater_than_or_equal_to":
        return f"{column} must be at least {stats.get('min_value')}, not {value}"
    if check is not None and check.name == "str_length":
        return f"column '{column}' is required"
    return f"column '{column}' fails {case['check']}: {value!r}"
