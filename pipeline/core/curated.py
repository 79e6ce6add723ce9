"""Curated CSV files: facts published only in prose, sales quotes or contracts.

Every row carries a citation (and, for observations, an `observed_on` date). A file that breaks
a rule is refused as a whole, with the file, the line and the rule in the message.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import polars as pl


class CuratedError(ValueError):
    pass


def read_curated(path: Path, schema: dict[str, pl.DataType], required: tuple[str, ...] = ("citation",),
                 optional_file: bool = True) -> pl.DataFrame:
    """Read a curated CSV with `schema` (column -> dtype). Columns not in the schema are refused."""
    path = Path(path)
    if not path.exists():
        if optional_file:
            return pl.DataFrame(schema=schema)
        raise CuratedError(f"{path}: curated file is missing")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(row for row in fh if row.strip() and not row.lstrip().startswith("#"))
        header = reader.fieldnames or []
        unknown = [c for c in header if c not in schema]
        missing = [c for c in schema if c not in header]
        if unknown or missing:
            raise CuratedError(f"{path}: header must be {','.join(schema)}; "
                               f"unknown columns {unknown}, missing columns {missing}")
        rows = []
        for line_no, raw in enumerate(reader, start=2):
            rows.append(_convert(path, line_no, raw, schema, required))
    return pl.DataFrame(rows, schema=schema, orient="row")


def _convert(path: Path, line: int, raw: dict, schema: dict, required: tuple[str, ...]) -> dict:
    out = {}
    for col, dtype in schema.items():
        text = (raw.get(col) or "").strip()
        if not text:
            if col in required:
                raise CuratedError(f"{path}:{line}: column '{col}' is required")
            out[col] = None
            continue
        try:
            out[col] = _cast(text, dtype)
        except ValueError as exc:
            raise CuratedError(f"{path}:{line}: column '{col}': {exc}") from None
    return out


def _cast(text: str, dtype: pl.DataType):
    if dtype == pl.Boolean:
        low = text.lower()
        if low in ("true", "yes", "1"):
            return True
        if low in ("false", "no", "0"):
            return False
        raise ValueError(f"expected true/false, got {text!r}")
    if dtype == pl.Float64:
        return float(text)
    if dtype == pl.Int64:
        return int(text)
    if dtype == pl.Date:
        return date.fromisoformat(text)
    return text
