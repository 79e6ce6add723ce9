"""SemiAnalysis InferenceX: nightly serving benchmarks of open models on NVIDIA and AMD systems,
one row per hardware, framework, precision, configuration, ISL/OSL and client concurrency.

Source: https://inferencex.semianalysis.com/api/v1/benchmarks?model=DeepSeek-R1-0528 (no key; the
dashboard's own API). Rows are re-run continually: each row carries its run `date` and GitHub
Actions `run_url`; a response lists the latest run of each configuration.

Quirks:
- metrics.tput_per_gpu is INPUT + OUTPUT tokens/s per GPU over all the GPUs of the run.
- Disaggregated rows (disagg true) split GPUs into prefill and decode pools: input_tput_per_gpu is
  per PREFILL GPU and output_tput_per_gpu per DECODE GPU. Output per GPU over all GPUs is
  output_tput_per_gpu x decode GPUs / all GPUs. The counts are checked against the identity
  tput_per_gpu = (input x prefill GPUs + output x decode GPUs) / all GPUs; rows that break it
  (some December 2025 GB200 rows with 36/36 "GPUs" and no workers) are rejected.
- Aggregated rows repeat their GPU count in num_prefill_gpu and num_decode_gpu (never add them),
  and with expert parallelism that count is TP x EP (64 for TP8 EP8 on one 8-GPU node) while the
  per-GPU metrics are over the TP GPUs: per-GPU output x TP matches concurrency x interactivity
  (tokens/s per user). The GPU count used is decode_tp.
- output_tput_per_gpu / input_tput_per_gpu are missing on some old rows: rejected (the output
  share cannot be recovered from the total).
- Latencies are in SECONDS (median_ttft, p99_tpot…); *_intvty is 1/TPOT in tokens/s per user.
- `model` is InferenceX's short id ("dsr1"), mapped in models.csv.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from pipeline.core.sources import Parsed, Rejects, Source, SourceFormatError, recorded_dir_for, utf8_text
from pipeline.throughput.rows import BadValue, number, parse_records, parser_version, resolve, row, whole

NAME = "inferencex"
URLS = ("https://inferencex.semianalysis.com/api/v1/benchmarks?model=DeepSeek-R1-0528",)
PARSER_VERSION = parser_version(NAME, 1)
REQUIRED = ("hardware", "framework", "model", "precision", "disagg", "isl", "osl", "conc", "metrics", "date")
# The disaggregated identity may be off by rounding only.
IDENTITY_TOLERANCE = 0.02


def _records(body: bytes, url: str) -> list[dict]:
    try:
        data = json.loads(utf8_text(body, url))
    except json.JSONDecodeError as exc:
        raise SourceFormatError(f"not JSON: {exc}") from None
    if isinstance(data, dict) and "output_throughput" in data:
        raise SourceFormatError("a raw vLLM benchmark_serving result, not the InferenceX API: the GPU, its count "
                                "and the input/output lengths are not in the body")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise SourceFormatError("not an InferenceX benchmarks response: expected a JSON list of rows")
    if data and not any(all(k in r for k in REQUIRED) for r in data):
        raise SourceFormatError(f"not an InferenceX benchmarks response: no row has the fields {list(REQUIRED)}")
    return data


def _pool(rec: dict, side: str) -> str:
    label = f"TP{rec.get(side + '_tp')}"
    if (rec.get(side + "_ep") or 1) > 1:
        label += f",EP{rec[side + '_ep']}"
    if rec.get(side + "_dp_attention"):
        label += ",DPA"
    return label


def _gpus(rec: dict, m: dict, key: str) -> tuple[int, float, str]:
    """(GPU count, output tok/s per GPU over all of them, parallelism label)."""
    if not rec["disagg"]:
        return whole(rec["decode_tp"]), number(m["output_tput_per_gpu"]), _pool(rec, "decode")
    prefill, decode = whole(rec["num_prefill_gpu"]), whole(rec["num_decode_gpu"])
    per_prefill, per_decode = number(m["input_tput_per_gpu"]), number(m["output_tput_per_gpu"])
    implied = (per_prefill * prefill + per_decode * decode) / (prefill + decode)
    if abs(implied / number(m["tput_per_gpu"]) - 1) > IDENTITY_TOLERANCE:
        raise BadValue(f"prefill/decode GPU counts {prefill}/{decode} do not reproduce tput_per_gpu "
                       f"({implied:.1f} vs {m['tput_per_gpu']:.1f})")
    label = (f"disagg prefill {rec.get('prefill_num_workers')}x[{_pool(rec, 'prefill')}]={prefill} "
             f"decode {rec.get('decode_num_workers')}x[{_pool(rec, 'decode')}]={decode}")
    return prefill + decode, per_decode * decode / (prefill + decode), label


def _entry(rec: dict, rejects: Rejects, rows: list[dict]) -> None:
    key = (f"{rec.get('hardware')} {rec.get('framework')} {rec.get('precision')} spec={rec.get('spec_method')} "
           f"disagg={rec.get('disagg')} {rec.get('isl')}/{rec.get('osl')} conc={rec.get('conc')} {rec.get('date')}")
    if missing := [k for k in REQUIRED if k not in rec]:
        rejects.reject(key, f"fields {missing} missing")
        return
    m = rec["metrics"] if isinstance(rec["metrics"], dict) else {}
    if "output_tput_per_gpu" not in m or "input_tput_per_gpu" not in m:
        rejects.reject(key, "output_tput_per_gpu / input_tput_per_gpu missing: the output share is unknown",
                       "metrics", m.get("tput_per_gpu"))
        return
    try:
        count, output, parallelism = _gpus(rec, m, key)
        total = number(m["tput_per_gpu"])
        isl, osl, conc = whole(rec["isl"]), whole(rec["osl"]), whole(rec["conc"])
        measured = date.fromisoformat(str(rec["date"]))
    except (BadValue, ValueError, KeyError, TypeError) as exc:
        rejects.reject(key, f"unusable row: {exc}", "metrics")
        return
    got = resolve(NAME, rejects, key, str(rec["model"]), rec["precision"], str(rec["hardware"]))
    if not got:
        return
    info, word, gpu = got
    variant = f"spec={rec.get('spec_method') or 'none'}" + (",disagg" if rec["disagg"] else "")
    detail = (f"tput_per_gpu {total:.1f} (input+output); output_tput_per_gpu {m['output_tput_per_gpu']:.1f}"
              + (" per decode GPU" if rec["disagg"] else "") + f"; image {rec.get('image')}")
    rows.append(row(str(rec["model"]), info, word, str(rec["hardware"]), gpu, count, parallelism, "online", output,
                    input_tokens=isl, output_tokens=osl, concurrency=conc, total_tokens_per_s_per_gpu=total,
                    measured_on=measured, framework=str(rec["framework"]), variant=variant,
                    result_id=rec.get("run_url"), detail=detail))


def parse(body: bytes, observed_at: datetime, url: str = URLS[0]) -> Parsed:
    return parse_records(_records(body, url), _entry)


SOURCE = Source(
    name=NAME,
    family="throughput",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=URLS,
    recorded_dir=recorded_dir_for(__file__, NAME),
    description="SemiAnalysis InferenceX: serving throughput per GPU by hardware, framework and concurrency",
)
