"""Identity resolution over the real public samples: one registry from all of them (as a refresh
builds it), every file's ids resolved against it, exact counts, specific mappings and specific
non-mappings (a fine-tune is not its base, 3.1 is not 3.3, 8B is not 70B)."""

from datetime import datetime

import polars as pl
import pytest

from pipeline.benchmarks import aider, epoch, lmarena, open_llm_leaderboard
from pipeline.identity import coverage, ids_from_rows, resolve, resolve_all
from pipeline.prices import litellm, openrouter
from pipeline.core.paths import ROOT
from pipeline.prices.registry import load_aliases, load_models
from tests.conftest import real_source

OPENROUTER = "prices/openrouter_api_v1_models_2026-08-19.json"
EPOCH_MEMBERS = {"benchmarks_runs.csv": "epoch_benchmarks_runs_2025-11-21.csv",
                 "external_benchmark_aider_polyglot.csv": "epoch_external_benchmark_aider_polyglot.csv",
                 "external_benchmark_gsm8k.csv": "epoch_external_benchmark_gsm8k.csv",
                 "external_benchmark_mmlu.csv": "epoch_external_benchmark_mmlu.csv"}
WHEN = datetime(2026, 8, 19)
# file label -> (source, parser, real sample)
FILES = {
    "litellm_2025-08-05": ("litellm", litellm.parse, "prices/litellm_model_prices_2025-08-05.json"),
    "litellm_2026-02-02": ("litellm", litellm.parse, "prices/litellm_model_prices_2026-02-02.json"),
    "openrouter_2026-08-19": ("openrouter", openrouter.parse, OPENROUTER),
    "lmarena_2025-05-27": ("lmarena", lmarena.parse, "benchmarks/lmarena_leaderboard-text_2025-05-27.json"),
    "lmarena_2025-12-11": ("lmarena", lmarena.parse, "benchmarks/lmarena_leaderboard-text_2025-12-11.json"),
    "open_llm_leaderboard": ("open_llm_leaderboard", open_llm_leaderboard.parse,
                             "benchmarks/open_llm_leaderboard_v2_contents_official_subset.csv"),
    "aider_polyglot_2025-10-04": ("aider", aider.parse, "benchmarks/aider_polyglot_leaderboard_2025-10-04.yml"),
}


def _epoch_ids() -> pl.DataFrame:
    body = epoch.build_archive({m: real_source("benchmarks/" + f).read_bytes() for m, f in EPOCH_MEMBERS.items()})
    return ids_from_rows(epoch.parse(body, WHEN, epoch.URL).rows, epoch.URL)


@pytest.fixture(scope="module")
def per_file():
    files = {label: (source, ids_from_rows(parse(real_source(path).read_bytes(), WHEN).rows, path))
             for label, (source, parse, path) in FILES.items()}
    files["epoch"] = ("epoch", _epoch_ids())
    return files


@pytest.fixture(scope="module")
def world(per_file):
    sources: dict[str, pl.DataFrame] = {}
    for source, frame in per_file.values():
        sources[source] = pl.concat([sources[source], frame]) if source in sources else frame
    curated = ROOT / "pipeline" / "curated"
    registry, _ = resolve_all(real_source(OPENROUTER).read_bytes(), load_models(curated), load_aliases(curated),
                              sources, "real-openrouter", WHEN)
    aliases = load_aliases(curated)
    resolved = {label: resolve(source, frame, registry, aliases) for label, (source, frame) in per_file.items()}
    return registry, resolved


def counts(resolved: pl.DataFrame) -> tuple[int, int, int, int, int]:
    row = coverage(resolved).row(0, named=True)
    return row["ids"], row["mapped"], row["excluded"], row["unmapped"], row["canonical_models"]


