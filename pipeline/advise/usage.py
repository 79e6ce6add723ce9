"""A usage export -> requests per month and the token mix (`ledger advise --usage FILE`). Pure.

Accepted files: CSV with a header, JSON Lines (one object a line), or JSON (an array of objects,
or an OpenAI Usage API page). Column names, first match wins (docs/advise.md cites each):

- input tokens: `prompt_tokens` (LiteLLM spend logs, OpenAI Chat Completions `usage`),
  `input_tokens` (OpenAI Usage API buckets, Responses API `usage`);
- output tokens: `completion_tokens`, `output_tokens`;
- time: `startTime` (LiteLLM), `start_time` (OpenAI Usage API bucket, Unix seconds), `created`
  (Chat Completions, Unix seconds), `created_at` (Responses API), `timestamp`; ISO 8601 text or
  Unix seconds; `end_time` (a bucket's end) extends the period covered;
- requests per row: `num_model_requests` (OpenAI Usage API: a row is a bucket of requests), else 1.

An object's nested `usage` object is read as its own columns; an OpenAI Usage API bucket's
`results` are rows that share the bucket's `start_time`/`end_time`. A row that cannot be used
(a missing, negative or fractional token count, an unreadable time) is counted and named, with
where it is and why, never dropped silently; a file with no usable row is refused.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ALIASES = {"input_tokens": ("prompt_tokens", "input_tokens"), "output_tokens": ("completion_tokens", "output_tokens"),
           "time": ("startTime", "start_time", "created", "created_at", "timestamp"), "end": ("end_time",),
           "requests": ("num_model_requests",)}
MAX_LISTED = 20  # bad rows named in the answer (all are counted)
HOURS_PER_DAY = 24


class UsageError(ValueError):
    """A usage file that gives no usable row: names the file and what is wrong."""


@dataclass
class _Row:
    where: str
    input_tokens: int
    output_tokens: int
    requests: int
    start: datetime
    end: datetime


def _records(body: str, path: Path) -> tuple[str, list[tuple[str, object]]]:
    """(format, [(where, record)]) of a file, records as parsed (dicts, or errors as text)."""
    stripped = body.lstrip()
    if path.suffix.lower() == ".csv" or not stripped.startswith(("{", "[")):
        reader = csv.DictReader(io.StringIO(body))
        out = []
        for record in reader:
            out.append((f"line {reader.line_num}", record))
        return "csv", out
    try:
        whole = json.loads(body)
    except ValueError:
        whole = None
    if isinstance(whole, list):
        return "json", [(f"item {i + 1}", r) for i, r in enumerate(whole)]
    if isinstance(whole, dict) and isinstance(whole.get("data"), list):
        return "json", [(f"data[{i}]", r) for i, r in enumerate(whole["data"])]
    out = []
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append((f"line {number}", json.loads(line)))
        except ValueError as exc:
            out.append((f"line {number}", f"not a JSON object ({exc.msg})"))
    return "jsonl", out


def _flatten(where: str, record) -> list[tuple[str, object]]:
    """A record as flat rows: a nested `usage` merged in, a bucket's `results` spread out."""
    if not isinstance(record, dict):
        return [(where, record if isinstance(record, str) else "not an object")]
    if isinstance(record.get("results"), list):
        shared = {k: record[k] for k in ("start_time", "end_time") if k in record}
        return [(f"{where}.results[{i}]", {**shared, **r} if isinstance(r, dict) else "not an object")
                for i, r in enumerate(record["results"])]
    if isinstance(record.get("usage"), dict):
        record = {**record, **record["usage"]}
    return [(where, record)]


def _pick(record: dict, role: str) -> tuple[str | None, object]:
    for name in ALIASES[role]:
        if name in record and record[name] not in (None, ""):
            return name, record[name]
    return None, None


def _count(value, name: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name} is not a number ({value!r})")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} is not a number ({value!r})") from None
    if not math.isfinite(number) or number < 0 or not number.is_integer():
        raise ValueError(f"{name} must be a whole number of at least 0, not {value!r}")
    return int(number)


def _time(value, name: str) -> datetime:
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool) or \
                (isinstance(value, str) and value.strip().replace(".", "", 1).isdigit()):
            return datetime.fromtimestamp(float(value), tz=timezone.utc).replace(tzinfo=None)
        moment = datetime.fromisoformat(str(value).strip())
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"{name} is not an ISO 8601 time or Unix seconds ({value!r})") from None
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def _row(where: str, record, used: dict) -> _Row:
    if not isinstance(record, dict):
        raise ValueError(str(record))
    values = {}
    for role in ("input_tokens", "output_tokens", "time"):
        name, value = _pick(record, role)
        if name is None:
            raise ValueError(f"no {role.replace('_', ' ')} ({' / '.join(ALIASES[role])})")
        used.setdefault(role, name)
        values[role] = _time(value, name) if role == "time" else _count(value, name)
    name, requests = _pick(record, "requests")
    requests = _count(requests, name) if name else 1
    end_name, end = _pick(record, "end")
    end = _time(end, end_name) if end_name else values["time"]
    return _Row(where, values["input_tokens"], values["output_tokens"], requests, values["time"], max(end, values["time"]))


def _p95(values: list[int]) -> int:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def read_usage(path: Path, hours_per_month: float) -> dict:
    """What a usage file says about volume and mix (docs/advise.md): requests per month, mean and
    p95 tokens per request, and every row it could not use."""
    path = Path(path)
    try:
        body = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    fmt, records = _records(body, path)
    good, bad, used = [], [], {}
    for where, record in records:
        for spot, flat in _flatten(where, record):
            try:
                good.append(_row(spot, flat, used))
            except ValueError as exc:
                bad.append({"where": spot, "reason": str(exc)})
    if not good:
        listed = "; ".join(f"{b['where']}: {b['reason']}" for b in bad[:3]) or "no rows"
        raise UsageError(f"{path}: no usable row ({len(bad)} bad: {listed})")
    requests = sum(r.requests for r in good)
    if requests < 1:
        raise UsageError(f"{path}: the usable rows count no request")
    first, last = min(r.start for r in good), max(r.end for r in good)
    days = max(1, math.ceil((last - first).total_seconds() / 86400))
    singles = [r for r in good if r.requests == 1]
    exact = len(singles) == len(good)
    return {
        "file": str(path), "format": fmt, "columns": used, "rows": len(good) + len(bad), "rows_used": len(good),
        "bad_rows": len(bad), "bad": bad[:MAX_LISTED], "requests": requests,
        "first": first.isoformat(sep=" "), "last": last.isoformat(sep=" "), "days": days,
        "hours_per_month": hours_per_month,
        "requests_per_month": whole(requests * hours_per_month / HOURS_PER_DAY / days),
        "mean_input_tokens": sum(r.input_tokens for r in good) / requests,
        "mean_output_tokens": sum(r.output_tokens for r in good) / requests,
        "p95_input_tokens": _p95([r.input_tokens for r in singles]) if exact else None,
        "p95_output_tokens": _p95([r.output_tokens for r in singles]) if exact else None,
        "p95_note": None if exact else "rows that aggregate several requests (num_model_requests) hide per-request "
                                       "sizes: no p95",
    }


def whole(x: float) -> int:
    """A mean token count as the whole tokens the answer prices (halves round up)."""
    return int(math.floor(x + 0.5))
