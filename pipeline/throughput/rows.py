"""What every throughput parser shares: the row shape, number parsing, precision words, and the
cited name maps (model -> parameters, accelerator -> canonical GPU) kept next to this module.

The maps are applied in the parsers, so a row either carries a model size, a precision and a
canonical GPU or is excluded saying which map lacks the name. `MAPS_DIGEST` goes into every
parser version of the family: editing a map re-parses the archived bodies on the next refresh.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline.core.sources import Parsed, Rejects

HERE = Path(__file__).resolve().parent
MAP_FILES = ("models.csv", "gpu_names.csv")
MAPS_DIGEST = hashlib.sha256(b"".join((HERE / f).read_bytes() for f in MAP_FILES)).hexdigest()[:10]

ROW_SCHEMA = {
    "model_name": pl.String, "model_size_b": pl.Float64, "active_params_b": pl.Float64,
    "canonical_model": pl.String, "precision": pl.String, "gpu_name": pl.String, "gpu": pl.String,
    "gpu_count": pl.Int64, "parallelism": pl.String, "input_tokens": pl.Int64, "output_tokens": pl.Int64,
    "concurrency": pl.Int64, "batch_size": pl.Int64, "scenario": pl.String,
    "output_tokens_per_s_per_gpu": pl.Float64, "total_tokens_per_s_per_gpu": pl.Float64,
    "measured_on": pl.Date, "framework": pl.String, "benchmark": pl.String, "variant": pl.String,
    "result_id": pl.String, "detail": pl.String,
}
# The words sources use for weight precision -> one vocabulary (schemas/throughput.py PRECISIONS).
PRECISION_WORDS = {"fp32": "fp32", "fp16": "fp16", "bf16": "bf16", "fp8": "fp8", "fp4": "fp4", "nvfp4": "fp4",
                   "mxfp4": "mxfp4", "int8": "int8", "int4": "int4", "uint4": "int4"}
_MLPERF_TARGET = re.compile(r"-99(?:\.9)?$")


class BadValue(ValueError):
    """A field that is not usable (missing, not a number, not finite, not positive)."""


def number(value: object) -> float:
    """'27,304' -> 27304.0; a JSON number as is. Refuses empty, NaN, infinite and non-positive values."""
    if value is None or isinstance(value, bool):
        raise BadValue("missing")
    text = str(value).strip().replace(",", "")
    if not text:
        raise BadValue("empty")
    try:
        out = float(text)
    except ValueError:
        raise BadValue(f"not a number: {str(value)[:40]!r}") from None
    if not math.isfinite(out) or out <= 0:
        raise BadValue(f"not a positive finite number: {value!r}")
    return out


def whole(value: object) -> int:
    """A count ('8', 8, 8.0) as an int; refuses fractions."""
    out = number(value)
    if out != int(out):
        raise BadValue(f"not a whole number: {value!r}")
    return int(out)


def precision(word: object) -> str | None:
    """The precision vocabulary word for a source's word, or None when unknown ('UNSET', '')."""
    return PRECISION_WORDS.get(str(word or "").strip().lower())


def name_key(name: str) -> str:
    """How model names are compared: lower case, '-', '_' and spaces folded, MLPerf's -99/-99.9 dropped."""
    text = _MLPERF_TARGET.sub("", name.strip().lower())
    return " ".join(re.sub(r"[-_\s]+", " ", text).split())


@dataclass(frozen=True)
class ModelInfo:
    model_size_b: float
    active_params_b: float | None
    canonical_model: str | None


def _csv(name: str) -> list[dict]:
    text = (HERE / name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


@functools.cache
def model_map() -> dict[str, ModelInfo]:
    return {name_key(r["name"]): ModelInfo(float(r["model_size_b"]),
                                           float(r["active_params_b"]) if r["active_params_b"] else None,
                                           r["canonical_model"] or None) for r in _csv("models.csv")}


@functools.cache
def gpu_map() -> dict[tuple[str, str], str]:
    return {(r["source"], r["source_name"].strip()): r["gpu"] for r in _csv("gpu_names.csv")}


def model_info(name: str) -> ModelInfo | None:
    return model_map().get(name_key(name))


def canonical_gpu(source: str, name: str) -> str | None:
    names = gpu_map()
    return names.get((source, name.strip())) or names.get(("*", name.strip()))


def parser_version(source: str, layout_version: int) -> str:
    return f"{source}/{layout_version}+maps-{MAPS_DIGEST}"


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=ROW_SCHEMA)


def parse_records(records: list[dict], entry: Callable[[dict, Rejects, list[dict]], None]) -> Parsed:
    """A JSON results file's parse: each record adds its rows or its reasons through `entry`."""
    rejects, rows = Rejects(), []
    for rec in records:
        entry(rec, rejects, rows)
    return Parsed(frame(rows), rejects.frame(), entries=len(records))


def row(model_name: str, info: ModelInfo, precision_word: str, gpu_name: str, gpu: str, gpu_count: int,
        parallelism: str, scenario: str, output_per_gpu: float, **extra) -> dict:
    out = {c: None for c in ROW_SCHEMA}
    out.update(model_name=model_name, model_size_b=info.model_size_b, active_params_b=info.active_params_b,
               canonical_model=info.canonical_model, precision=precision_word, gpu_name=gpu_name, gpu=gpu,
               gpu_count=gpu_count, parallelism=parallelism, scenario=scenario,
               output_tokens_per_s_per_gpu=output_per_gpu, **extra)
    return out


def resolve(source: str, rejects, key: str, model_name: str, precision_word: object,
            gpu_name: str) -> tuple[ModelInfo, str, str] | None:
    """The model's parameters, the precision word and the canonical GPU; or None after recording
    why the entry is left out (a name the maps lack, a precision not stated)."""
    info, word, gpu = model_info(model_name), precision(precision_word), canonical_gpu(source, gpu_name)
    if info is None:
        rejects.exclude(key, f"model {model_name!r} is not in pipeline/throughput/models.csv: its size is unknown",
                        "model", model_name)
    elif word is None:
        rejects.exclude(key, f"weight precision not stated or unknown ({precision_word!r})", "precision",
                        precision_word)
    elif gpu is None:
        rejects.exclude(key, f"accelerator {gpu_name!r} is not in pipeline/throughput/gpu_names.csv", "gpu",
                        gpu_name)
    else:
        return info, word, gpu
    return None
