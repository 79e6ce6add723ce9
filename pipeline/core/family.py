"""A source family: the observation table its sources feed, its schema and its row guards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl


@dataclass(frozen=True)
class GuardContext:
    source: str
    # The latest earlier observation of each key from the same source (family columns).
    previous: pl.DataFrame
    # Curated rows that confirm otherwise suspicious values (family-specific columns), if any.
    confirmations: pl.DataFrame | None = None
    # When the response being validated was observed (rows that date themselves carry their own).
    observed_at: datetime | None = None
    # Release dates of the models a source names: (source, source_model_id, release_date, basis).
    releases: pl.DataFrame | None = None


@dataclass(frozen=True)
class Guard:
    """A row-level rule. `find` returns the violating rows as (row index `__row`, `detail`)."""

    rule: str
    find: Callable[[pl.DataFrame, GuardContext], pl.DataFrame]
    description: str = ""


@dataclass(frozen=True)
class Family:
    name: str
    observation_table: str
    # The natural key of an observation within one source (source/fetch/observed_at excluded).
    key_columns: tuple[str, ...]
    # pandera DataFrameModel for the rows a parser returns (schemas/<family>.py).
    schema: type
    guards: tuple[Guard, ...] = ()
    # Curated confirmations for the guards, read from the curated directory.
    confirmations: Callable[[Path], pl.DataFrame | None] | None = None
    # Release dates of the models its sources name, from the registry (for observed_before_release).
    releases: Callable[[Path], pl.DataFrame] | None = None
    description: str = ""
    # Extra lines for `ledger status` (e.g. alias coverage), from a read-only connection to the
    # published warehouse.
    status_report: Callable[[object], str] | None = None
    # Run after the family's sources are ingested, on the staging connection with the curated
    # directory (e.g. release quarantined prices a curated row now confirms).
    after_ingest: Callable[[object, Path], int] | None = None
    extra: dict = field(default_factory=dict)
