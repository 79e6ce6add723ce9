"""The formats the synthetic sources are grown in: one function per source format.

Each takes the newest bundled response of a URL (a small body in the source's real format) and
returns a body of the same format holding as many entries, or as many bytes, as the real
response has at the given scale. See synth.py for how they are put together.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass

from pipeline.core.sources import Source

# The real responses, from the public samples described in ../shared/real-sources/SOURCES.md.
# Lists of entries are grown to the real number of entries (the bundled entries are shorter
# than the real ones, so bytes would overstate the work); CSV, zip and pages to the real bytes.
REAL_ENTRIES = {
    "openrouter": 414,                        # api/v1/models, 2026-08-19 (1.07 MB)
    "litellm": 2_472,                         # model_prices_and_context_window.json, 2026-02-02 (1.1 MB)
    "lmarena_prices": 141,                    # scatterplot-data.json, 2025-12-17
    "lmarena": 7_461,                         # leaderboard-text.json, 2025-12-11: 29 categories (each file)
    "aider/polyglot_leaderboard.yml": 69,     # 2025-10-04
    "aider/edit_leaderboard.yml": 98,         # 2024-12-22
    "spdx": 699,                              # licenses.json v3.27.0
}
# "estimate" where no whole response was sampled.
REAL_BYTES = {
    "epoch": 406_373,                         # the zip's CSVs: runs, three external files, model versions
    "skypilot/aws": 3_650_000, "skypilot/gcp": 2_200_000, "skypilot/lambda": 74_000,  # whole files
    "skypilot/runpod": 9_814, "skypilot/azure": 1_000_000,  # azure: estimate
    "modal_pricing_page": 156_523, "anthropic_pricing_page": 909_106,
    "openai_pricing_page": 300_000, "google_gemini_pricing_page": 300_000,  # estimates
}
# Paged sources: entries at 1× and entries per page.
REAL_ROWS = {"open_llm_leaderboard": (459, 100),   # official-providers subset of the contents dataset
             "azure_retail_prices": (1_000, 1_000)}  # one page of the API (sample of 2026-08-22)
@dataclass(frozen=True)
class Body:
    url: str
    group: str
    body: bytes


def _suffix(text: str, n: int) -> str:
    return f"{text}-syn{n}" if n else text


def _grow(entries: list, total: int, rename) -> list:
    """`total` entries: the template's, then copies renamed with their copy number."""
    out = []
    for i in range(total):
        n, j = divmod(i, len(entries))
        out.append(entries[j] if n == 0 else rename(copy.deepcopy(entries[j]), n))
    return out


def _moved(key: str, drift: int) -> float:
    """The price factor of `key` after `drift` quarters: about one price in ten moves each quarter."""
    factor = 1.0
    for q in range(1, drift + 1):
        h = hashlib.sha256(f"{key}/{q}".encode()).digest()
        if h[0] < 26:
            factor *= 1.04 if h[1] % 2 else 0.96
    return factor


def _scaled_price(value, key: str, drift: int):
    if not drift or value in (None, "", 0, "0"):
        return value
    moved = float(value) * _moved(key, drift)
    return f"{moved:.12g}" if isinstance(value, str) else moved


def _target(template: bytes, key: str, scale: float) -> float:
    """How many times the template's bytes make the real response's bytes at `scale`."""
    return max(1.0, REAL_BYTES[key] * scale / max(len(template), 1))


def _count(key: str, scale: float) -> int:
    return max(1, round(REAL_ENTRIES[key] * scale))


def _fill(entries: list[dict], real_bytes: int, scale: float, field: str) -> None:
    """Give each entry a `field` of filler text so the list weighs what the real one does (real
    entries carry descriptions and metadata the parsers skip, but the JSON parser still reads)."""
    have = sum(len(json.dumps(e)) for e in entries)
    extra = int((real_bytes * scale - have) / max(len(entries), 1))
    if extra > 20:
        text = ("A model description as the provider writes it, with its strengths and limits. " * 64)[:extra]
        for e in entries:
            e[field] = text


def _json(doc) -> bytes:
    return json.dumps(doc, indent=1, ensure_ascii=False).encode()


def openrouter(t: bytes, scale: float, drift: int) -> bytes:
    doc = json.loads(t)

    def rename(m, n):
        m["id"] = _suffix(m["id"], n)
        m["canonical_slug"] = m["id"]
        return m
    doc["data"] = _grow(doc["data"], _count("openrouter", scale), rename)
    _fill(doc["data"], 1_068_546, scale, "description")
    for m in doc["data"]:
        for field in ("prompt", "completion", "input_cache_read", "input_cache_write"):
            if field in m.get("pricing", {}):
                m["pricing"][field] = _scaled_price(m["pricing"][field], m["id"], drift)
    return _json(doc)


def litellm(t: bytes, scale: float, drift: int) -> bytes:
    doc = json.loads(t)
    items = [(k, v) for k, v in doc.items() if k != "sample_spec"]
    grown = _grow(items, _count("litellm", scale), lambda kv, n: (_suffix(kv[0], n), kv[1]))
    out = {"sample_spec": doc["sample_spec"]} if "sample_spec" in doc else {}
    for key, entry in grown:
        entry = dict(entry)
        for field in ("input_cost_per_token", "output_cost_per_token"):
            if field in entry and isinstance(entry[field], (int, float)):
                entry[field] = _scaled_price(entry[field], key, drift)
        out[key] = entry
    _fill(list(out.values()), 1_101_038, scale, "source")
    return _json(out)


