"""TensorRT-LLM perf overview: each layout on a small hand-made document showing its quirks."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from pipeline.core.sources import SourceFormatError
from pipeline.throughput import trtllm_perf_overview as trt
from tests.conftest import FIXTURES

OBSERVED = datetime(2025, 10, 1)


def _parse(name: str):
    return trt.parse((FIXTURES / "throughput" / name).read_bytes(), OBSERVED, trt.URL)


def _one(rows: pl.DataFrame, **where) -> dict:
    hit = rows.filter(pl.all_horizontal([pl.col(k) == v for k, v in where.items()]))
    assert hit.height == 1, f"{where}: {hit.height} rows"
    return hit.row(0, named=True)


def _reasons(parsed, kind: str) -> list[str]:
    return parsed.rejects.filter(pl.col("kind") == kind)["reason"].to_list()


def test_long_layout_reads_per_gpu_rows_with_commas_and_the_section_precision():
    got = _parse("trtllm_long.md")
    row = _one(got.rows, model_name="LLaMA 7B", gpu="H100-SXM", input_tokens=128)
    assert (row["output_tokens_per_s_per_gpu"], row["batch_size"], row["precision"], row["gpu_count"]) == \
        (19854.0, 896, "fp8", 1)
    assert (row["model_size_b"], row["scenario"], row["framework"]) == (7.0, "offline", "TensorRT-LLM 0.9.0")
    seventy = _one(got.rows, model_name="LLaMA 70B", gpu="H100-SXM")
    assert (seventy["parallelism"], seventy["gpu_count"], seventy["output_tokens_per_s_per_gpu"]) == ("TP2", 2, 3214.0)
    # the v0.5 note under the A100 heading names that table's software
    assert _one(got.rows, gpu="A100-80GB")["framework"] == "TensorRT-LLM 0.5"


def test_long_layout_accounts_for_every_row():
    got = _parse("trtllm_long.md")
    # 5 H100 rows + 2 A100 rows + 2 latency rows; blank separators are not entries
    assert (got.entries, got.rows.height) == (9, 4)
    assert len(got.rejects) == 5


def test_latency_table_is_excluded_not_read_as_throughput():
    got = _parse("trtllm_long.md")
    assert _reasons(got, "excluded").count("latency table (1st Token Latency (ms)), not throughput") == 2
    assert got.rows.filter(pl.col("output_tokens_per_s_per_gpu") < 100).height == 0


def test_unit_without_per_gpu_is_ambiguous_beyond_tp1():
    got = _parse("trtllm_long.md")
    # 'Throughput (out tok/s)': TP1 kept (per system = per GPU), TP4 rejected
    assert _one(got.rows, gpu="A100-80GB")["output_tokens_per_s_per_gpu"] == 5586.0
    assert ["'Throughput (out tok/s)' says neither per GPU nor per system, and TP is 4"] == [
        r for r in _reasons(got, "rejected") if "neither" in r]


def test_unreadable_cell_and_unknown_model_are_accounted_for():
    got = _parse("trtllm_long.md")
    bad = got.rejects.filter(pl.col("reason").str.starts_with("unreadable cell"))
    assert bad.height == 1 and "n/a" in bad["value"][0]
    unknown = got.rejects.filter(pl.col("field") == "model")
    assert unknown["value"].to_list() == ["Phi 9000B"] and unknown["kind"].to_list() == ["excluded"]


def test_wide_per_system_layout_divides_by_the_gpu_count():
    got = _parse("trtllm_wide_per_system.md")
    h100 = _one(got.rows, gpu="H100-SXM", input_tokens=128)
    assert (h100["parallelism"], h100["gpu_count"], h100["output_tokens_per_s_per_gpu"]) == ("TP2", 2, 3189.0)
    assert h100["detail"] == "wide layout: 6,378 output tok/s for the 2-GPU system / 2"
    assert _one(got.rows, gpu="B200", input_tokens=1000)["output_tokens_per_s_per_gpu"] == 7007.0
    assert _one(got.rows, gpu="H200")["output_tokens_per_s_per_gpu"] == 2948.0 / 8
    # the caption line names the GPU of '**4 GPUs**<br/>TP2,PP2 (FP4)'
    rtx = _one(got.rows, gpu="RTX-PRO-6000")
    assert (rtx["gpu_count"], rtx["parallelism"], rtx["output_tokens_per_s_per_gpu"]) == (4, "TP2,PP2", 9476.0 / 4)
    assert rtx["gpu_name"] == "RTX 6000 Pro Blackwell Server Edition" and rtx["model_name"] == "Llama 3.3 70B"


def test_wide_empty_cell_is_not_measured_and_code_blocks_are_skipped():
    got = _parse("trtllm_wide_per_system.md")
    assert (got.entries, got.rows.height) == (6, 5)
    assert got.rejects.rows() == [("line 13: Llama 3.3 70B | H100 TP2 (FP8) | 1000/1000", None, None,
                                   "not measured (empty cell)", "excluded")]


def test_wide_per_gpu_layout_keeps_the_figure_and_reads_dep_and_pp():
    got = _parse("trtllm_wide_per_gpu.md")
    b200 = _one(got.rows, gpu="B200", input_tokens=1000)
    assert (b200["parallelism"], b200["gpu_count"], b200["output_tokens_per_s_per_gpu"]) == ("DEP4", 4, 6463.0)
    assert (b200["model_size_b"], b200["active_params_b"]) == (671.0, 37.0)
    assert _one(got.rows, gpu="B200", input_tokens=8192)["output_tokens_per_s_per_gpu"] == 1168.0
    # the heading's ' - RTX 6000 Pro …' names the GPU and is not part of the model name
    pp2 = _one(got.rows, parallelism="TP1,PP2")
    assert (pp2["gpu"], pp2["gpu_count"], pp2["model_name"], pp2["output_tokens_per_s_per_gpu"]) == \
        ("RTX-PRO-6000", 2, "LLaMA v3.3 70B", 1901.0)


def test_wide_column_whose_gpu_count_disagrees_with_its_parallelism_is_rejected():
    got = _parse("trtllm_wide_per_gpu.md")
    rejected = got.rejects.filter(pl.col("kind") == "rejected")
    assert rejected["reason"].to_list() == [
        "column '**2 GPUs**<br/>DEP2,PP2 (FP4)': 2 GPUs but DEP2,PP2 spans 4; its 1 cells left out"]
    assert (got.entries, got.rows.height) == (7, 5)  # 2x2 DeepSeek cells (one empty) + 3 RTX cells


def test_v017_layout_and_documents_without_tables_are_refused_as_a_whole():
    with pytest.raises(SourceFormatError, match="v0.17-v0.20 layout"):
        _parse("trtllm_v017_layout.md")
    with pytest.raises(SourceFormatError, match="no throughput table"):
        trt.parse(b"# Overview\n\nNothing measured here.\n", OBSERVED, trt.URL)


def test_wide_table_with_no_stated_metric_is_refused():
    body = b"# Llama 3.3 70B\n\n| Sequence Length (ISL/OSL) | B200<br/>TP1 (FP4) |\n|---|---|\n| 128/128 | 11,147 |\n"
    with pytest.raises(SourceFormatError, match="metric is not stated"):
        trt.parse(body, OBSERVED, trt.URL)
