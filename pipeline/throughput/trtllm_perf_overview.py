"""NVIDIA TensorRT-LLM's performance overview: measured output tokens/s by model, GPU, precision,
parallelism and input/output length, as Markdown tables.

Source: https://raw.githubusercontent.com/NVIDIA/TensorRT-LLM/main/docs/source/developer-guide/perf-overview.md
(Apache-2.0; formerly docs/source/performance/perf-overview.md, before that docs/source/performance.md).
It changes with releases (a few times a year); its git history is the record of past versions.

Three layouts, told apart by their tables, each converted here to output tokens/s PER GPU:
- long (v0.5–v0.9, 2023–2024): one table per "### <GPU> GPUs (<PRECISION>)" section, columns
  Model, Batch Size, "TP (1)", Input Length, Output Length, "Throughput (out tok/s/GPU)" (already
  per GPU). Numbers carry thousands commas; blank all-pipe rows separate models. The "## Low
  Latency" block holds "1st Token Latency (ms)" at batch 1: not throughput, excluded row by row.
  v0.6.1 heads some tables "Throughput (out tok/s)" without "/GPU": rows at TP1 are per GPU
  either way; rows at TP > 1 are rejected as ambiguous.
- wide per system (v1.0, 2025): one table per model heading, rows "ISL/OSL" such as 128/2048,
  columns "B200<br/>TP1 (FP4)" (GPU, parallelism, precision in one header). The stated metric is
  "Total Output Throughput (tokens/sec)" of the whole TPn x PPm group: divided here by the GPU
  count. The RTX 6000 Pro tables follow a bare caption line naming the GPU and head their
  columns "**4 GPUs**<br/>TP2,PP2 (FP4)".
- wide per GPU (developer guide, late 2025 on): the same tables, metric "Output Throughput per
  GPU (tokens/sec/GPU)", each table followed by "unit: `output tokens per second per GPU`";
  parallelism labels DEP4/DEP8 (attention data-parallel + expert-parallel over N GPUs) and
  "TP1,PP2"; the RTX tables name their GPU in the heading ("LLaMA v3.3 70B - RTX 6000 Pro …").
An empty cell means "not measured" and is excluded. The v0.17–v0.20 layout (header rows "GPU:",
"TP Size", "ISL, OSL") is refused as a whole, naming it.
"""

from __future__ import annotations

import math
import re
from datetime import datetime

from pipeline.core.sources import Parsed, Rejects, Source, SourceFormatError, recorded_dir_for, utf8_text
from pipeline.throughput import markdown
from pipeline.throughput.rows import BadValue, frame, number, parser_version, resolve, row, whole

NAME = "trtllm_perf_overview"
URL = "https://raw.githubusercontent.com/NVIDIA/TensorRT-LLM/main/docs/source/developer-guide/perf-overview.md"
PARSER_VERSION = parser_version(NAME, 1)
WIDE_FIRST_COLUMN = "sequence length (isl/osl)"
_GPU_SECTION = re.compile(r"^(?P<gpu>.+?)\s+GPUs\s*\((?P<precision>[A-Za-z0-9]+)\)")
_WIDE_COLUMN = re.compile(r"^(?P<head>.+?)<br\s*/?>\s*(?P<par>[A-Z]+\d+(?:\s*,\s*[A-Z]+\d+)*)"
                          r"\s*\((?P<precision>[A-Za-z0-9]+)\)$")
_GPUS = re.compile(r"^\**\s*(?P<n>\d+)\s+GPUs?\s*\**$", re.I)
_DEGREE = re.compile(r"[A-Z]+(\d+)")
_METRIC = re.compile(r"reported metric is `([^`]+)`", re.I)
_VERSION = re.compile(r"(?:generated using version|updated for|data is from TensorRT-LLM)\s+v?(\d+(?:\.\d+)+)", re.I)


def _framework(notes: list[str]) -> str:
    versions = [m.group(1) for n in notes if (m := _VERSION.search(n))]
    return f"TensorRT-LLM {versions[-1]}" if versions else "TensorRT-LLM"


def _long(table: markdown.Table, rejects: Rejects, rows: list[dict]) -> int:
    """A v0.9-style table: one row per model and configuration."""
    cols = {name.lower(): i for i, name in enumerate(table.header)}
    find = {k: next((i for n, i in cols.items() if n.startswith(k)), None)
            for k in ("model", "batch size", "tp", "input length", "output length", "throughput", "1st token latency")}
    section = table.heading(3) or ""
    entries = 0
    for line, cells in table.rows:
        if not any(cells):
            continue  # the blank row between two models
        entries += 1
        key = f"line {line}: {section} | {' | '.join(cells[:3])}"
        if find["throughput"] is None:
            rejects.exclude(key, f"latency table ({table.header[-1]}), not throughput", table.header[-1], cells[-1])
            continue
        m = _GPU_SECTION.match(section)
        if not m:
            rejects.reject(key, f"no '### <GPU> GPUs (<precision>)' heading above this table (found {section!r})")
            continue
        try:
            tp, batch = whole(cells[find["tp"]]), whole(cells[find["batch size"]])
            isl, osl = whole(cells[find["input length"]]), whole(cells[find["output length"]])
            value = number(cells[find["throughput"]])
        except (BadValue, IndexError, TypeError) as exc:
            rejects.reject(key, f"unreadable cell: {exc}", "row", " | ".join(cells))
            continue
        unit = table.header[find["throughput"]]
        if "/gpu" not in unit.lower() and tp > 1:
            rejects.reject(key, f"'{unit}' says neither per GPU nor per system, and TP is {tp}", "throughput", value)
            continue
        model = cells[find["model"]]
        got = resolve(NAME, rejects, key, model, m.group("precision"), m.group("gpu"))
        if got:
            info, prec, gpu = got
            rows.append(row(model, info, prec, m.group("gpu"), gpu, tp, f"TP{tp}", "offline", value,
                            input_tokens=isl, output_tokens=osl, batch_size=batch,
                            framework=_framework(table.notes), detail=f"long layout, {unit}"))
    return entries


