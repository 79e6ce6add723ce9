"""Schemas of the curated CSV files (pipeline/curated/ or --curated-dir), one per file.

pipeline/core/curated.py reads every curated file as text, types each column as its field says
(numbers, true/false, YYYY-MM-DD dates) and validates the rows with the file's model: a field not
nullable is required on every row, and every row carries a non-empty citation. A file that breaks
a rule is refused whole, naming the file, the line and the rule. Rules across rows (a key listed
twice, rows of one benchmark that disagree) are the loaders' own.
"""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa

from schemas.gpu_rates import PRICING_MODELS

CITATION = "Where the fact can be checked (URL, with the words that state it)"
OBSERVED_ON = "The day the fact was published or checked (YYYY-MM-DD)"
# benchmarks.csv: the native scale of a benchmark's published scores.
SCALES = ("elo", "0-1", "0-100", "0-10")
# license_urls.csv: what a URL serves.
DOCUMENTS = ("license", "use_policy")
# history_sources.csv: where a source's past versions are.
KINDS = ("git", "wayback")
# advise_rules.csv: the option kinds `ledger advise` ranks, the inputs that switch a rule on, the
# named tests a rule applies (pipeline/advise/rules.py and the report's calculator implement each)
# and what a rule does to an option the test holds for.
ADVISE_KINDS = ("closed_api", "managed", "self_hosted")
ADVISE_INPUTS = ("always", "data_in_house", "no_ml_ops", "edge", "fine_tune=full", "fine_tune=lora",
                 "monthly_active_users", "task=complex", "task=structured", "min_tier", "vendor_independence")
ADVISE_TESTS = ("kind", "weights_not_open", "edge_memory", "license_mau", "license_non_commercial", "min_tier",
                "open_params_at_least")
ADVISE_EFFECTS = ("exclude", "credit_tier", "note")


def _usd_per_mtok(nullable: bool = True):
    return pa.Field(nullable=nullable, ge=0, metadata={"unit": "USD per 1M tokens"},
                    description="Price stated by the citation, per 1M tokens (empty: not stated)")


def _citation():
    return pa.Field(str_length={"min_value": 1}, description=CITATION)


class Curated(pa.DataFrameModel):
    """Every curated file: all its columns present, no other column; each ends with a citation."""

    class Config:
        strict = True
        coerce = False


class CuratedModel(Curated):
    """`pipeline/curated/models.csv`: one row per canonical model."""

    canonical_model: str = pa.Field(description="OpenRouter's author/slug form where one exists")
    display_name: str = pa.Field(nullable=True)
    developer: str
    family: str = pa.Field(nullable=True)
    release_date: dt.date = pa.Field(nullable=True)
    params_b: float = pa.Field(nullable=True, gt=0, metadata={"unit": "billion parameters"},
                               description="Total parameters (mixture-of-experts: total, not active)")
    weights_open: bool
    data_open: bool
    code_open: bool
    license_id: str = pa.Field(nullable=True)
    required: bool = pa.Field(description="Every quarterly table must cover the model")
    citation: str = _citation()



class CuratedAlias(Curated):
    """`pipeline/curated/model_aliases*.csv`: a source's own model id -> canonical model, exact."""

    source: str
    source_model_id: str
    canonical_model: str
    citation: str = _citation()



class CuratedPrice(Curated):
    """`pipeline/curated/prices.csv`: API prices published only in prose or notices."""

    provider: str
    model: str = pa.Field(description="Canonical model id")
    input_usd_per_mtok: float = _usd_per_mtok(nullable=False)
    output_usd_per_mtok: float = _usd_per_mtok(nullable=False)
    cached_input_usd_per_mtok: float = _usd_per_mtok()
    cache_write_usd_per_mtok: float = _usd_per_mtok()
    batch_input_usd_per_mtok: float = _usd_per_mtok()
    batch_output_usd_per_mtok: float = _usd_per_mtok()
    context_tier_min_tokens: int = pa.Field(nullable=True, ge=0, metadata={"unit": "tokens"},
                                            description="Prompt length from which the price applies (empty: 0)")
    observed_on: dt.date = pa.Field(description=OBSERVED_ON)
    citation: str = _citation()



class CuratedBenchmarkScore(Curated):
    """`pipeline/curated/benchmark_scores.csv`: scores published in model cards and papers."""

    model: str = pa.Field(description="Canonical model id")
    benchmark: str = pa.Field(description="Canonical benchmark id (benchmarks.csv)")
    score: float = pa.Field(description="As published, on the scale 0..scale_max")
    scale_max: float = pa.Field(gt=0, description="100 for percentages, 1 for fractions, 10 for MT-Bench…")
    observed_on: dt.date = pa.Field(description=OBSERVED_ON)
    citation: str = _citation()



