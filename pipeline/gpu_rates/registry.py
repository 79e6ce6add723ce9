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

from pipeline.core.curated import CuratedError, read_curated

GPUS_FILE = "gpus.csv"
NAMES_FILE = "gpu_names.csv"
ANY_PROVIDER = "*"
GPUS_SCHEMA = {"gpu": pl.String, "display_name": pl.String, "vendor": pl.String,
               "memory_gb": pl.Float64, "citation": pl.String}
NAMES_SCHEMA = {"source": pl.String, "provider": pl.String, "source_name": pl.String,
                "gpu": pl.String, "gpu_count": pl.Float64, "citation": pl.String}
RESOLVED = {"gpu": pl.String, "resolved_gpu_count": pl.Float64, "resolved_gpu_memory_gb": pl.Float64,
            "usd_per_gpu_hour": pl.Float64, "gpu_rule": pl.String}


def load_gpus(curated_dir: Path) -> pl.DataFrame:
    path = Path(curated_dir) / GPUS_FILE
    gpus = read_curated(path, GPUS_SCHEMA, required=("gpu", "vendor", "memory_gb", "citation"))
    dupes = gpus.filter(pl.col("gpu").is_duplicated())["gpu"].unique().to_list()
    if dupes:
        raise CuratedError(f"{path}: GPUs listed twice: {dupes}")
    bad = gpus.filter(pl.col("memory_gb") <= 0)["gpu"].to_list()
    if bad:
        raise CuratedError(f"{path}: memory_gb must be positive for {bad}")
    return gpus


def load_names(curated_dir: Path, gpus: pl.DataFrame | None = None) -> pl.DataFrame:
    path = Path(curated_dir) / NAMES_FILE
    names = read_curated(path, NAMES_SCHEMA, required=("source", "provider", "source_name", "gpu", "citation"))
    dupes = names.filter(pl.struct("source", "provider", "source_name").is_duplicated())
    if dupes.height:
        raise CuratedError(f"{path}: names mapped twice: "
                           f"{dupes.select('source', 'provider', 'source_name').unique().rows()}")
    gpus = load_gpus(curated_dir) if gpus is None else gpus
    unknown = names.filter(~pl.col("gpu").is_in(gpus["gpu"].implode()))
    if unknown.height:
        raise CuratedError(f"{path}: names mapped to GPUs missing from {GPUS_FILE}: "
                           f"{unknown.select('source_name', 'gpu').rows()}")
    if names.filter(pl.col("gpu_count") <= 0).height:
        raise CuratedError(f"{path}: gpu_count must be positive")
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
    """
    memory = dict(gpu_map.gpus.select("gpu", "memory_gb").iter_rows())
    lookup = {(s, p, n): (g, c) for s, p, n, g, c in
              gpu_map.names.select("source", "provider", "source_name", "gpu", "gpu_count").iter_rows()}
    sources = source.to_list() if isinstance(source, pl.Series) else [source] * rows.height
    out = []
    for src, rec in zip(sources, rows.select("provider", "instance_type", "gpu_name", "gpu_count",
                                             "gpu_memory_gb", "usd_per_hour").iter_rows()):
        provider, instance_type, gpu_name, count, mem, usd = rec
        hit, rule = None, None
        for name, kind in ((instance_type, "instance_type"), (gpu_name, "gpu_name")):
            for prov in (provider, ANY_PROVIDER):
                if (src, prov, name) in lookup:
                    hit, rule = lookup[(src, prov, name)], f"curated:{kind}"
                    break
            if hit:
                break
        if hit is None and gpu_name in memory:
            hit, rule = (gpu_name, None), "canonical"
        if hit is None:
            out.append((None, None, None, None, None))
            continue
        gpu, mapped_count = hit
        n = count if count is not None else mapped_count
        mem_gb = memory.get(gpu) or mem
        per_gpu = usd / n if n and usd is not None else None
        out.append((gpu, n, mem_gb, per_gpu, rule))
    added = pl.DataFrame(out, schema=RESOLVED, orient="row")
    return pl.concat([rows.drop([c for c in RESOLVED if c in rows.columns]), added], how="horizontal")
