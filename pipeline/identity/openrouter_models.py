"""OpenRouter's model list as the registry's backbone: one registry entry per routed model.

Source: the same body `pipeline/prices/openrouter.py` parses for prices
(https://openrouter.ai/api/v1/models): `name`, `created` (Unix seconds), `context_length`,
`hugging_face_id`, `architecture.modality` and `canonical_slug`.

Registry facts are read from a body (`openrouter_models`) or, in a refresh, from the price
parser's rows (`model_facts` is shared: the rows carry `created`, `hugging_face_id`, `modality`
and `canonical_slug`), each id's newest observation version cited to its own response.

Quirks:
- Variants are ids with a `:suffix` (`:free`, `:batch`, `:thinking`): one entry for the model,
  the variant's facts only when the plain id is absent (then the name loses its " (free)").
- `hugging_face_id` is null, "" or an `org/name` repo id; only the last links a repo.
- `~author/…-latest` ids are floating aliases and `openrouter/…` ids are routers: no entry.
- `name` carries the developer's display prefix ("Anthropic: Claude Opus 4"); the developer is
  that prefix, else the id's author.
- Older captures lack `created`, `hugging_face_id` or `architecture`: left empty, never guessed.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import polars as pl

from pipeline.identity.developers import display_of
from pipeline.identity.registry_schema import REGISTRY_SCHEMA, empty_registry
from pipeline.identity.id_parts import openrouter_parts

URL = "https://openrouter.ai/api/v1/models"
MODEL_FIELDS = {"id": pl.String, "name": pl.String, "created": pl.Int64, "context_length": pl.Int64,
                "hugging_face_id": pl.String, "modality": pl.String, "canonical_slug": pl.String}
_VARIANT_NAME = re.compile(r"\s*\((free|batch|thinking|beta|extended|nitro)\)\s*$", re.I)
_HF_REPO = re.compile(r"^[\w.-]+/[\w.-]+$")


class OpenRouterBodyError(ValueError):
    """The body is not an OpenRouter model list."""


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def model_facts(model: dict) -> dict:
    """The registry fields of one `/models` entry (the price parser keeps them on its rows too)."""
    arch = model.get("architecture") if isinstance(model.get("architecture"), dict) else {}
    hf = _text(model.get("hugging_face_id"))
    return {"name": _text(model.get("name")), "created": _int(model.get("created")),
            "context_length": _int(model.get("context_length")),
            "hugging_face_id": hf if hf and _HF_REPO.match(hf) else None,
            "modality": _text(arch.get("modality")), "canonical_slug": _text(model.get("canonical_slug"))}


def openrouter_models(body: bytes) -> pl.DataFrame:
    """The registry fields of every model in a `/models` body (one row per id, variants included)."""
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise OpenRouterBodyError(f"{URL}: not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise OpenRouterBodyError(f"{URL}: expected a JSON object with a 'data' list of models")
    rows = [{"id": model["id"].strip(), **model_facts(model)} for model in doc["data"]
            # the price parser rejects entries without an id, with the reason; no identity without one
            if isinstance(model, dict) and _text(model.get("id"))]
    return pl.DataFrame(rows, schema=MODEL_FIELDS)


def _created(seconds: int | None):
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, tz=timezone.utc).date()


def _citation(url: str, observed_at: datetime | None, fetch_id: str | None) -> str:
    when = f"{observed_at:%Y-%m-%d}" if observed_at else "undated"
    return f"{url} (fetched {when}{', fetch ' + fetch_id if fetch_id else ''})"


def registry_from_openrouter(models: pl.DataFrame, fetch_id: str | None = None,
                             observed_at: datetime | None = None, url: str = URL) -> pl.DataFrame:
    """One registry entry per OpenRouter model (variants folded into their model), cited to the fetch.
    `models` may carry its own `fetch_id`, `observed_at` and `url` per row (ids read from the
    observation versions of several responses): each entry is then cited to its own response."""
    entries: dict[str, dict] = {}
    # Plain ids first, so that a variant only supplies an entry its model lacks.
    for row in sorted(models.iter_rows(named=True), key=lambda r: (":" in r["id"], r["id"])):
        parts = openrouter_parts(row["id"])
        if parts.exclusion:
            continue
        canonical = f"{parts.namespace}/{parts.name}" if parts.namespace else parts.name
        if canonical in entries:
            continue
        fetch = row.get("fetch_id", fetch_id)
        name = _VARIANT_NAME.sub("", row["name"] or "") or None
        author = canonical.split("/", 1)[0]
        prefix = name.split(": ", 1)[0] if name and ": " in name else None
        entries[canonical] = {
            "canonical_model": canonical, "name": name, "developer": prefix or display_of(author), "author": author,
            "created": _created(row["created"]), "context_length": row["context_length"],
            "hugging_face_id": row["hugging_face_id"], "modality": row["modality"],
            "openrouter_slug": row["canonical_slug"], "origin": "openrouter", "origin_ids": [f"openrouter:{row['id']}"],
            "citation": _citation(row.get("url") or url, row.get("observed_at", observed_at), fetch),
            "fetch_id": fetch}
    if not entries:
        return empty_registry()
    return pl.DataFrame(list(entries.values()), schema=REGISTRY_SCHEMA, strict=False).sort("canonical_model")
