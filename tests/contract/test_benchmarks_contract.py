"""Every real public sample in ../shared/real-sources/benchmarks/, parsed by the benchmark parsers.

Each file is parsed once per module; the tests assert counts and named values. Epoch's CSVs
are samples of the members of its zip: they are zipped here as the live archive would be.
"""

from __future__ import annotations

import polars as pl
import pytest

from pipeline.benchmarks import aider, epoch, lmarena
from pipeline.benchmarks import open_llm_leaderboard as oll
from pipeline.benchmarks.moves import ELO_THRESHOLD
from tests.conftest import AS_OF, real_source

pytestmark = pytest.mark.contract
DIR = "benchmarks/"


def parse_file(name: str, parse, url: str):
    return parse(real_source(DIR + name).read_bytes(), AS_OF, url)


def epoch_member(name: str, member: str):
    body = epoch.build_archive({member: real_source(DIR + name).read_bytes()})
    return epoch.parse(body, AS_OF, epoch.URL)


def row(parsed, model, benchmark):
    rows = parsed.rows.filter((pl.col("source_model_id") == model) & (pl.col("source_benchmark") == benchmark))
    assert rows.height == 1, (model, benchmark)
    return rows.to_dicts()[0]


def kinds(parsed) -> dict[str, int]:
    return dict(parsed.rejects["kind"].value_counts().rows())


@pytest.fixture(scope="module")
def arena_may():
    return parse_file("lmarena_leaderboard-text_2025-05-27.json", lmarena.parse, lmarena.URL)


@pytest.fixture(scope="module")
def arena_dec():
    return parse_file("lmarena_leaderboard-text_2025-12-11.json", lmarena.parse, lmarena.URL)


def test_lmarena_2025_05_27(arena_may):
    # 20 categories: 7 tracked (236 models in 'full'), 13 excluded one entry each.
    assert arena_may.rows.filter(arena_may.rows["source_benchmark"] == "raw/full").height == 236
    assert (arena_may.rows.height, kinds(arena_may)) == (1652, {"excluded": 13})
    gpt4o = row(arena_may, "gpt-4o-2024-05-13", "raw/full")
    assert gpt4o["raw_score"] == pytest.approx(1281.4794632735259)
    assert (gpt4o["raw_ci_low"], gpt4o["raw_ci_high"]) == pytest.approx((1279.9209466318202, 1283.2903733288556))
    assert (gpt4o["anchor_raw"], gpt4o["anchor_models"]) == (pytest.approx(1265.4347698161719), 9)


def test_lmarena_2025_12_11(arena_dec):
    assert arena_dec.rows.filter(arena_dec.rows["source_benchmark"] == "raw/full").height == 282
    assert (arena_dec.rows.height, kinds(arena_dec)) == (1960, {"excluded": 22})
    top = row(arena_dec, "gemini-3-pro", "raw/full")
    assert top["raw_score"] == pytest.approx(1486.6027120272704)
    assert (top["raw_ci_low"], top["raw_ci_high"]) == pytest.approx((1480.4026895976556, 1492.8027344568852))
    assert row(arena_dec, "gpt-4o-2024-05-13", "raw/full")["raw_score"] == pytest.approx(1301.1368441320633)


def test_lmarena_re_anchoring_between_the_two_versions(arena_may, arena_dec):
    def full(parsed):
        rows = parsed.rows.filter(parsed.rows["source_benchmark"] == "raw/full")
        return {r["source_model_id"]: r for r in rows.to_dicts()}
    may, dec = full(arena_may), full(arena_dec)
    shift = dec["gpt-4o-2024-05-13"]["anchor_raw"] - may["gpt-4o-2024-05-13"]["anchor_raw"]
    assert shift == pytest.approx(19.0139, abs=1e-3)
    both = sorted(set(may) & set(dec))
    raw_moves = [dec[m]["raw_score"] - may[m]["raw_score"] for m in both]
    net_moves = [move - shift for move in raw_moves]
    # The whole board moved up by about the anchor shift; net of it, no model moved past the threshold.
    assert len(both) == 199 and sum(raw_moves) / len(both) > 15
    assert max(abs(m) for m in net_moves) < ELO_THRESHOLD


def test_lmarena_wide_history_from_nakasyou():
    parsed = parse_file("lmarena_elo_history_wide_nakasyou_2025-03-02.csv", lmarena.parse, "file:///result.csv")
    # 227 model columns; on the last day (2025-02-27) 18 are 0.0, i.e. not on the board.
    assert (parsed.entries, parsed.rows.height, kinds(parsed)) == (227, 209, {"excluded": 18})
    gpt4o = row(parsed, "gpt-4o-2024-05-13", "raw/full")
    assert gpt4o["raw_score"] == pytest.approx(1284.717838655607)
    assert gpt4o["raw_ci_low"] is None and gpt4o["evaluated_at"].date().isoformat() == "2025-02-27"


