"""Hugging Face model cards: the license each model repository declares.

Source: https://huggingface.co/api/models/{repo_id} for the repositories listed in the curated
`pipeline/curated/hf_model_cards.csv` (repository -> canonical model, cited). `cardData` is the
README's YAML front matter as the Hub parses it. Public metadata needs no key, gated
repositories included; an `HF_TOKEN` environment variable is sent as a bearer token when set
(never stored). A card changes when its authors edit it: rarely for the license fields.

Quirks:
- `license` is an HF id (`apache-2.0`, `llama3.1`, `gemma`) or `other`, in which case the
  license is named by `license_name` (free text: `qwen`, `mrl`, `google-gemma-terms-of-use`)
  and linked by `license_link` (a URL, or a file in the repository such as `LICENSE`).
- Gated repositories put the license text itself in `extra_gated_prompt` (the Mistral AI
  Research License), and some re-uploads paste it into the README (the Gemma Terms of Use):
  such embedded texts are recognised by their titles (`embedded_license_id`).
- A README.md (front matter + body) is parsed too, its repository read from its URL
  (`/{org}/{name}/raw/main/README.md`); a saved API response names its repository itself
  (ingest it with `--url https://huggingface.co/api/models/{repo_id}` so that it stands for it).
- A card with no license at all is kept with an empty license_id: that is a fact about it.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

import polars as pl
import yaml

from pipeline.core.sources import Parsed, Source, SourceFormatError, recorded_dir_for
from pipeline.licenses.curated import model_card_urls
from pipeline.licenses.recognise import card_license_id, recognise
from pipeline.licenses.text import decode

PARSER_VERSION = "hf_model_cards/1"
_REPO_IN_URL = re.compile(r"/api/models/([^/?#]+/[^/?#]+)|/([^/?#]+/[^/?#]+)/(?:raw|resolve|blob)/")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)(.*)\Z", re.DOTALL)

_SCHEMA = {"kind": pl.String, "subject": pl.String, "license_id": pl.String, "license_evidence": pl.String,
           "name": pl.String, "url": pl.String, "card_license": pl.String, "embedded_license_id": pl.String,
           "gated": pl.String}


def repo_from_url(url: str) -> str | None:
    m = _REPO_IN_URL.search(url)
    return (m.group(1) or m.group(2)) if m else None


def _read(text: str, url: str) -> tuple[str, dict, list[tuple[str, str]], object, list]:
    """(repo id, card data, [(where, embedded text)], gated, tags) from an API body or a README."""
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SourceFormatError(f"not valid JSON: {exc}") from None
        repo = doc.get("id") or doc.get("modelId") or repo_from_url(url)
        card = doc.get("cardData") or {}
        if not isinstance(card, dict):
            raise SourceFormatError("'cardData' is not an object")
        embedded = [("extra_gated_prompt", card["extra_gated_prompt"])] if isinstance(
            card.get("extra_gated_prompt"), str) else []
        return repo, card, embedded, doc.get("gated"), doc.get("tags") or []
    m = _FRONT_MATTER.match(text)
    if not m:
        raise SourceFormatError("neither a Hub API JSON body nor a README with YAML front matter")
    try:
        card = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise SourceFormatError(f"README front matter is not valid YAML: {exc}") from None
    if not isinstance(card, dict):
        raise SourceFormatError("README front matter is not a mapping")
    embedded = [("extra_gated_prompt", card["extra_gated_prompt"])] if isinstance(
        card.get("extra_gated_prompt"), str) else []
    embedded.append(("README body", m.group(2)))
    return repo_from_url(url), card, embedded, None, []


def parse(body: bytes, observed_at: datetime, url: str) -> Parsed:
    repo, card, embedded, gated, tags = _read(decode(body), url)
    if not repo:
        raise SourceFormatError(f"cannot tell which repository this card is ({url})")
    value = card.get("license")
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else ", ".join(map(str, value))
    if not value:
        value = next((t.split(":", 1)[1] for t in tags if isinstance(t, str) and t.startswith("license:")), None)
    name = card.get("license_name")
    license_id, how = card_license_id(str(value) if value else None, str(name) if name else None)
    embedded_id, where, title = None, None, None
    for where_, text in embedded:
        embedded_id, title = recognise(text, anywhere=True)
        if embedded_id:
            where = where_
            break
    if embedded_id:
        how += f"; embedded text in {where}: '{title}' -> {embedded_id}"
        license_id = license_id or embedded_id
    row = {"kind": "card", "subject": repo, "license_id": license_id, "license_evidence": how,
           "name": str(name) if name else None, "url": card.get("license_link"),
           "card_license": str(value) if value else None, "embedded_license_id": embedded_id,
           "gated": None if gated is None else str(gated).lower()}
    return Parsed(pl.DataFrame([row], schema=_SCHEMA), entries=1)


SOURCE = Source(
    name="hf_model_cards",
    family="licenses",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=model_card_urls,
    auth_env="HF_TOKEN",
    recorded_dir=recorded_dir_for(__file__, "hf_model_cards"),
    description="Hugging Face model cards: each tracked repository's declared license",
)
