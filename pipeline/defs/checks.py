"""Shared shapes of the refresh's asset checks: a schema check that blocks, a warning with samples."""

import dagster as dg
import polars as pl

from pipeline.core.validate import schema_failures


def sample(frame: pl.DataFrame, n: int = 10) -> dg.MetadataValue:
    """The first rows of a frame as check metadata (every value as text)."""
    return dg.MetadataValue.json(frame.head(n).with_columns(pl.all().cast(pl.String)).to_dicts())


def spec(name: str, asset: str, description: str, blocking: bool = True) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(name, asset=asset, blocking=blocking, description=description)


def schema_result(asset: str, name: str, schema: type, rows: pl.DataFrame) -> dg.AssetCheckResult:
    """Blocking: every row of `rows` passes `schema` (pandera, lazy: all failures listed)."""
    failures = schema_failures(schema, rows)
    return dg.AssetCheckResult(asset_key=asset, check_name=name, passed=failures.height == 0,
                               description=f"{failures.height} failure(s) of the {schema.__name__} schema"
                               if failures.height else None, metadata={"first_failures": sample(failures)})


def warn_result(asset: str, name: str, bad: pl.DataFrame, description: str) -> dg.AssetCheckResult:
    """A warning: passes when `bad` is empty; its first rows go into the metadata."""
    return dg.AssetCheckResult(asset_key=asset, check_name=name, passed=bad.height == 0,
                               severity=dg.AssetCheckSeverity.WARN, description=description,
                               metadata={"count": bad.height, "first": sample(bad)})


def per_quarter(counts: dict[str, int]) -> dg.MetadataValue:
    return dg.MetadataValue.json(counts)