def test_epoch_runs():
    parsed = epoch_member("epoch_benchmarks_runs_2025-11-21.csv", "benchmarks_runs.csv")
    # 541 runs; two models were run twice on FrontierMath: the earlier runs are excluded.
    assert (parsed.entries, parsed.rows.height, kinds(parsed)) == (541, 539, {"excluded": 2})
    gpt51 = row(parsed, "gpt-5.1_medium", "GPQA diamond")
    assert (gpt51["raw_score"], gpt51["score"]) == (0.85, pytest.approx(85.0))
    assert gpt51["evaluated_at"].isoformat() == "2025-11-17T16:28:00"
    assert row(parsed, "gemini-2.5-pro", "FrontierMath-2025-02-28-Private")["raw_score"] == 0.121
    assert row(parsed, "grok-4-0709", "GPQA diamond")["evaluated_at"] is None


def test_epoch_external_mmlu_percent_strings():
    parsed = epoch_member("epoch_external_benchmark_mmlu.csv", "external_benchmark_mmlu.csv")
    assert (parsed.entries, parsed.rows.height, kinds(parsed)) == (246, 134, {"excluded": 112})
    nova = row(parsed, "amazon.nova-lite-v1:0", "external/mmlu")
    assert (nova["raw_score"], nova["raw_unit"], nova["display_name"]) == (77.0, "percent", "Amazon Nova Lite")
    assert row(parsed, "gpt-4o-2024-08-06", "external/mmlu")["score"] == 84.3


def test_epoch_external_gsm8k():
    parsed = epoch_member("epoch_external_benchmark_gsm8k.csv", "external_benchmark_gsm8k.csv")
    assert (parsed.entries, parsed.rows.height, kinds(parsed)) == (234, 92, {"excluded": 142})
    assert row(parsed, "bloom", "external/gsm8k")["raw_score"] == 9.5


def test_epoch_external_aider_polyglot():
    parsed = epoch_member("epoch_external_benchmark_aider_polyglot.csv", "external_benchmark_aider_polyglot.csv")
    assert (parsed.entries, parsed.rows.height, kinds(parsed)) == (68, 61, {"excluded": 7})
    assert row(parsed, "gpt-5-2025-08-07_high", "external/aider_polyglot")["raw_score"] == 88.0


def test_epoch_model_versions_hold_no_scores():
    parsed = epoch_member("epoch_model_versions.csv", "model_versions.csv")
    assert (parsed.rows.height, kinds(parsed)) == (0, {"excluded": 1})


def test_open_llm_leaderboard_export():
    path = real_source(DIR + "open_llm_leaderboard_v2_contents_official_subset.csv")
    parsed = oll.parse(path.read_bytes(), AS_OF, path.as_uri())
    # 459 rows, 439 distinct models x 6 benchmarks; the 20 repeated listings lose to the best.
    assert (parsed.entries, parsed.rows.height, kinds(parsed)) == (459, 2634, {"excluded": 120})
    yi = row(parsed, "01-ai/Yi-1.5-34B", "IFEval")
    assert (yi["raw_score"], yi["source_normalised"]) == (0.2841172533322695, 28.411725333226947)
    assert row(parsed, "01-ai/Yi-1.5-34B", "MMLU-PRO")["score"] == pytest.approx(46.65890957446808)
    cell = next(line for line in path.read_text(encoding="utf-8").splitlines() if "01-ai_Yi-1.5-34B_bfloat16" in line)
    anchor = cell[cell.index('"<a'):cell.index("</a>") + 4].strip('"').replace('""', '"')
    assert oll.model_name({"Model": anchor}) == "01-ai/Yi-1.5-34B"


def test_aider_polyglot_leaderboard():
    parsed = parse_file("aider_polyglot_leaderboard_2025-10-04.yml", aider.parse, aider.URL)
    assert (parsed.entries, parsed.rows.height, kinds(parsed)) == (69, 68, {"excluded": 1})
    gpt5 = row(parsed, "gpt-5 (high)", "polyglot")
    assert (gpt5["raw_score"], gpt5["evaluated_at"].date().isoformat()) == (88.0, "2025-08-23")
    assert row(parsed, "Qwen2.5-Coder-32B-Instruct", "polyglot")["raw_score"] == 16.4


def test_aider_edit_leaderboard_is_the_retired_edit_board():
    path = real_source(DIR + "aider_edit_leaderboard.yml")
    parsed = aider.parse(path.read_bytes(), AS_OF, path.as_uri())  # board named by the file name
    assert (parsed.entries, parsed.rows.height, parsed.rejects.height) == (98, 98, 0)
    assert row(parsed, "claude-3-opus-20240229", "edit")["raw_score"] == 68.4
