"""Open LLM Leaderboard v2 (Hugging Face): open-weight models on six benchmarks, one harness.

Source: the datasets-server rows API over the dataset `open-llm-leaderboard/contents`, 100 rows
per page (its maximum), followed page by page until a short or empty page or `num_rows_total`,
with a pause between pages. No key. The leaderboard was archived in 2025, so the data is frozen.

Quirks:
- Each benchmark comes twice: `<name> Raw` (0–1 accuracy) and `<name>` (0–100 rescaled above
  the random-guess baseline). The score here is the raw accuracy (comparable with other
  sources); the leaderboard's rescaled value is kept as `source_normalised`.
- Column names carry emoji (`Average ⬆️`, `Hub ❤️`, `CO₂ cost (kg)`); `Hub License` is the
  license the model's Hub page declares.
- The model's name sits inside an HTML `<a>` in `Model`; `fullname` has it plain when present.
- The same model is listed once per precision (bfloat16, float16…); the best is kept.
- The dataset's CSV export (pandas) has the same columns plus an unnamed index column first;
  this parser reads both the API's JSON pages and that CSV.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import datetime
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from pipeline.benchmarks.rows import BadValue, keep_best, number, parsed, scored_row
from pipeline.core.sources import Parsed, Rejects, Source, SourceFormatError, recorded_dir_for, utf8_text

PAGE_LENGTH = 100
URL = ("https://datasets-server.huggingface.co/rows?dataset=open-llm-leaderboard%2Fcontents"
       f"&config=default&split=train&offset=0&length={PAGE_LENGTH}")
PARSER_VERSION = "open_llm_leaderboard/1"
BENCHMARKS = ("IFEval", "BBH", "MATH Lvl 5", "GPQA", "MUSR", "MMLU-PRO")
_ANCHOR = re.compile(r"<a\b[^>]*>(.*?)</a>", re.S | re.I)
_TAGS = re.compile(r"<[^>]+>")


def model_name(row: dict) -> str:
    """The model's repo id: `fullname`, or the text of the first <a> in `Model`."""
    full = (row.get("fullname") or "").strip()
    if full:
        return full
    cell = str(row.get("Model") or "")
    m = _ANCHOR.search(cell)
    return html.unescape(_TAGS.sub("", m.group(1) if m else cell)).strip()


def parse(body: bytes, observed_at: datetime, url: str = URL) -> Parsed:
    text = utf8_text(body)
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SourceFormatError(f"not valid JSON: {exc}") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("rows"), list):
            raise SourceFormatError("expected the rows API's object with a 'rows' list")
        records = [(f"rows[{i}]", r.get("row") if isinstance(r, dict) else None) for i, r in enumerate(doc["rows"])]
    else:
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "Model" not in reader.fieldnames:
            raise SourceFormatError("expected the rows API JSON or the leaderboard's CSV export (no 'Model' column)")
        records = [(f"line {i}", r) for i, r in enumerate(reader, start=2)]
    return _rows(records)


def _rows(records: list[tuple[str, dict | None]]) -> Parsed:
    rows, rejects = [], Rejects()
    for where, rec in records:
        if not isinstance(rec, dict):
            rejects.reject(where, "row is not an object")
            continue
        missing = [b for b in BENCHMARKS if f"{b} Raw" not in rec]
        if missing:
            raise SourceFormatError(f"{where}: no raw column for {missing}: the leaderboard's layout changed")
        name = model_name(rec)
        if not name:
            rejects.reject(where, "no model name in 'fullname' or 'Model'", "Model", rec.get("Model"))
            continue
        for bench in BENCHMARKS:
            try:
                raw = number(rec.get(f"{bench} Raw"))
            except BadValue as exc:
                rejects.reject(name, f"{where}: {bench} Raw {exc}", f"{bench} Raw", rec.get(f"{bench} Raw"))
                continue
            try:
                normalised = number(rec.get(bench))
            except BadValue:
                normalised = None
            rows.append(scored_row(name, bench, raw, "fraction", source_normalised=normalised,
                                   evaluated_at=_date(rec.get("Submission Date"))))
    best = keep_best(rows, rejects, "the model is listed again (another precision or revision)")
    return parsed(best, rejects, len(records))


def _date(value: object) -> datetime | None:
    try:
        return datetime.strptime(str(value or "")[:10], "%Y-%m-%d")
    except ValueError:
        return None


def next_page(body: bytes, url: str) -> str | None:
    """The next page's URL, or None after a short or empty page or the last row."""
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceFormatError(f"page is not JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("rows"), list):
        raise SourceFormatError("page has no 'rows' list")
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    offset = int(query.get("offset", 0))
    length = int(query.get("length", PAGE_LENGTH))
    got = len(doc["rows"])
    total = doc.get("num_rows_total")
    if got < length or (isinstance(total, int) and offset + got >= total):
        return None
    query["offset"] = str(offset + got)
    return urlunsplit(parts._replace(query=urlencode(query)))


SOURCE = Source(
    name="open_llm_leaderboard",
    family="benchmarks",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=(URL,),
    next_page=next_page,
    # The datasets-server is a shared free service: one page a second is polite.
    page_delay_s=1.0,
    max_pages=100,
    recorded_dir=recorded_dir_for(__file__, "open_llm_leaderboard"),
    description="Open LLM Leaderboard v2: IFEval, BBH, MATH Lvl 5, GPQA, MUSR, MMLU-PRO for open-weight models",
)
