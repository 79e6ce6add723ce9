"""The registry frame: one row per canonical model, with where each fact came from."""

from __future__ import annotations

import polars as pl

REGISTRY_SCHEMA = {
    "canonical_model": pl.String, "name": pl.String, "developer": pl.String, "author": pl.String,
    "created": pl.Date, "context_length": pl.Int64, "hugging_face_id": pl.String, "modality": pl.String,
    "openrouter_slug": pl.String, "family": pl.String, "params_b": pl.Float64, "weights_open": pl.Boolean,
    "data_open": pl.Boolean, "code_open": pl.Boolean, "license_id": pl.String, "required": pl.Boolean,
    # openrouter | curated | openrouter+curated | a creation rule (openrouter_entry, hugging_face_entry,
    # first_party_entry, board_entry); origin_ids: the `source:id` values the entry came from.
    "origin": pl.String, "origin_ids": pl.List(pl.String), "citation": pl.String, "fetch_id": pl.String,
}
# The creation rules, in the order their candidates win when several name one model.
CREATION_RULES = ("openrouter_entry", "hugging_face_entry", "first_party_entry", "board_entry")


def empty_registry() -> pl.DataFrame:
    return pl.DataFrame(schema=REGISTRY_SCHEMA)
