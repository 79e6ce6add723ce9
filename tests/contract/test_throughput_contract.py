"""Throughput parsers on the six real public samples in ../shared/real-sources/throughput/.

Skipped, saying why, when that folder is absent. Counts and values below are the samples' own;
converted figures are computed from the figure printed in the sample.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from pipeline.core.family import GuardContext
from pipeline.core.sources import SourceFormatError
from pipeline.core.validate import validate
from pipeline.throughput import FAMILY, inferencex, mlperf_inference, trtllm_perf_overview
from tests.conftest import real_source

pytestmark = pytest.mark.contract

V09 = "throughput/trtllm_perf_overview_2024-04-24.md"
V10 = "throughput/trtllm_perf_overview_v1.0_UNDATED_commit-00f3768.md"
DEVGUIDE = "throughput/trtllm_perf_overview_devguide_UNDATED_commit-03e27c7.md"
MLPERF = "throughput/mlperf_inference_v5.1_summary_results_LLM_EXCERPT_2025-09-09.json"
IX = "throughput/inferencex_api_v1_benchmarks_DeepSeek-R1-0528_SAMPLED_2026-06-14.json"
VLLM = "throughput/inferencex_experimental_vllm_bench_serving_qwen3.5-397b_h200_tp8_isl1024_osl128_conc16_2026-02-16.json"
OBSERVED = datetime(2026, 6, 14)


def _parse(module, name: str):
    return module.parse(real_source(name).read_bytes(), OBSERVED)


def _one(rows: pl.DataFrame, **where) -> dict:
    hit = rows.filter(pl.all_horizontal([pl.col(k) == v for k, v in where.items()]))
    assert hit.height == 1, f"{where}: {hit.height} rows"
    return hit.row(0, named=True)


def _counts(parsed) -> tuple[int, int, int, int]:
    kinds = parsed.rejects["kind"].to_list()
    return parsed.entries, parsed.rows.height, kinds.count("rejected"), kinds.count("excluded")


def _valid(parsed) -> None:
    checked = validate(FAMILY, parsed.rows, GuardContext("contract", pl.DataFrame()))
    assert checked.schema_errors.height == 0 and checked.quarantined.height == 0
    assert checked.clean.height == parsed.rows.height


def test_v09_long_tables_per_gpu_and_the_low_latency_block_excluded():
    got = _parse(trtllm_perf_overview, V09)
    assert _counts(got) == (126, 84, 0, 42)
    assert _one(got.rows, model_name="GPT-J 6B", gpu="H200", input_tokens=128, output_tokens=128)[
        "output_tokens_per_s_per_gpu"] == 27304.0
    falcon = _one(got.rows, model_name="Falcon 180B", gpu="A100-80GB", input_tokens=2048, output_tokens=2048)
    assert (falcon["precision"], falcon["gpu_count"], falcon["output_tokens_per_s_per_gpu"]) == ("fp16", 8, 93.0)
    assert got.rows.group_by("gpu").len().sort("gpu").rows() == [("A100-80GB", 24), ("H100-SXM", 20), ("H200", 20),
                                                                ("L40S", 20)]
    _valid(got)


def test_v10_wide_totals_are_divided_by_tp_times_pp():
    got = _parse(trtllm_perf_overview, V10)
    assert _counts(got) == (340, 328, 0, 12)
    tp2 = _one(got.rows, model_name="Llama 3.3 70B", gpu="H100-SXM", input_tokens=1000, output_tokens=1000)
    assert (tp2["parallelism"], tp2["gpu_count"], tp2["output_tokens_per_s_per_gpu"]) == ("TP2", 2, 4205 / 2)
    assert _one(got.rows, model_name="Llama 3.1 405B", gpu="H200", input_tokens=128, output_tokens=2048)[
        "output_tokens_per_s_per_gpu"] == 5348 / 8
    pp8 = _one(got.rows, model_name="Llama 3.3 70B", parallelism="TP1,PP8", input_tokens=20000)
    assert (pp8["gpu"], pp8["gpu_count"], pp8["output_tokens_per_s_per_gpu"]) == ("RTX-PRO-6000", 8, 1148 / 8)
    assert _one(got.rows, model_name="Llama 3.1 8B", gpu="H200", input_tokens=128, output_tokens=128)[
        "output_tokens_per_s_per_gpu"] == 27911.0  # TP1: the total is the per-GPU figure
    _valid(got)


def test_developer_guide_per_gpu_figures_with_dep_and_pp_labels():
    got = _parse(trtllm_perf_overview, DEVGUIDE)
    assert _counts(got) == (173, 150, 0, 23)
    oss = _one(got.rows, model_name="GPT-OSS 120B", gpu="B200", input_tokens=1000)
    assert (oss["parallelism"], oss["gpu_count"], oss["output_tokens_per_s_per_gpu"]) == ("DEP2", 2, 25943.0)
    assert (oss["model_size_b"], oss["active_params_b"], oss["canonical_model"]) == (117.0, 5.1, "openai/gpt-oss-120b")
    rtx = _one(got.rows, model_name="Qwen3 235B A22B", parallelism="DEP2,PP2", input_tokens=32768)
    assert (rtx["gpu"], rtx["gpu_count"], rtx["output_tokens_per_s_per_gpu"]) == ("RTX-PRO-6000", 4, 70.0)
    _valid(got)


def test_mlperf_results_per_system_divided_per_accelerator_and_every_exclusion_counted():
    got = _parse(mlperf_inference, MLPERF)
    assert _counts(got) == (416, 348, 0, 68)
    reasons = got.rejects["reason"].str.extract(r"^(open division|performance in '[^']+'|no accelerator|mixed|accelerator)")
    assert dict(reasons.value_counts().iter_rows()) == {
        "open division": 31, "no accelerator": 12, "mixed": 8, "performance in 'Queries/s'": 8,
        "accelerator": 7, "performance in 'Latency (ms)'": 2}
    mi300x = _one(got.rows, result_id="5.1-0001", model_name="llama2-70b-99", scenario="interactive")
    assert (mi300x["gpu"], mi300x["gpu_count"], mi300x["output_tokens_per_s_per_gpu"]) == ("MI300X", 8, 8840.42 / 8)
    nvl72 = _one(got.rows, result_id="5.1-0071", model_name="deepseek-r1", scenario="offline")
    assert (nvl72["gpu"], nvl72["gpu_count"], nvl72["parallelism"]) == ("GB200", 72, "18x4")
    assert nvl72["output_tokens_per_s_per_gpu"] == pytest.approx(289712 / 72)
    assert got.rows["input_tokens"].null_count() == got.rows.height  # fixed datasets: no ISL/OSL
    _valid(got)


def test_inferencex_rows_converted_to_output_per_gpu_over_all_gpus():
    got = _parse(inferencex, IX)
    assert _counts(got) == (435, 425, 10, 0)
    broken = got.rejects.filter(pl.col("reason").str.contains("do not reproduce tput_per_gpu"))
    assert broken.height == 8 and broken["record_key"].str.starts_with("gb200 dynamo-").all()
    disagg = _one(got.rows, gpu="MI355X", concurrency=2048, measured_on=date(2026, 5, 28))
    assert (disagg["gpu_count"], disagg["input_tokens"], disagg["output_tokens"]) == (24, 8192, 1024)
    assert disagg["output_tokens_per_s_per_gpu"] == pytest.approx(1186.2472529925478 * 8 / 24)
    assert disagg["total_tokens_per_s_per_gpu"] == pytest.approx(3555.5119447679103)
    ep = got.rows.filter((pl.col("gpu") == "B200") & (pl.col("parallelism") == "TP8,EP8"))
    assert ep.height > 0 and ep["gpu_count"].unique().to_list() == [8]  # the API's num_*_gpu says 64
    _valid(got)


def test_a_raw_vllm_benchmark_file_is_refused_naming_what_is_missing():
    with pytest.raises(SourceFormatError, match="GPU, its count and the input/output lengths are not in the body"):
        _parse(inferencex, VLLM)
