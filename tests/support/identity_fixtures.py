"""Small hand-made inputs for the identity tests: an OpenRouter body, curated rows, source ids."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from pipeline.identity.openrouter_models import openrouter_models, registry_from_openrouter
from pipeline.prices.registry import ALIASES_SCHEMA, MODELS_SCHEMA
from tests.conftest import FIXTURES

OPENROUTER_BODY = FIXTURES / "identity" / "openrouter_models.json"


def openrouter_entries() -> pl.DataFrame:
    models = openrouter_models(OPENROUTER_BODY.read_bytes())
    return registry_from_openrouter(models, "fetch-1", datetime(2026, 8, 19))


def curated_models(*extra: dict) -> pl.DataFrame:
    rows = [
        {"canonical_model": "meta-llama/llama-3.3-70b-instruct", "display_name": "Llama 3.3 70B Instruct",
         "developer": "Meta", "family": "Llama 3.3", "release_date": date(2024, 12, 6), "params_b": 70.0,
         "weights_open": True, "data_open": False, "code_open": False, "license_id": "llama3.3",
         "required": False, "citation": "https://huggingface.co/meta-llama/Llama-3.3-70B-Instruct"},
        {"canonical_model": "eleutherai/pythia-12b", "display_name": "Pythia 12B", "developer": "EleutherAI",
         "family": "Pythia", "release_date": date(2023, 2, 13), "params_b": 12.0, "weights_open": True,
         "data_open": True, "code_open": True, "license_id": "Apache-2.0", "required": True,
         "citation": "https://huggingface.co/EleutherAI/pythia-12b"},
        *extra,
    ]
    return pl.DataFrame(rows, schema=MODELS_SCHEMA)


def curated_aliases(*rows: tuple[str, str, str]) -> pl.DataFrame:
    return pl.DataFrame([{"source": s, "source_model_id": m, "canonical_model": c, "citation": "test"}
                         for s, m, c in rows], schema=ALIASES_SCHEMA)


def ids(*pairs: tuple[str, str | None]) -> pl.DataFrame:
    """(source_model_id, provider) pairs as an ids frame."""
    return pl.DataFrame([{"source_model_id": m, "provider": p} for m, p in pairs],
                        schema={"source_model_id": pl.String, "provider": pl.String})


def names(*models: str) -> pl.DataFrame:
    return pl.DataFrame({"source_model_id": list(models)}, schema={"source_model_id": pl.String})