class CuratedBenchmark(Curated):
    """`pipeline/curated/benchmarks.csv`: a benchmark and one name a source reports it under."""

    benchmark: str
    display_name: str
    scale: str = pa.Field(isin=list(SCALES))
    higher_is_better: bool
    in_quality_index: bool
    index_group: str = pa.Field(nullable=True)
    index_priority: int = pa.Field(nullable=True, ge=1)
    source: str
    source_name: str
    citation: str = _citation()



class CuratedGpuRate(Curated):
    """`pipeline/curated/gpu_rates.csv`: GPU offers published in prose, quotes or contracts."""

    provider: str
    region: str
    instance_type: str
    gpu: str = pa.Field(description="Canonical GPU (gpus.csv)")
    gpu_count: float = pa.Field(gt=0)
    pricing_model: str = pa.Field(isin=list(PRICING_MODELS))
    usd_per_hour: float = pa.Field(gt=0, metadata={"unit": "USD per hour"})
    observed_on: dt.date = pa.Field(description=OBSERVED_ON)
    citation: str = _citation()



class CuratedGpu(Curated):
    """`pipeline/curated/gpus.csv`: the canonical GPUs and the memory of one GPU."""

    gpu: str
    display_name: str = pa.Field(nullable=True)
    vendor: str
    memory_gb: float = pa.Field(gt=0, metadata={"unit": "GB"})
    citation: str = _citation()



class CuratedGpuName(Curated):
    """`pipeline/curated/gpu_names.csv`: a source's own GPU or SKU name -> canonical GPU."""

    source: str
    provider: str = pa.Field(description="The provider, or * for any provider of the source")
    source_name: str
    gpu: str
    gpu_count: float = pa.Field(nullable=True, gt=0, description="Only where the source does not state it")
    citation: str = _citation()



class CuratedLicenseUrl(Curated):
    """`pipeline/curated/license_urls.csv`: the license texts to archive."""

    url: str
    license_id: str
    document: str = pa.Field(isin=list(DOCUMENTS))
    observed_on: dt.date = pa.Field(description=OBSERVED_ON)
    citation: str = _citation()



class CuratedModelCard(Curated):
    """`pipeline/curated/hf_model_cards.csv`: Hugging Face repositories whose cards are read."""

    repo_id: str
    canonical_model: str
    observed_on: dt.date = pa.Field(description=OBSERVED_ON)
    citation: str = _citation()



class CuratedHistorySource(Curated):
    """`pipeline/curated/history_sources.csv`: where each source's past versions are."""

    source: str
    kind: str = pa.Field(isin=list(KINDS))
    endpoint: str = pa.Field(description="The source URL the history stands for")
    repo: str = pa.Field(nullable=True, description="git: owner/name")
    path: str = pa.Field(nullable=True, description="git: the file's path in the repository")
    url: str = pa.Field(nullable=True, description="wayback: the page's URL")
    citation: str = _citation()


class CuratedAdviseRule(Curated):
    """`pipeline/curated/advise_rules.csv`: one rule of `ledger advise` (docs/advise.md)."""

    rule_id: str = pa.Field(unique=True)
    input: str = pa.Field(isin=list(ADVISE_INPUTS), description="What switches the rule on (a flag, flag=value, always)")
    applies_to: str = pa.Field(description="Option kinds the rule looks at, separated by ';', or 'any'")
    test: str = pa.Field(isin=list(ADVISE_TESTS), description="The named test run on each option it applies to")
    threshold: float = pa.Field(nullable=True, ge=0, description="The test's number (edge_memory: GB; "
                                "open_params_at_least: billion parameters)")
    tier: int = pa.Field(nullable=True, ge=1, le=3, description="min_tier: the tier required (empty: the "
                         "caller's --min-tier); credit_tier: the tier credited")
    effect: str = pa.Field(isin=list(ADVISE_EFFECTS))
    explanation: str = pa.Field(str_length={"min_value": 1}, description="Why, in one sentence")
    observed_on: dt.date = pa.Field(nullable=True, description="The day the cited record was published, where it has one")
    citation: str = _citation()


# Every curated file (a glob where a family keeps several) and the model it is read with.
FILES = {"models.csv": CuratedModel, "model_aliases*.csv": CuratedAlias, "prices.csv": CuratedPrice,
         "benchmark_scores.csv": CuratedBenchmarkScore, "benchmarks.csv": CuratedBenchmark,
         "gpu_rates.csv": CuratedGpuRate, "gpus.csv": CuratedGpu, "gpu_names.csv": CuratedGpuName,
         "license_urls.csv": CuratedLicenseUrl, "hf_model_cards.csv": CuratedModelCard,
         "history_sources.csv": CuratedHistorySource, "advise_rules.csv": CuratedAdviseRule}
