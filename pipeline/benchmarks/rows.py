"""What every benchmark parser builds: one row per (model, benchmark) with the score in its
source's unit and on the common 0–100 scale. Unit conversions live here and nowhere else.

- fraction (0–1): score = 100 × fraction.
- percent (0–100): score = percent.
- points (0–scale_max, e.g. MT-Bench's 0–10): score = 100 × points / scale_max.
- elo: score = 100 × the expected win rate against the version's anchor (the Bradley–Terry /
  Elo formula, 400-point scale): 100 / (1 + 10^((anchor − rating) / 400)). Ratings are
  re-anchored between leaderboard versions; the anchor moves with them, so this score does not
  (docs/benchmarks.md). The anchor is the median rating of REFERENCE_MODELS in the same
  version and category.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable
from datetime import datetime

import polars as pl

from pipeline.core.sources import Parsed, Rejects

# Long-retired models that stay listed on LMArena: their true strength no longer changes, so
# a shift in their ratings between versions is re-anchoring, not improvement. Chosen among the
# models present in every leaderboard version from 2025-05 to 2026-08 (see docs/benchmarks.md).
REFERENCE_MODELS = (
    "gpt-4o-2024-05-13", "gpt-4o-mini-2024-07-18", "claude-3-5-sonnet-20241022",
    "llama-3.1-405b-instruct-bf16", "llama-3.1-70b-instruct", "qwen2.5-72b-instruct",
    "gemma-2-27b-it", "mistral-large-2407", "gemini-1.5-pro-002",
)
# Below this many reference models in a category, the anchor is the median of the whole board.
MIN_REFERENCE_MODELS = 3
ELO_SCALE = 400.0
# Plausible bounds of each unit; a value outside is a unit or layout mistake (guards.py).
RAW_BOUNDS = {"fraction": (0.0, 1.0), "percent": (0.0, 100.0), "elo": (100.0, 4000.0), "points": (0.0, math.inf)}

ROW_SCHEMA = {
    "source_model_id": pl.String, "source_benchmark": pl.String, "raw_score": pl.Float64,
    "raw_unit": pl.String, "raw_ci_low": pl.Float64, "raw_ci_high": pl.Float64,
    "score": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64, "anchor_raw": pl.Float64,
    "anchor_basis": pl.String, "anchor_models": pl.Int64, "source_normalised": pl.Float64,
    "evaluated_at": pl.Datetime("us"), "display_name": pl.String,
}

_PERCENT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*%\s*$")


class BadValue(ValueError):
    pass


def number(value: object) -> float:
    """A finite float from a number or numeric text; BadValue otherwise."""
    if value is None or isinstance(value, bool):
        raise BadValue("missing")
    try:
        out = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise BadValue(f"not a number: {value!r}") from None
    if not math.isfinite(out):
        raise BadValue(f"not a finite number: {value!r}")
    return out


def percent_text(value: object) -> float:
    """'77.0%' -> 77.0. A bare number is refused: the unit must be stated."""
    m = _PERCENT.match(str(value or ""))
    if not m:
        raise BadValue(f"not a percentage like '77.0%': {value!r}")
    return float(m.group(1))


def elo_to_score(rating: float, anchor: float) -> float:
    return 100.0 / (1.0 + 10.0 ** ((anchor - rating) / ELO_SCALE))


def elo_anchor(ratings: dict[str, float]) -> tuple[float, str, int]:
    """(anchor, basis, n): the median rating of the reference models, or of the whole board."""
    ref = [ratings[m] for m in REFERENCE_MODELS if m in ratings]
    if len(ref) >= MIN_REFERENCE_MODELS:
        return statistics.median(ref), "reference_models", len(ref)
    values = list(ratings.values())
    return statistics.median(values), "board_median", len(values)


def scored_row(model: str, benchmark: str, raw: float, unit: str, *, ci: tuple[float, float] | None = None,
               anchor: tuple[float, str, int] | None = None, source_normalised: float | None = None,
               evaluated_at: datetime | None = None, display_name: str | None = None,
               scale_max: float | None = None) -> dict:
    """One row, converted to the 0–100 scale from its unit."""
    if unit == "points":
        if not scale_max or scale_max <= 0:
            raise ValueError("a score in points needs a positive scale_max")
        convert = lambda v: 100.0 * v / scale_max  # noqa: E731
    elif unit == "fraction":
        convert = lambda v: 100.0 * v  # noqa: E731
    elif unit == "percent":
        convert = lambda v: v  # noqa: E731
    elif unit == "elo":
        if anchor is None:
            raise ValueError("an Elo rating needs its version's anchor")
        convert = lambda v: elo_to_score(v, anchor[0])  # noqa: E731
    else:
        raise ValueError(f"unknown unit {unit!r}")
    low, high = ci if ci else (None, None)
    return {"source_model_id": model, "source_benchmark": benchmark, "raw_score": raw, "raw_unit": unit,
            "raw_ci_low": low, "raw_ci_high": high, "score": convert(raw),
            "ci_low": convert(low) if low is not None else None,
            "ci_high": convert(high) if high is not None else None,
            "anchor_raw": anchor[0] if anchor else None, "anchor_basis": anchor[1] if anchor else None,
            "anchor_models": anchor[2] if anchor else None, "source_normalised": source_normalised,
            "evaluated_at": evaluated_at, "display_name": display_name}


def frame(rows: Iterable[dict]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=ROW_SCHEMA)


def keep_best(rows: list[dict], rejects: Rejects, why: str) -> list[dict]:
    """One row per (model, benchmark): the best score; the others excluded with the reason.

    Sources list some models several times (another edit format, another precision, a re-run);
    the best configuration is the one a deployment would choose.
    """
    best: dict[tuple[str, str], dict] = {}
    for row in rows:
        key = (row["source_model_id"], row["source_benchmark"])
        kept = best.get(key)
        if kept is None or row["score"] > kept["score"]:
            if kept is not None:
                rejects.exclude(key[0], f"{why}; kept {row['score']:.4g} over {kept['score']:.4g}",
                                "source_benchmark", key[1])
            best[key] = row
        else:
            rejects.exclude(key[0], f"{why}; kept {kept['score']:.4g} over {row['score']:.4g}",
                            "source_benchmark", key[1])
    return list(best.values())


def parsed(rows: list[dict], rejects: Rejects, entries: int) -> Parsed:
    return Parsed(frame(rows), rejects.frame(), entries=entries)
