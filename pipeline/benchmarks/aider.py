"""Aider's coding leaderboards: how often a model's edits make an exercise's tests pass.

Sources (YAML in the Aider-AI/aider repository, updated when a model is benchmarked, a few times
a month at most; no key):
- `polyglot_leaderboard.yml`: 225 Exercism exercises in six languages (benchmark since 2024-12);
- `edit_leaderboard.yml`: the older 133 Python exercises, frozen since 2024-12.

Quirks:
- A YAML list of runs; `pass_rate_2` is the percentage solved within two attempts (the figure
  the leaderboard ranks by), `date` the run's day, `model` free text that often names the
  configuration ("o3 (high)", "DeepSeek R1 + claude-3-5-sonnet-20241022"): mapped to canonical
  models through curated aliases only, never by guessing.
- The same model text can appear twice (another edit format); the best run is kept.
- `total_cost` is 0 when the run was free or its cost unknown; it is not a score and not read.
- Which board a body is comes from the URL's file name, else from the runs' `test_cases`
  (133 for the edit board, 225 for polyglot), for files ingested under another name.
"""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

import yaml

from pipeline.benchmarks.rows import BadValue, keep_best, number, parsed, scored_row
from pipeline.core.sources import Parsed, Rejects, Source, SourceFormatError, recorded_dir_for

BASE = "https://raw.githubusercontent.com/Aider-AI/aider/main/aider/website/_data/"
URL = BASE + "polyglot_leaderboard.yml"
EDIT_URL = BASE + "edit_leaderboard.yml"
PARSER_VERSION = "aider/1"
BOARDS = {"polyglot_leaderboard": "polyglot", "edit_leaderboard": "edit"}
EDIT_TEST_CASES = 133


def board_of(url: str, runs: list) -> str:
    name = urlsplit(url).path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    for stem, board in BOARDS.items():
        if stem in name:
            return board
    cases = [r.get("test_cases") for r in runs if isinstance(r, dict)]
    return "edit" if cases and max(set(cases), key=cases.count) == EDIT_TEST_CASES else "polyglot"


def parse(body: bytes, observed_at: datetime, url: str = URL) -> Parsed:
    try:
        # safe_load builds plain lists, dicts, strings, numbers and dates, nothing else.
        runs = yaml.safe_load(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SourceFormatError(f"not valid YAML: {exc}") from None
    if not isinstance(runs, list):
        raise SourceFormatError("expected a YAML list of benchmark runs")
    board = board_of(url, runs)
    rows, rejects = [], Rejects()
    for i, run in enumerate(runs):
        if not isinstance(run, dict) or not str(run.get("model") or "").strip():
            rejects.reject(f"[{i}]", "run without a 'model'")
            continue
        model = str(run["model"]).strip()
        try:
            rate = number(run.get("pass_rate_2"))
        except BadValue as exc:
            rejects.reject(model, f"[{i}] pass_rate_2 {exc}", "pass_rate_2", run.get("pass_rate_2"))
            continue
        rows.append(scored_row(model, board, rate, "percent", evaluated_at=_day(run.get("date"))))
    best = keep_best(rows, rejects, "another run of the same model text")
    return parsed(best, rejects, len(runs))


def _day(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return datetime.strptime(str(value or "")[:10], "%Y-%m-%d")
    except ValueError:
        return None


SOURCE = Source(
    name="aider",
    family="benchmarks",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=(URL, EDIT_URL),
    recorded_dir=recorded_dir_for(__file__, "aider"),
    description="Aider coding leaderboards: percent of exercises solved (polyglot, and the older edit board)",
)
