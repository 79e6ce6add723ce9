"""The curated registry files: the required list, openness conventions, aliases pointing at models."""

import polars as pl
import pytest

from pipeline.core.curated import CuratedError
from pipeline.core.paths import CURATED_DIR
from pipeline.prices.registry import load_aliases, load_models

REQUIRED = {"openai/gpt-4o", "openai/gpt-4o-mini", "openai/gpt-4.1", "anthropic/claude-opus-4",
            "anthropic/claude-sonnet-4", "anthropic/claude-3.5-haiku", "google/gemini-2.5-pro",
            "meta-llama/llama-3.1-405b-instruct", "meta-llama/llama-3.1-70b-instruct",
            "meta-llama/llama-3.1-8b-instruct", "mistralai/mistral-large-2407", "mistralai/mistral-7b-instruct",
            "qwen/qwen-2.5-72b-instruct", "google/gemma-2-9b-it", "allenai/olmo-2-0325-32b-instruct",
            "allenai/olmo-2-1124-7b-instruct", "allenai/olmo-2-1124-13b-instruct", "eleutherai/pythia-12b",
            "bigscience/bloom"}
LICENSES = {"Apache-2.0", "MIT", "llama2", "llama3", "llama3.1", "llama3.2", "llama3.3", "llama4", "gemma", "qwen",
            "tongyi-qianwen", "tongyi-qianwen-research", "bigscience-bloom-rail-1.0", "mrl", "proprietary"}


@pytest.fixture(scope="module")
def models():
    return load_models(CURATED_DIR)


def test_required_list_is_marked_and_complete(models):
    assert set(models.filter(pl.col("required"))["canonical_model"]) == REQUIRED


def test_openness_flags_and_licenses_follow_the_convention(models):
    fully_open = models.filter(pl.col("weights_open") & pl.col("data_open") & pl.col("code_open"))
    assert set(fully_open["canonical_model"]) == {
        "allenai/olmo-2-0325-32b-instruct", "allenai/olmo-2-1124-7b-instruct", "allenai/olmo-2-1124-13b-instruct",
        "eleutherai/pythia-12b", "bigscience/bloom"}
    assert models.filter(~pl.col("weights_open"))["license_id"].unique().to_list() == ["proprietary"]
    assert set(models["license_id"].drop_nulls()) <= LICENSES
    assert models["citation"].str.starts_with("https://").all()
    assert models.filter(pl.col("required"))["license_id"].null_count() == 0


def test_every_curated_alias_points_at_a_registry_model(models):
    aliases = load_aliases(CURATED_DIR)
    assert set(aliases["canonical_model"]) <= set(models["canonical_model"])
    assert aliases["citation"].str.len_chars().min() > 0


def test_a_source_id_mapped_twice_is_refused(tmp_path):
    (tmp_path / "model_aliases.csv").write_text("source,source_model_id,canonical_model,citation\n"
                                               "litellm,gpt-4o,openai/gpt-4o,x\nlitellm,gpt-4o,openai/gpt-4o-mini,y\n")
    with pytest.raises(CuratedError, match="mapped twice"):
        load_aliases(tmp_path)
