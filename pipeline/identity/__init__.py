"""Model identity: every id a source names, mapped to one canonical model by named rules.

Pure (polars frames in, frames out; no Dagster, no warehouse I/O). docs/identity.md states the
rules, their order, the normalisation and the variant / quantization vocabulary.

Entry points:
- `openrouter_models(body)` -> the registry fields of an OpenRouter `/models` body;
- `registry_from_openrouter(models, fetch_id, observed_at)` -> one entry per OpenRouter model;
- `merge_registry(openrouter_entries, curated_models)` -> curated facts on top;
- `build_registry(openrouter_entries, curated_models, sources, curated_aliases)` -> plus the
  entries the sources create;
- `resolve(source, ids, registry, curated_aliases)` -> one row per id: canonical model or reason;
- `coverage(resolutions)` / `coverage_report(table)` -> the per-source numbers for `ledger status`;
- adapters: `ids_from_rows`, `resolve_all`, `resolve_models`, `aliases_table`, `models_table`.
"""

from pipeline.identity.adapters import aliases_table, ids_from_rows, models_table, resolve_all, resolve_models
from pipeline.identity.coverage import coverage, coverage_report
from pipeline.identity.openrouter_models import openrouter_models, registry_from_openrouter
from pipeline.identity.registry import build_registry, merge_registry
from pipeline.identity.resolve import resolve

__all__ = ["aliases_table", "build_registry", "coverage", "coverage_report", "ids_from_rows", "merge_registry",
           "models_table", "openrouter_models", "registry_from_openrouter", "resolve", "resolve_all", "resolve_models"]
