"""Curated benchmark scores, the benchmark registry, and the curated files shipped with the code."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from pipeline.benchmarks import curated_benchmarks as curated
from pipeline.benchmarks.registry import CURATED_SOURCE, check_curated_scores, load_registry
from pipeline.core.curated import CuratedError
from pipeline.core.paths import CURATED_DIR
from pipeline.core.sources import SourceFormatError
from pipeline.prices.registry import load_aliases, load_models
from tests.conftest import AS_OF

HEADER = "model,benchmark,score,scale_max,observed_on,citation\n"


def parse(text: str):
    return curated.parse(text.encode(), AS_OF, curated.FILE)


def test_scale_max_decides_the_unit_and_the_row_keeps_its_date():
    out = parse(HEADER + "# a comment line\n"
                "qwen/qwen-2.5-72b-instruct,mt_bench,9.35,10,2024-09-19,https://qwenlm.github.io/blog/qwen2.5-llm/\n"
                "openai/gpt-4o,mmlu,88.7,100,2024-05-13,https://openai.com/index/hello-gpt-4o/\n"
                "openai/gpt-4o,gpqa_diamond,0.536,1,2024-05-13,https://openai.com/index/hello-gpt-4o/\n")
    rows = {r["source_benchmark"]: r for r in out.rows.to_dicts()}
    assert (rows["mt_bench"]["raw_unit"], rows["mt_bench"]["score"]) == ("points", pytest.approx(93.5))
    assert (rows["mmlu"]["raw_unit"], rows["mmlu"]["score"]) == ("percent", 88.7)
    assert (rows["gpqa_diamond"]["raw_unit"], rows["gpqa_diamond"]["score"]) == ("fraction", pytest.approx(53.6))
    assert rows["mmlu"]["observed_at"] == datetime(2024, 5, 13)
    assert out.entries == 3


def test_a_broken_row_refuses_the_file_naming_each_line_and_rule():
    with pytest.raises(CuratedError) as err:
        parse(HEADER + "# a comment line counts as a line\n"
              "openai/gpt-4o,mmlu,,100,2024-05-13,https://x\n"
              "openai/gpt-4o,mmlu,88.7,100,13/05/2024,https://x\n"
              "openai/gpt-4o,mmlu,88.7,0,2024-05-13,https://x\n")
    assert str(err.value).split("; ") == [
        "benchmark_scores.csv:3: column 'score' is required",
        "benchmark_scores.csv:4: column 'observed_on' must be a date (YYYY-MM-DD), not '13/05/2024'",
        "benchmark_scores.csv:5: scale_max must be positive, not 0.0"]


def test_wrong_header_fails_as_a_whole():
    with pytest.raises(SourceFormatError, match="header must be model,benchmark,score"):
        parse("model,score\nopenai/gpt-4o,88.7\n")


def _registry(tmp_path: Path, body: str) -> Path:
    (tmp_path / "benchmarks.csv").write_text(
        "benchmark,display_name,scale,higher_is_better,in_quality_index,index_group,index_priority,source,"
        "source_name,citation\n" + body)
    return tmp_path


def test_registry_maps_source_names_and_adds_curated_identity(tmp_path):
    benchmarks, names = load_registry(_registry(tmp_path,
        "mmlu,MMLU,0-100,true,true,,,epoch,external/mmlu,https://arxiv.org/abs/2009.03300\n"
        "arena_elo,Arena,elo,true,true,arena,1,lmarena,style_control/full,https://lmarena.ai\n"))
    assert benchmarks.filter(pl.col("benchmark") == "mmlu").row(0, named=True)["index_group"] == "mmlu"
    mapped = {(r["source"], r["source_name"]): r["benchmark"] for r in names.to_dicts()}
    assert mapped[("epoch", "external/mmlu")] == "mmlu"
    assert mapped[(CURATED_SOURCE, "arena_elo")] == "arena_elo"


@pytest.mark.parametrize("body,match", [
    ("mmlu,MMLU,0-100,true,true,,,epoch,external/mmlu,c\nmmlu,MMLU,0-1,true,true,,,x,y,c\n", "disagree"),
    ("mmlu,MMLU,0-100,true,true,,,epoch,external/mmlu,c\ngsm8k,GSM8K,0-100,true,true,,,epoch,external/mmlu,c\n",
     "mapped twice"),
    ("mmlu,MMLU,percent,true,true,,,epoch,external/mmlu,c\n", "scale must be one of"),
    ("mmlu,MMLU,0-100,true,true,,,epoch,external/mmlu,\n", "'citation' is required"),
])
def test_registry_rules(tmp_path, body, match):
    with pytest.raises(CuratedError, match=match):
        load_registry(_registry(tmp_path, body))


def test_curated_scores_must_name_registry_benchmarks():
    benchmarks = pl.DataFrame({"benchmark": ["mmlu"]})
    with pytest.raises(CuratedError, match=r"\['mmlu_typo'\]"):
        check_curated_scores(pl.DataFrame({"benchmark": ["mmlu", "mmlu_typo"]}), benchmarks, "here")


@pytest.fixture(scope="module")
def shipped():
    benchmarks, names = load_registry(CURATED_DIR)
    scores = curated.parse((CURATED_DIR / curated.FILE).read_bytes(), AS_OF, curated.FILE)
    return benchmarks, names, scores


def test_shipped_curated_scores_parse_and_name_known_benchmarks_and_models(shipped):
    benchmarks, _, scores = shipped
    assert scores.rejects.height == 0 and scores.rows.height >= 30
    check_curated_scores(scores.rows.rename({"source_benchmark": "benchmark"}), benchmarks, curated.FILE)
    models = set(load_models(CURATED_DIR)["canonical_model"])
    assert set(scores.rows["source_model_id"]) <= models


def test_shipped_aliases_point_at_registered_models():
    aliases = load_aliases(CURATED_DIR)
    ours = aliases.filter(pl.col("source").is_in(["lmarena", "epoch", "aider", "open_llm_leaderboard"]))
    assert ours.height >= 100
    assert set(ours["canonical_model"]) <= set(load_models(CURATED_DIR)["canonical_model"])
    gpt4o = ours.filter((pl.col("source") == "lmarena") & (pl.col("source_model_id") == "gpt-4o-2024-08-06"))
    assert gpt4o["canonical_model"].to_list() == ["openai/gpt-4o"]


def test_shipped_registry_index_groups(shipped):
    benchmarks, names, _ = shipped
    index = benchmarks.filter(pl.col("in_quality_index"))
    assert set(index["benchmark"]) == {"arena_elo", "arena_elo_raw", "mmlu", "mmlu_pro", "gpqa_diamond",
                                       "math_level_5", "aider_polyglot", "ifeval", "gsm8k"}
    arena = index.filter(pl.col("index_group") == "arena").sort("index_priority")["benchmark"].to_list()
    assert arena == ["arena_elo", "arena_elo_raw"]
    mapped = {(r["source"], r["source_name"]): r["benchmark"] for r in names.to_dicts()}
    assert mapped[("open_llm_leaderboard", "MATH Lvl 5")] == mapped[("epoch", "MATH level 5")] == "math_level_5"