def lmarena_prices(t: bytes, scale: float, drift: int) -> bytes:
    def rename(m, n):
        m["model_api_name"], m["name"] = _suffix(m["model_api_name"], n), _suffix(m["name"], n)
        return m
    rows = json.loads(t)
    return _json(_grow(rows, _count("lmarena_prices", scale), rename))


def lmarena(t: bytes, scale: float, drift: int) -> bytes:
    doc = json.loads(t)
    flat = [(c, m, v) for c, models in doc.items() for m, v in models.items()]
    grown = _grow(flat, _count("lmarena", scale), lambda e, n: (e[0], _suffix(e[1], n), e[2]))
    out: dict = {}
    for c, m, v in grown:
        out.setdefault(c, {})[m] = v
    return _json(out)


def aider(t: bytes, scale: float, url: str) -> bytes:
    import yaml

    runs = yaml.safe_load(t)
    key = "aider/" + url.rsplit("/", 1)[-1]
    grown = _grow(runs, _count(key, scale), lambda r, n: {**r, "model": _suffix(r["model"], n)})
    return yaml.safe_dump(grown, sort_keys=False, allow_unicode=True).encode()


def _csv_rows(text: str) -> tuple[list[str], list[dict]]:
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), list(reader)


def _csv_text(header: list[str], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def epoch(t: bytes, scale: float, drift: int) -> bytes:
    from pipeline.benchmarks.epoch import build_archive

    factor = _target(t, "epoch", scale)
    members = {}
    with zipfile.ZipFile(io.BytesIO(t)) as archive:
        for info in archive.infolist():
            raw = archive.read(info)
            bom = raw.startswith(b"\xef\xbb\xbf")
            header, rows = _csv_rows(raw.decode("utf-8-sig"))
            names = [c for c in ("model", "Model version", "Model") if c in header]

            def rename(r, n, names=names):
                return {**r, **{c: _suffix(r[c], n) for c in names if r.get(c)}}
            grown = _grow(rows, round(len(rows) * factor), rename) if rows else rows
            members[info.filename] = (b"\xef\xbb\xbf" if bom else b"") + _csv_text(header, grown).encode()
    return build_archive(members)


def skypilot(t: bytes, scale: float, url: str) -> bytes:
    cloud = url.split("/catalogs/")[1].split("/")[1]
    header, rows = _csv_rows(t.decode("utf-8-sig"))
    copies = round(_target(t, f"skypilot/{cloud}", scale))
    out = []
    for n in range(copies):  # whole copies: a region's VM and accelerator rows stay together
        for r in rows:
            zone = {"AvailabilityZone": _suffix(r["AvailabilityZone"], n)} if r.get("AvailabilityZone") else {}
            out.append({**r, "Region": _suffix(r["Region"], n), **zone})
    return _csv_text(header, out).encode()


def spdx(t: bytes, scale: float, drift: int) -> bytes:
    doc = json.loads(t)
    doc["licenses"] = _grow(doc["licenses"], _count("spdx", scale),
                            lambda lic, n: {**lic, "licenseId": _suffix(lic["licenseId"], n)})
    return _json(doc)


def pad_html(t: bytes, key: str, scale: float) -> bytes:
    """Inert markup before </body> up to the target size: what fills a real page around its prices."""
    target = int(REAL_BYTES[key] * scale)
    filler = (b'<div class="nav-item"><a href="/docs/section">Documentation</a> '
              b'<span class="hint">Product details, terms and footnotes.</span></div>\n')
    need = max(0, target - len(t))
    padding = b'<div class="synthetic-padding" hidden>\n' + filler * (need // len(filler)) + b"</div>\n"
    at = t.rfind(b"</body>")
    return t[:at] + padding + t[at:] if at >= 0 else t + padding


def paged(source: Source, template: bytes, url: str, scale: float) -> list[Body]:
    """Pages of a paged source, each chained to the next by the source's own next_page."""
    total_1x, per_page = REAL_ROWS[source.name]
    total = round(total_1x * scale)
    doc = json.loads(template)
    if isinstance(doc, list):  # a saved copy of the API's items (the seed's shape): the API's envelope
        doc = {"BillingCurrency": "USD", "CustomerEntityId": "Default", "CustomerEntityType": "Retail",
               "Items": doc, "NextPageLink": None, "Count": len(doc)}
    if source.name == "azure_retail_prices":
        items = _grow(doc["Items"], total, lambda i, n: {**i, "armRegionName": _suffix(i["armRegionName"], n),
                                                         "meterId": _suffix(i.get("meterId", "m"), n)})
        key = "Items"
    else:
        def rename(r, n):
            row = dict(r["row"])
            for c in ("eval_name", "fullname"):
                row[c] = _suffix(row[c], n)
            row["Model"] = row["Model"].replace("</a>", f"-syn{n}</a>", 1)
            return {"row_idx": 0, "row": row, "truncated_cells": []}
        items = _grow(doc["rows"], total, rename)
        key = "rows"
    out, page_url = [], url
    pages = [items[i:i + per_page] for i in range(0, len(items), per_page)]
    for p, chunk in enumerate(pages):
        body = dict(doc, **{key: chunk})
        if key == "rows":
            body.update(num_rows_total=len(items))
            for i, r in enumerate(chunk):
                r["row_idx"] = p * per_page + i
        else:
            body["NextPageLink"] = f"{url}&$skip={(p + 1) * per_page}" if p + 1 < len(pages) else None
        data = _json(body)
        out.append(Body(page_url, url, data))
        page_url = source.next_page(data, page_url)
    return out