def _metric(text: str, table: markdown.Table) -> str:
    """'per_gpu' or 'per_system' for a wide table: its own unit line, else the document's stated metric."""
    stated = (table.unit or "").lower() or next((m.group(1).lower() for m in _METRIC.finditer(text)), "")
    if "per gpu" in stated or "tokens/sec/gpu" in stated:
        return "per_gpu"
    if stated.startswith("total output throughput"):
        return "per_system"
    raise SourceFormatError(f"line {table.line}: wide throughput table, but the metric is not stated "
                            f"per GPU or as a total (found {stated or 'nothing'!r})")


def _column(text: str, model_heading: str, caption: str | None) -> tuple[str, int, str, str]:
    """(GPU name, GPU count, parallelism, precision word) from 'B200<br/>TP1 (FP4)' or '**4 GPUs**<br/>TP2,PP2 (FP4)'."""
    m = _WIDE_COLUMN.match(text.strip())
    if not m:
        raise BadValue(f"column header {text!r} is not '<GPU><br/><parallelism> (<precision>)'")
    parallelism = re.sub(r"\s+", "", m.group("par"))
    count = math.prod(int(d) for d in _DEGREE.findall(parallelism))
    head = m.group("head").strip()
    if g := _GPUS.match(head):
        named = model_heading.split(" - ", 1)[1].strip() if " - " in model_heading else caption
        if not named:
            raise BadValue(f"column {text!r} counts GPUs but no heading or caption names the GPU")
        if int(g.group("n")) != count:
            raise BadValue(f"column {text!r}: {g.group('n')} GPUs but {parallelism} spans {count}")
        return named, count, parallelism, m.group("precision")
    return head, count, parallelism, m.group("precision")


def _wide(text: str, table: markdown.Table, rejects: Rejects, rows: list[dict]) -> int:
    metric = _metric(text, table)
    heading = table.heading() or ""
    model = heading.split(" - ", 1)[0].strip()
    entries = 0
    for index, header in enumerate(table.header[1:], start=1):
        try:
            gpu_name, count, parallelism, word = _column(header, heading, table.caption)
        except BadValue as exc:
            n = len(table.rows)
            entries += n
            rejects.reject(f"line {table.line}: {model} | {header}", f"{exc}; its {n} cells left out", "header", header)
            continue
        for line, cells in table.rows:
            entries += 1
            key = f"line {line}: {model} | {gpu_name} {parallelism} ({word}) | {cells[0]}"
            raw = cells[index] if index < len(cells) else ""
            if not raw:
                rejects.exclude(key, "not measured (empty cell)")
                continue
            try:
                isl, osl = (whole(x) for x in cells[0].split("/"))
                value = number(raw)
            except (BadValue, ValueError) as exc:
                rejects.reject(key, f"unreadable ISL/OSL or value: {exc}", "cell", raw)
                continue
            got = resolve(NAME, rejects, key, model, word, gpu_name)
            if not got:
                continue
            info, prec, gpu = got
            per_gpu = value / count if metric == "per_system" else value
            detail = (f"wide layout: {raw} output tok/s for the {count}-GPU system / {count}" if metric == "per_system"
                      else "wide layout, output tok/s per GPU")
            rows.append(row(model, info, prec, gpu_name, gpu, count, parallelism, "offline", per_gpu,
                            input_tokens=isl, output_tokens=osl, framework=_framework(table.notes), detail=detail))
    return entries


def parse(body: bytes, observed_at: datetime, url: str = URL) -> Parsed:
    text = utf8_text(body, url)
    found = markdown.tables(text)
    if any(t.header and t.header[0].strip().lower() in ("gpu:", "gpu") for t in found):
        raise SourceFormatError("the v0.17-v0.20 layout (header rows 'GPU:', 'TP Size', 'ISL, OSL') is not supported")
    rejects, rows, entries, used = Rejects(), [], 0, 0
    for table in found:
        first = table.header[0].strip().lower() if table.header else ""
        if first == WIDE_FIRST_COLUMN:
            entries += _wide(text, table, rejects, rows)
        elif first == "model" and any(h.lower().startswith(("throughput", "1st token latency")) for h in table.header):
            entries += _long(table, rejects, rows)
        else:
            continue  # command and variable tables of the reproduction section
        used += 1
    if not used:
        raise SourceFormatError("no throughput table in a known layout (long 'Model | Batch Size | …' "
                                "or wide 'Sequence Length (ISL/OSL) | <GPU><br/><TP> (<precision>)')")
    return Parsed(frame(rows), rejects.frame(), entries=entries)


SOURCE = Source(
    name=NAME,
    family="throughput",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=(URL,),
    recorded_dir=recorded_dir_for(__file__, NAME),
    description="TensorRT-LLM performance overview: output tokens/s per GPU by model, GPU, precision, TP and ISL/OSL",
)