EXPECTED = {  # ids, mapped, excluded, unmapped, distinct canonical models
    "litellm_2025-08-05": (972, 824, 75, 73, 347),     # 92.5 % resolved
    "litellm_2026-02-02": (1900, 1538, 102, 260, 519),  # 86.3 % resolved
    "openrouter_2026-08-19": (409, 397, 12, 0, 326),    # the 5 "-1" routers are the parser's rejects
    "lmarena_2025-05-27": (236, 230, 0, 6, 221),
    "lmarena_2025-12-11": (282, 276, 0, 6, 260),
    "open_llm_leaderboard": (439, 437, 0, 2, 433),
    "aider_polyglot_2025-10-04": (68, 63, 3, 2, 51),
    "epoch": (289, 287, 0, 2, 252),
}


@pytest.mark.parametrize("label", list(EXPECTED))
def test_exact_counts_per_file(world, label):
    assert counts(world[1][label]) == EXPECTED[label]


def test_goals(world):
    _, resolved = world
    for label in ("litellm_2025-08-05", "litellm_2026-02-02"):
        ids, mapped, excluded, _, models = counts(resolved[label])
        assert (mapped + excluded) / ids >= 0.85 and models >= 300, label
    for label in ("lmarena_2025-05-27", "lmarena_2025-12-11", "open_llm_leaderboard"):
        ids, mapped, _, _, _ = counts(resolved[label])
        assert mapped / ids >= 0.90, label


def resolution(world, label: str, model_id: str) -> dict:
    rows = world[1][label].filter(pl.col("source_model_id") == model_id)
    assert rows.height == 1, (label, model_id)
    return rows.row(0, named=True)


@pytest.mark.parametrize("label, model_id, canonical, rule, variant, quantization, snapshot", [
    ("litellm_2026-02-02", "gpt-3.5-turbo-0125", "openai/gpt-3.5-turbo-0125", "first_party_entry", None, None, None),
    ("litellm_2026-02-02", "claude-3-5-sonnet-20241022", "anthropic/claude-3.5-sonnet", "vendor_naming", None, None,
     "2024-10-22"),
    ("litellm_2026-02-02", "anthropic.claude-3-5-sonnet-20241022-v2:0", "anthropic/claude-3.5-sonnet",
     "vendor_naming", None, None, "2024-10-22"),
    ("litellm_2026-02-02", "lambda_ai/llama3.3-70b-instruct-fp8", "meta-llama/llama-3.3-70b-instruct",
     "normalised_name", None, "fp8", None),
    ("litellm_2026-02-02", "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo-Free",
     "meta-llama/llama-3.3-70b-instruct", "openrouter_id", "free", "turbo", None),
    ("litellm_2026-02-02", "meta.llama3-1-70b-instruct-v1:0", "meta-llama/llama-3.1-70b-instruct", "normalised_name",
     None, None, None),
    ("litellm_2026-02-02", "meta.llama3-1-8b-instruct-v1:0", "meta-llama/llama-3.1-8b-instruct", "normalised_name",
     None, None, None),
    ("litellm_2026-02-02", "groq/llama-3.3-70b-versatile", "meta-llama/llama-3.3-70b-instruct", "vendor_naming",
     None, None, None),
    ("litellm_2026-02-02", "nscale/deepseek-ai/DeepSeek-R1-Distill-Llama-70B", "deepseek/deepseek-r1-distill-llama-70b",
     "hugging_face_id", None, None, None),
    ("litellm_2025-08-05", "openrouter/meta-llama/llama-3-70b-instruct", "meta-llama/llama-3-70b-instruct",
     "openrouter_entry", None, None, None),
    ("openrouter_2026-08-19", "z-ai/glm-5.2:free", "z-ai/glm-5.2", "openrouter_id", "free", None, None),
    ("lmarena_2025-12-11", "claude-3-7-sonnet-20250219-thinking-32k", "anthropic/claude-3.7-sonnet", "vendor_naming",
     "thinking:32k", None, "2025-02-19"),
    ("lmarena_2025-12-11", "llama-3.1-405b-instruct-fp8", "meta-llama/llama-3.1-405b-instruct", "curated_alias",
     None, "fp8", None),
    ("open_llm_leaderboard", "meta-llama/Meta-Llama-3.1-70B", "meta-llama/llama-3.1-70b", "hugging_face_entry",
     None, None, None),
    ("aider_polyglot_2025-10-04", "DeepSeek R1 (0528)", "deepseek/deepseek-r1-0528", "vendor_naming", None, None,
     None),
    ("aider_polyglot_2025-10-04", "Codestral 25.01", "mistralai/codestral-2501", "board_entry", None, None, None),
])
def test_specific_mappings(world, label, model_id, canonical, rule, variant, quantization, snapshot):
    r = resolution(world, label, model_id)
    assert (r["canonical_model"], r["rule"], r["variant"], r["quantization"], r["snapshot"]) == (
        canonical, rule, variant, quantization, snapshot)


