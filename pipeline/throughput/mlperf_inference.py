"""MLPerf Inference results: every audited submission of a round, one JSON object per system,
benchmark and scenario, with its measured performance.

Source: https://raw.githubusercontent.com/mlcommons/inference_results_v<round>/main/summary_results.json
(one repository per round; MLCommons publishes two rounds a year and never edits a round's
results after publication). Each round is its own endpoint here: a new round adds measurements,
it does not replace the earlier round's.

Quirks:
- Performance_Result is for the whole SYSTEM: Nodes x `a#` accelerators (up to 18 nodes of 4
  GB200 GPUs). Divided here by that count. For the LLM benchmarks "Tokens/s" counts generated
  (output) tokens, so the figure is output tokens/s per GPU; no total is stated.
- Units differ by benchmark and scenario: "Tokens/s" is used; "Queries/s" (llama3.1-8b
  Interactive), "Samples/s" (vision, recommendation) and "Latency (ms)" (SingleStream) are not
  tokens per second and are excluded with the unit.
- `a#` is an int (v5.1) or a float like 8.0 (v4.1); "" with a blank Accelerator is a CPU-only
  system (excluded). An Accelerator listing two parts ("MI300X (x32), MI325X (x16)") is a mixed
  cluster: no single GPU to attribute the rate to (excluded).
- weight_data_types is free text (fp8, fp4, "UNSET", "INT8"…): "UNSET" is excluded.
- Open-division results may change the model (UsedModel differs from Model: llama3_1-70b run for
  the llama2-70b task, pruned or fine-tuned 405B) or the method: excluded as not comparable.
- No input/output lengths: each benchmark is a fixed dataset (llama2-70b: OpenOrca, …). They are
  left empty and the benchmark id is kept; the Accuracy text's TOKENS_PER_SAMPLE (mean generated
  tokens per sample in the accuracy run) goes into `detail`.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from pipeline.core.sources import Parsed, Rejects, Source, SourceFormatError, recorded_dir_for, utf8_text
from pipeline.throughput.rows import BadValue, number, parse_records, parser_version, resolve, row, whole

NAME = "mlperf_inference"
# One URL per round. v4.1's summary is only on its repository's pull-request branch (refs/pull/2):
# read at that commit (a round's results are never edited after publication).
URLS = ("https://raw.githubusercontent.com/mlcommons/inference_results_v4.1/1e5a50f0619832da57f1425c19a8ec3607eee91d"
        "/summary_results.json",
        "https://raw.githubusercontent.com/mlcommons/inference_results_v5.1/main/summary_results.json")
PARSER_VERSION = parser_version(NAME, 1)
TOKENS = "tokens/s"
SCENARIOS = {"Offline": "offline", "Server": "server", "Interactive": "interactive"}
REQUIRED = ("ID", "Model", "Scenario", "Accelerator", "a#", "Nodes", "Performance_Result", "Performance_Units")
_TOKENS_PER_SAMPLE = re.compile(r"TOKENS_PER_SAMPLE:\s*([0-9.]+)")
_MIXED = re.compile(r"\(x\d+\)")


def _records(body: bytes, url: str) -> list[dict]:
    try:
        data = json.loads(utf8_text(body, url))
    except json.JSONDecodeError as exc:
        raise SourceFormatError(f"not JSON: {exc}") from None
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise SourceFormatError("not a summary_results.json: expected a JSON list of result objects")
    if data and not any(all(k in r for k in REQUIRED) for r in data):
        raise SourceFormatError(f"not a summary_results.json: no object has the fields {list(REQUIRED)}")
    return data


def _entry(rec: dict, rejects: Rejects, rows: list[dict]) -> None:
    model, scenario, units = str(rec.get("Model", "")), str(rec.get("Scenario", "")), str(rec.get("Performance_Units"))
    key = f"{rec.get('ID')} {model} {scenario}"
    accelerator = str(rec.get("Accelerator") or "").strip()
    if missing := [k for k in REQUIRED if k not in rec]:
        rejects.reject(key, f"fields {missing} missing")
    elif units.lower() != TOKENS:
        rejects.exclude(key, f"performance in {units!r}, not tokens per second", "Performance_Units", units)
    elif str(rec.get("Category", "")).lower() == "open":
        used = rec.get("UsedModel")
        rejects.exclude(key, f"open division: the model or method may be changed (UsedModel {used!r}), "
                             "not comparable", "Category", "open")
    elif not accelerator:
        rejects.exclude(key, f"no accelerator: a CPU-only system ({rec.get('Processor')})", "Accelerator", "")
    elif _MIXED.search(accelerator):
        rejects.exclude(key, "mixed accelerators in one system: no single GPU to attribute the rate to",
                        "Accelerator", accelerator)
    elif scenario not in SCENARIOS:
        rejects.exclude(key, f"scenario {scenario!r} is not a throughput scenario", "Scenario", scenario)
    else:
        _measurement(rec, key, model, accelerator, rejects, rows)


def _measurement(rec: dict, key: str, model: str, accelerator: str, rejects: Rejects, rows: list[dict]) -> None:
    try:
        gpus = whole(rec["Nodes"]) * whole(rec["a#"])
        total = number(rec["Performance_Result"])
    except BadValue as exc:
        rejects.reject(key, f"Nodes, a# or Performance_Result unusable: {exc}", "Performance_Result",
                       rec.get("Performance_Result"))
        return
    got = resolve(NAME, rejects, key, model, rec.get("weight_data_types"), accelerator)
    if not got:
        return
    info, word, gpu = got
    m = _TOKENS_PER_SAMPLE.search(str(rec.get("Accuracy") or ""))
    notes = [f"{total:g} output tok/s for {rec['Nodes']} node(s) x {rec['a#']} = {gpus} accelerators",
             f"system {rec.get('System')}"]
    if m:
        notes.append(f"mean {m.group(1)} generated tokens per sample (accuracy run)")
    rows.append(row(model, info, word, accelerator, gpu, gpus, f"{whole(rec['Nodes'])}x{whole(rec['a#'])}",
                    SCENARIOS[rec["Scenario"]], total / gpus, framework=(rec.get("Software") or None),
                    benchmark=f"mlperf-inference-{rec.get('version', '?')}:{model}",
                    variant=f"availability={rec.get('Availability')}", result_id=str(rec["ID"]),
                    detail="; ".join(notes)))


def parse(body: bytes, observed_at: datetime, url: str = URLS[-1]) -> Parsed:
    return parse_records(_records(body, url), _entry)


SOURCE = Source(
    name=NAME,
    family="throughput",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=URLS,
    recorded_dir=recorded_dir_for(__file__, NAME),
    description="MLPerf Inference results per round: LLM tokens/s per system, divided per accelerator",
)
