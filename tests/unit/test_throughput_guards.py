"""Row guards of the throughput family: a unit slip is held back, ordinary release gains are not."""

from __future__ import annotations

import polars as pl

from pipeline.core.family import GuardContext
from pipeline.core.validate import validate
from pipeline.throughput import FAMILY, THROUGHPUT_JUMP
from pipeline.throughput.rows import frame, model_info, row


def _row(value: float, tp: int = 8, isl: int = 128) -> dict:
    return row("Llama 3.1 405B", model_info("Llama 3.1 405B"), "fp8", "H200", "H200", tp, f"TP{tp}", "offline",
               value, input_tokens=isl, output_tokens=2048, framework="TensorRT-LLM")


def test_a_figure_that_moved_x8_against_the_previous_observation_is_quarantined():
    previous = frame([_row(5348 / 8), _row(600.0, isl=1000)])
    now = frame([_row(5348.0), _row(700.0, isl=1000), _row(450.0, isl=2048)])
    checked = validate(FAMILY, now, GuardContext("trtllm_perf_overview", previous))
    assert checked.quarantined.select("rule", "input_tokens").rows() == [(THROUGHPUT_JUMP, 128)]
    assert "668.5 -> 5348.0: a x8.0 move" in checked.quarantined["detail"][0]
    # +17 % is a release gain; a key seen for the first time has nothing to compare with
    assert sorted(checked.clean["input_tokens"].to_list()) == [1000, 2048]


def test_output_above_the_stated_total_fails_the_schema_row_by_row():
    bad = frame([_row(700.0)]).with_columns(total_tokens_per_s_per_gpu=pl.lit(500.0))
    checked = validate(FAMILY, bad, GuardContext("inferencex", pl.DataFrame()))
    assert checked.quarantined["rule"].to_list() == ["schema:ThroughputObservation:output_not_above_total"]