def test_one_model_one_id_across_sources(world):
    claude = [(label, "claude-3-5-sonnet-20241022")
              for label in ("litellm_2026-02-02", "lmarena_2025-12-11", "aider_polyglot_2025-10-04", "epoch")]
    llama = [("litellm_2025-08-05", "openrouter/meta-llama/llama-3-70b-instruct"),
             ("lmarena_2025-12-11", "llama-3-70b-instruct"), ("epoch", "Meta-Llama-3-70B-Instruct"),
             ("open_llm_leaderboard", "meta-llama/Meta-Llama-3-70B-Instruct"),
             ("litellm_2026-02-02", "meta.llama3-70b-instruct-v1:0")]
    # Mistral's prose name and its API id for one release.
    codestral = [("aider_polyglot_2025-10-04", "Codestral 25.01"), ("epoch", "codestral-2501")]
    for group, expected in ((claude, "anthropic/claude-3.5-sonnet"), (llama, "meta-llama/llama-3-70b-instruct"),
                            (codestral, "mistralai/codestral-2501")):
        assert {resolution(world, label, mid)["canonical_model"] for label, mid in group} == {expected}


def test_specific_non_mappings(world):
    dobby = resolution(world, "litellm_2026-02-02",
                       "fireworks_ai/accounts/fireworks/models/dobby-unhinged-llama-3-3-70b-new")
    assert (dobby["canonical_model"], dobby["reason"]) == (None, "fine-tune of meta-llama/llama-3.3-70b-instruct")
    abliterated = resolution(world, "open_llm_leaderboard", "mlabonne/Meta-Llama-3.1-8B-Instruct-abliterated")
    assert (abliterated["canonical_model"], abliterated["reason"]) == (
        None, "fine-tune of meta-llama/llama-3.1-8b-instruct")
    simpo = resolution(world, "lmarena_2025-12-11", "gemma-2-9b-it-simpo")
    assert (simpo["canonical_model"], simpo["reason"]) == (None, "fine-tune of google/gemma-2-9b-it")
    distill = resolution(world, "litellm_2026-02-02",
                         "fireworks_ai/accounts/fireworks/models/deepseek-r1-distill-llama-70b")
    assert distill["canonical_model"] == "deepseek/deepseek-r1-distill-llama-70b"  # not R1, not Llama
    # Llama 3.1 70B is not Llama 3.3 70B, 8B is not 70B, the base model is not the instruct one.
    seen = {resolution(world, "litellm_2026-02-02", mid)["canonical_model"] for mid in (
        "meta.llama3-1-70b-instruct-v1:0", "meta.llama3-3-70b-instruct-v1:0", "meta.llama3-1-8b-instruct-v1:0")}
    assert len(seen) == 3
    assert resolution(world, "open_llm_leaderboard", "meta-llama/Meta-Llama-3.1-70B")["canonical_model"] != (
        resolution(world, "open_llm_leaderboard", "meta-llama/Meta-Llama-3.1-70B-Instruct")["canonical_model"])
    assert resolution(world, "litellm_2026-02-02", "ollama/llama2")["rule"] == "local_runtime"


def test_registry_width_and_citations(world):
    registry, _ = world
    assert registry.height == 1180
    assert registry["canonical_model"].is_duplicated().sum() == 0
    assert registry["citation"].null_count() == 0 and registry["origin"].null_count() == 0
    by_origin = dict(registry.group_by("origin").len().iter_rows())
    assert by_origin == {"openrouter": 291, "openrouter+curated": 35, "curated": 10, "openrouter_entry": 36,
                         "hugging_face_entry": 407, "first_party_entry": 232, "board_entry": 169}
