"""LMArena (formerly Chatbot Arena): crowd-sourced pairwise votes turned into Elo-style ratings.

Sources: lmarena/arena-catalog on GitHub publishes the text leaderboard as JSON, without style
control (`leaderboard-text.json`) and with it (`leaderboard-text-style-control.json`, the
view lmarena.ai shows by default): `{category: {model: {rating, rating_q025, rating_q975}}}`.
Updated irregularly, a few times a month. No key.

Quirks:
- Ratings are re-anchored between versions: every rating can move by tens of points while no
  model changed. Each row therefore carries its version's anchor (rows.py), and the 0–100
  score is the expected win rate against that anchor, which re-anchoring does not move.
- `rating_q025`/`rating_q975` are the bootstrap 2.5% and 97.5% quantiles: the 95% interval.
- The same model is often listed in several configurations (`…-thinking-32k`); each is kept
  under its own name and mapped through the curated aliases.
- Only the categories in CATEGORIES are kept; the others (languages, industries) are excluded
  with a reason, one entry per category.
- The arena's own pickle files (elo_results_YYYYMMDD.pkl) are never loaded: unpickling runs
  code. A third-party wide history CSV derived from them (nakasyou/lmarena-history:
  one row per day `yyyymmdd`, one column per model, 0.0 for "not on the board") is read as the
  board of its last day, ratings without intervals, for `ledger ingest lmarena FILE`.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from urllib.parse import urlsplit

from pipeline.benchmarks.rows import BadValue, elo_anchor, number, parsed, scored_row
from pipeline.core.sources import Parsed, Rejects, Source, SourceFormatError, recorded_dir_for, utf8_text

BASE = "https://raw.githubusercontent.com/lmarena/arena-catalog/main/data/"
URL = BASE + "leaderboard-text.json"
STYLE_CONTROL_URL = BASE + "leaderboard-text-style-control.json"
PARSER_VERSION = "lmarena/1"
# Overall, coding, hard prompts, math, instruction following, creative writing, multi-turn.
CATEGORIES = ("full", "coding", "hard_6", "math", "if", "creative_writing", "multiturn")


def view_of(url: str) -> str:
    """'style_control' for the style-controlled file (by its name), else 'raw'."""
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    return "style_control" if "style-control" in name or "style_control" in name else "raw"


def parse(body: bytes, observed_at: datetime, url: str = URL) -> Parsed:
    text = utf8_text(body)
    if text.lstrip().startswith("{"):
        return _parse_catalog(text, view_of(url))
    if text.startswith(","):
        return parse_wide_history(text)
    raise SourceFormatError("expected the arena-catalog JSON ({category: {model: {rating…}}}) "
                            "or a wide history CSV")


def _parse_catalog(text: str, view: str) -> Parsed:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceFormatError(f"not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("full"), dict):
        raise SourceFormatError("expected a JSON object of categories with a 'full' category")
    rows, rejects, entries = [], Rejects(), 0
    for category, board in doc.items():
        if category not in CATEGORIES:
            rejects.exclude(f"category {category}", "category not tracked (see CATEGORIES)", "category", category)
            entries += 1
            continue
        if not isinstance(board, dict):
            rejects.reject(f"category {category}", "category is not an object of models", "category", category)
            entries += 1
            continue
        entries += len(board)
        ratings = {}
        for model, entry in board.items():
            try:
                ratings[model] = (number((entry or {}).get("rating")), number(entry.get("rating_q025")),
                                  number(entry.get("rating_q975")))
            except (BadValue, AttributeError) as exc:
                rejects.reject(model, f"{category}: rating or interval {exc}", "rating", entry)
        if not ratings:
            continue
        anchor = elo_anchor({m: r[0] for m, r in ratings.items()})
        for model, (rating, low, high) in ratings.items():
            if not low <= rating <= high:
                rejects.reject(model, f"{category}: rating {rating} outside its interval [{low}, {high}]",
                               "rating", rating)
                continue
            rows.append(scored_row(model, f"{view}/{category}", rating, "elo", ci=(low, high), anchor=anchor))
    return parsed(rows, rejects, entries)


def parse_wide_history(text: str) -> Parsed:
    """The last day of a wide history CSV: ratings only; 0.0 means 'not on the board'."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or header[0] != "" or len(header) < 2:
        raise SourceFormatError("a wide history CSV starts with an empty cell, then one column per model")
    last = None
    for line_no, record in enumerate(reader, start=2):
        if record:
            last = (line_no, record)
    if last is None:
        raise SourceFormatError("the wide history CSV has no day rows")
    line_no, record = last
    try:
        day = datetime.strptime(record[0].strip(), "%Y%m%d")
    except ValueError:
        raise SourceFormatError(f"line {line_no}: first cell {record[0]!r} is not a yyyymmdd date") from None
    rows, rejects = [], Rejects()
    ratings = {}
    for model, cell in zip(header[1:], record[1:]):
        try:
            value = number(cell)
        except BadValue as exc:
            rejects.reject(model, f"line {line_no}: {exc}", "rating", cell)
            continue
        if value == 0.0:
            rejects.exclude(model, f"not on the board on {day:%Y-%m-%d} (0.0 in the history file)", "rating", cell)
        else:
            ratings[model] = value
    if ratings:
        anchor = elo_anchor(ratings)
        rows = [scored_row(m, "raw/full", r, "elo", anchor=anchor, evaluated_at=day) for m, r in ratings.items()]
    return parsed(rows, rejects, len(header) - 1)


SOURCE = Source(
    name="lmarena",
    family="benchmarks",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=(URL, STYLE_CONTROL_URL),
    recorded_dir=recorded_dir_for(__file__, "lmarena"),
    description="LMArena text leaderboard: Elo ratings with 95% intervals, per category, with and "
                "without style control",
)
