"""MLPerf Inference summary_results.json and the InferenceX API on small hand-made responses."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from pipeline.core.sources import SourceFormatError
from pipeline.throughput import inferencex, mlperf_inference
from tests.conftest import FIXTURES

OBSERVED = datetime(2026, 6, 14)


def _mlperf():
    return mlperf_inference.parse((FIXTURES / "throughput" / "mlperf_summary_quirks.json").read_bytes(), OBSERVED)


def _inferencex():
    return inferencex.parse((FIXTURES / "throughput" / "inferencex_rows_quirks.json").read_bytes(), OBSERVED)


def _one(rows: pl.DataFrame, **where) -> dict:
    hit = rows.filter(pl.all_horizontal([pl.col(k) == v for k, v in where.items()]))
    assert hit.height == 1, f"{where}: {hit.height} rows"
    return hit.row(0, named=True)


def _why(parsed, key_prefix: str) -> tuple[str, str]:
    hit = parsed.rejects.filter(pl.col("record_key").str.starts_with(key_prefix))
    assert hit.height == 1, (key_prefix, hit.rows())
    return hit["kind"][0], hit["reason"][0]


def test_mlperf_result_per_system_is_divided_by_nodes_times_accelerators():
    got = _mlperf()
    h200 = _one(got.rows, result_id="5.1-0001", scenario="offline")
    assert (h200["gpu"], h200["gpu_count"], h200["parallelism"]) == ("H200", 8, "1x8")
    assert h200["output_tokens_per_s_per_gpu"] == pytest.approx(34864.2 / 8)
    assert (h200["input_tokens"], h200["output_tokens"], h200["total_tokens_per_s_per_gpu"]) == (None, None, None)
    assert h200["benchmark"] == "mlperf-inference-v5.1:llama2-70b-99" and h200["model_size_b"] == 70.0
    assert "mean 293.7 generated tokens per sample" in h200["detail"]
    gb200 = _one(got.rows, result_id="5.1-0002")
    assert (gb200["gpu_count"], gb200["parallelism"], gb200["precision"]) == (72, "18x4", "fp4")
    assert gb200["output_tokens_per_s_per_gpu"] == pytest.approx(13886.0 / 72)


def test_mlperf_float_accelerator_count_and_accuracy_suffix():
    server = _one(_mlperf().rows, result_id="5.1-0001", scenario="server")
    assert (server["gpu_count"], server["model_name"], server["canonical_model"]) == (8, "llama2-70b-99.9", None)
    preview = _one(_mlperf().rows, result_id="5.1-0012")
    assert (preview["variant"], preview["gpu_count"], preview["scenario"]) == ("availability=preview", 16, "server")


def test_mlperf_entries_it_cannot_use_are_excluded_or_rejected_with_the_reason():
    got = _mlperf()
    assert (got.entries, got.rows.height, len(got.rejects)) == (14, 4, 10)
    assert _why(got, "5.1-0003") == ("excluded", "performance in 'Queries/s', not tokens per second")
    assert _why(got, "5.1-0004") == ("excluded", "performance in 'Latency (ms)', not tokens per second")
    assert _why(got, "5.1-0005") == ("excluded", "no accelerator: a CPU-only system (INTEL(R) XEON(R) 6787P)")
    assert _why(got, "5.1-0006")[1] == "mixed accelerators in one system: no single GPU to attribute the rate to"
    assert "UsedModel 'llama3_1-70b-fp8_dyn'" in _why(got, "5.1-0007")[1]
    assert _why(got, "5.1-0008") == ("excluded", "weight precision not stated or unknown ('UNSET')")
    assert _why(got, "5.1-0009")[1].startswith("accelerator '[MAXSUN] MS-Intel Arc Pro B60 Dual 48G Turbo' is not in")
    assert _why(got, "5.1-0010")[1].startswith("model 'mistral-9x9b' is not in pipeline/throughput/models.csv")
    assert _why(got, "5.1-0011")[0] == "rejected" and "not a number: 'n/a'" in _why(got, "5.1-0011")[1]
    assert _why(got, "5.1-0013") == ("rejected", "fields ['Nodes'] missing")


def test_mlperf_refuses_what_is_not_a_summary():
    with pytest.raises(SourceFormatError, match="expected a JSON list"):
        mlperf_inference.parse(b'{"ID": "5.1-0001"}', OBSERVED)
    with pytest.raises(SourceFormatError, match="no object has the fields"):
        mlperf_inference.parse(b'[{"ID": "x"}]', OBSERVED)


def test_inferencex_aggregated_rows_count_tp_gpus_not_tp_times_ep():
    got = _inferencex()
    h200 = _one(got.rows, gpu="H200", variant="spec=none")
    assert (h200["gpu_count"], h200["parallelism"], h200["concurrency"]) == (8, "TP8", 64)
    assert (h200["output_tokens_per_s_per_gpu"], h200["total_tokens_per_s_per_gpu"]) == (234.5, 469.2)
    assert (h200["measured_on"], h200["scenario"], h200["framework"]) == (date(2026, 5, 17), "online", "sglang")
    ep = _one(got.rows, gpu="B200")
    assert (ep["gpu_count"], ep["parallelism"], ep["output_tokens_per_s_per_gpu"]) == (8, "TP8,EP8", 450.5)
    mtp = _one(got.rows, gpu="H200", variant="spec=mtp")
    assert mtp["output_tokens_per_s_per_gpu"] == 252.7


def test_inferencex_disaggregated_output_is_spread_over_all_gpus():
    row = _one(_inferencex().rows, gpu="MI355X")
    # 300 tok/s per decode GPU x 8 decode GPUs / 24 GPUs
    assert (row["gpu_count"], row["output_tokens_per_s_per_gpu"], row["total_tokens_per_s_per_gpu"]) == (24, 100.0, 500.0)
    assert row["parallelism"] == "disagg prefill 2x[TP8,EP8,DPA]=16 decode 1x[TP8,EP8,DPA]=8"
    assert (row["variant"], row["input_tokens"], row["output_tokens"]) == ("spec=none,disagg", 8192, 1024)


def test_inferencex_rejects_broken_counts_and_rows_without_the_output_split():
    got = _inferencex()
    assert (got.entries, got.rows.height, len(got.rejects)) == (7, 4, 3)
    kind, reason = _why(got, "gb200 dynamo-trt")
    assert kind == "rejected"
    assert "prefill/decode GPU counts 36/36 do not reproduce tput_per_gpu (2287.5 vs 903.0)" in reason
    assert _why(got, "mi355x sglang")[1] == \
        "output_tput_per_gpu / input_tput_per_gpu missing: the output share is unknown"
    assert _why(got, "tpu9") == ("excluded", "accelerator 'tpu9' is not in pipeline/throughput/gpu_names.csv")


def test_inferencex_refuses_a_raw_vllm_result_and_other_shapes():
    with pytest.raises(SourceFormatError, match="raw vLLM benchmark_serving result"):
        inferencex.parse(b'{"date": "20260216-125302", "output_throughput": 342.2, "max_concurrency": 16}', OBSERVED)
    with pytest.raises(SourceFormatError, match="no row has the fields"):
        inferencex.parse(b'[{"hardware": "h200"}]', OBSERVED)
