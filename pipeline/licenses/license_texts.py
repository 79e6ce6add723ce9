"""License texts by URL: the Llama community licenses and acceptable use policies, the Qwen and
Tongyi Qianwen agreements, the Gemma Terms of Use, the Mistral AI Research License, Apache-2.0,
MIT and the BigScience RAIL license.

Source: the curated list `pipeline/curated/license_urls.csv` (URL -> license id, cited). The
texts change rarely (a new model generation brings a new file; a terms page is revised every
year or so), and each change is what `license_changes` records.

Quirks:
- Three formats: plain text (GitHub raw files), Markdown (USE_POLICY.md, MRL-0.1.md, the Llama
  3.3 license with `**` emphasis and escaped `1\\.`) and HTML (the Gemma terms page, reduced
  here to its article text; page navigation and scripts are not part of the terms).
- The BigScience RAIL file starts with a UTF-8 byte-order mark; some files use CRLF line endings.
  Neither makes a new version: the version hash is taken on whitespace-normalised text.
- Qwen's files have spaces in their paths (`Tongyi%20Qianwen%20LICENSE%20AGREEMENT`).
- A body too short to be a license (an error page served with HTTP 200) is quarantined by the
  `license_text_too_short` guard rather than recorded as a new version.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from pipeline.core.sources import Parsed, Source, SourceFormatError, recorded_dir_for
from pipeline.licenses.curated import license_url_list
from pipeline.licenses.recognise import recognise
from pipeline.licenses.text import decode, html_to_text, looks_like_html, version_sha256

PARSER_VERSION = "license_texts/1"
MARKDOWN_HINTS = ("**", "](", "\n# ", "\n## ", "\\.")

_SCHEMA = {"kind": pl.String, "subject": pl.String, "license_id": pl.String, "license_evidence": pl.String,
           "name": pl.String, "text": pl.String, "text_format": pl.String, "version_sha256": pl.String}


def text_format(text: str, url: str) -> str:
    if looks_like_html(text):
        return "html"
    if url.lower().endswith(".md") or text.startswith("# ") or any(h in text for h in MARKDOWN_HINTS):
        return "markdown"
    return "plain"


def parse(body: bytes, observed_at: datetime, url: str) -> Parsed:
    raw = decode(body)
    fmt = text_format(raw, url)
    text = html_to_text(raw) if fmt == "html" else raw.strip("\n")
    if not text.strip():
        raise SourceFormatError(f"no text in the {fmt} body ({len(body)} bytes)")
    license_id, title = recognise(text)
    first_line = next((line.strip() for line in text.split("\n") if line.strip()), "")
    row = {"kind": "text", "subject": url, "license_id": license_id,
           "license_evidence": f"title: {title}" if title else "no known license title in the first lines",
           "name": (title or first_line)[:200], "text": text, "text_format": fmt,
           "version_sha256": version_sha256(text)}
    return Parsed(pl.DataFrame([row], schema=_SCHEMA), entries=1)


SOURCE = Source(
    name="license_texts",
    family="licenses",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=license_url_list,
    recorded_dir=recorded_dir_for(__file__, "license_texts"),
    description="License texts (Llama, Gemma, Qwen, Mistral, Apache-2.0, MIT, BigScience RAIL) archived by URL",
)
