"""The GPU registry and the map from each source's GPU names to canonical GPUs.

`pipeline/curated/gpus.csv`: one row per canonical GPU (T4, A10G, H100-SXM…) with the memory of
one GPU and a citation. `pipeline/curated/gpu_names.csv`: a source's own name -> canonical GPU,
exact, cited; `provider` `*` means any provider of that source. A name is looked up as the
instance type first (Azure names only the SKU; Lambda's `H100` is PCIe on one instance type and
SXM on another), then as the source's GPU name; a name that already is a canonical GPU maps to
itself. Nothing is guessed: a name found nowhere stays unmapped, and its rows are held back.
The map also carries the GPU count where the source does not state it (Azure SKUs).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline.core.curated import CuratedError, columns_of, read_curated
from schemas.curated import CuratedGpu, CuratedGpuName

GPUS_FILE = "gpus.csv"
NAMES_FILE = "gpu_names.csv"
ANY_PROVIDER = "*"
GPUS_SCHEMA = columns_of(CuratedGpu)
NAMES_SCHEMA = columns_of(CuratedGpuName)
RESOLVED = {"gpu": pl.String, "resolved_gpu_count": pl.Float64, "resolved_gpu_memory_gb": pl.Float64,
            "usd_per_gpu_hour": pl.Float64, "gpu_rule": pl.String}


def load_gpus(curated_dir: Path) -> pl.DataFrame:
    path = Path(curated_dir) / GPUS_FILE
    gpus = read_curated(path, CuratedGpu)
    dupes = gpus.filter(pl.col("gpu").is_duplicated())["gpu"].unique().to_list()
    if dupes:
        raise CuratedError(f"{path}: GPUs listed twice: {dupes}")
    return gpus


def load_names(curated_dir: Path, gpus: pl.DataFrame | None = None) -> pl.DataFrame:
    path = Path(curated_dir) / NAMES_FILE
    names = read_curated(path, CuratedGpuName)
    dupes = names.filter(pl.struct("source", "provider", "source_name").is_duplicated())
    if dupes.height:
        raise CuratedError(f"{path}: names mapped twice: "
                           f"{dupes.select('source', 'provider', 'source_name').unique().rows()}")
    gpus = load_gpus(curated_dir) if gpus is None else gpus
    unknown = names.filter(~pl.col("gpu").is_in(gpus["gpu"].implode()))
    if unknown.height:
        raise CuratedError(f"{path}: names mapped to GPUs missing from {GPUS_FILE}: "
                           f"{unknown.select('source_name', 'gpu').rows()}")
    return names


@dataclass(frozen=True)
class GpuMap:
    """The registry and the name map, ready for lookups."""

    gpus: pl.DataFrame
    names: pl.DataFrame

    @classmethod
    def load(cls, curated_dir: Path) -> GpuMap:
        gpus = load_gpus(curated_dir)
        return cls(gpus, load_names(curated_dir, gpus))

    def frame(self) -> pl.DataFrame:
        """Both tables in one frame (the family's guard context): name rows, then GPU rows."""
        registry = self.gpus.select(pl.lit(None, pl.String).alias("source"), pl.lit(None, pl.String).alias("provider"),
                                    pl.lit(None, pl.String).alias("source_name"), "gpu",
                                    pl.lit(None, pl.Float64).alias("gpu_count"), "memory_gb", "citation")
        mapped = self.names.select("source", "provider", "source_name", "gpu", "gpu_count",
                                   pl.lit(None, pl.Float64).alias("memory_gb"), "citation")
        return pl.concat([mapped, registry])

    @classmethod
    def from_frame(cls, frame: pl.DataFrame) -> GpuMap:
        is_gpu = pl.col("source_name").is_null()
        gpus = frame.filter(is_gpu).select("gpu", pl.lit(None, pl.String).alias("display_name"),
                                           pl.lit(None, pl.String).alias("vendor"), "memory_gb", "citation")
        return cls(gpus, frame.filter(~is_gpu).select(*NAMES_SCHEMA))


def resolve(rows: pl.DataFrame, source: str | pl.Series, gpu_map: GpuMap) -> pl.DataFrame:
    """`rows` with the canonical GPU, the GPU count and memory to use, and `usd_per_gpu_hour`.

    Unmapped rows get nulls and `gpu_rule` null. `source` is one source name, or a column of them.
    Lookups are joins (a catalog holds tens of thousands of offers), tried in the order the module
    docstring gives: the first that finds the name gives the GPU, its count and the rule.
    """
    sources = source if isinstance(source, pl.Series) else pl.repeat(source, rows.height, dtype=pl.String,
                                                                       eager=True)
    frame = rows.select("provider", "instance_type", "gpu_name", "gpu_count", "gpu_memory_gb",
                        "usd_per_hour").with_columns(sources.cast(pl.String).alias("__source"))
    names = gpu_map.names.unique(["source", "provider", "source_name"], keep="last", maintain_order=True)
    registry = gpu_map.gpus.unique("gpu", keep="last", maintain_order=True)
    tries = [_try(frame, names, column, by_provider)
             for column in ("instance_type", "gpu_name") for by_provider in (True, False)]
    tries.append(frame.join(registry.select(pl.col("gpu").alias("gpu_name"), pl.col("gpu").alias("__gpu")),
                            on="gpu_name", how="left", maintain_order="left").select(
        "__gpu", pl.lit(None, pl.Float64).alias("__count"),
        pl.when(pl.col("__gpu").is_not_null()).then(pl.lit("canonical")).alias("__rule")))
    wide = pl.concat([frame, *(t.rename(lambda c, i=i: f"{c}{i}") for i, t in enumerate(tries))], how="horizontal")
    pick = pl.coalesce([pl.when(pl.col(f"__rule{i}").is_not_null()).then(pl.lit(i)) for i in range(len(tries))])

    def picked(column: str) -> pl.Expr:
        out = pl.lit(None)
        for i in reversed(range(len(tries))):
            out = pl.when(pick == i).then(pl.col(f"{column}{i}")).otherwise(out)
        return out

    gpu = picked("__gpu")
    count = pl.when(gpu.is_not_null()).then(pl.coalesce("gpu_count", picked("__count")))
    added = wide.with_columns(gpu.alias("gpu"), count.alias("resolved_gpu_count")).join(
        registry.select("gpu", pl.col("memory_gb").alias("__memory")), on="gpu", how="left", maintain_order="left")
    memory = pl.col("__memory")
    n = pl.col("resolved_gpu_count")
    added = added.select(
        "gpu", n, pl.when(pl.col("gpu").is_not_null()).then(
            pl.when(memory.is_not_null() & (memory != 0)).then(memory).otherwise("gpu_memory_gb"))
        .alias("resolved_gpu_memory_gb"),
        pl.when(n.is_not_null() & (n != 0)).then(pl.col("usd_per_hour") / n).alias("usd_per_gpu_hour"),
        picked("__rule").alias("gpu_rule")).cast(RESOLVED)
    return pl.concat([rows.drop([c for c in RESOLVED if c in rows.columns]), added], how="horizontal")


def _try(frame: pl.DataFrame, names: pl.DataFrame, column: str, by_provider: bool) -> pl.DataFrame:
    """The name map looked up by `column` (instance_type or gpu_name), for the row's provider or `*`."""
    names = names if by_provider else names.filter(pl.col("provider") == ANY_PROVIDER)
    on = ["__source", *(["provider"] if by_provider else []), column]
    right = names.select(pl.col("source").alias("__source"), *(["provider"] if by_provider else []),
                         pl.col("source_name").alias(column), pl.col("gpu").alias("__gpu"),
                         pl.col("gpu_count").alias("__count"), pl.lit(f"curated:{column}").alias("__rule"))
    return frame.join(right, on=on, how="left", maintain_order="left").select("__gpu", "__count", "__rule")
