"""One quarter's openness spectrum from the registry and what the license sources said by then.

Pure: frames in, a frame out. Before the SPDX list has been observed, OSI approval (half of the
rule) is unknown: only models whose weights are closed are classified then. Per model: the registry's artifact flags and license id (or, when
the registry has none, the license its model card declares), the license's OSI status on the
SPDX list observed before the quarter's end, and the clauses of the license text observed then;
then `openness.openness` decides the category.
"""

from __future__ import annotations

from dataclasses import fields

import polars as pl

from pipeline.licenses.clauses import Clauses
from pipeline.licenses.history import osi_status, spdx_lookup
from pipeline.licenses.openness import LicenseFacts, evidence, openness

SPECTRUM_SCHEMA = {
    "quarter": pl.String, "provisional": pl.Boolean, "canonical_model": pl.String, "category": pl.String,
    "weights_open": pl.Boolean, "data_open": pl.Boolean, "code_open": pl.Boolean, "license_id": pl.String,
    "license_id_source": pl.String, "card_license_id": pl.String, "osi_approved": pl.Boolean,
    "restrictions": pl.String, "license_version_sha256": pl.String, "license_source_url": pl.String,
    "artifact_citation": pl.String, "evidence": pl.String}
_CLAUSE_FIELDS = [f.name for f in fields(Clauses)]


def _card_licenses(cards: pl.DataFrame, card_map: pl.DataFrame) -> dict[str, tuple[str, str | None]]:
    """canonical model -> (repository, declared license id), from the cards read by then."""
    if cards.height == 0 or card_map.height == 0:
        return {}
    joined = card_map.join(cards.select(pl.col("subject").alias("repo_id"), "license_id"), on="repo_id", how="inner")
    return {model: (repo, lid) for model, repo, lid in
            joined.sort("repo_id").select("canonical_model", "repo_id", "license_id").iter_rows()}


def _texts(texts: pl.DataFrame) -> dict[str, dict]:
    """license id (lower case) -> the newest observed license text version's row."""
    if texts.height == 0:
        return {}
    newest = texts.sort("fetched_at", "source_url").group_by(pl.col("license_id").str.to_lowercase().alias("key"),
                                                            maintain_order=True).last()
    return {row["key"]: row for row in newest.iter_rows(named=True)}


def _facts(license_id: str | None, text: dict | None, lookup: dict, list_version: str | None) -> LicenseFacts:
    osi, why = osi_status(license_id, lookup, list_version) if license_id else (None, None)
    if text is None:
        return LicenseFacts(license_id, osi, why, {}, None if not license_id else "no license text observed")
    clauses = Clauses(**{name: text[name] for name in _CLAUSE_FIELDS})
    version = (f"{text['version_sha256'][:12]} of {text['source_url']} "
               f"(fetched {text['fetched_at']:%Y-%m-%d}, first seen {text['first_seen']:%Y-%m-%d})")
    return LicenseFacts(license_id, osi, why, clauses.restrictions(), version)


def spectrum(quarter: str, provisional: bool, models: pl.DataFrame, spdx: pl.DataFrame, texts: pl.DataFrame,
             cards: pl.DataFrame, card_map: pl.DataFrame) -> pl.DataFrame:
    lookup, list_version = spdx_lookup(spdx)
    card_ids = _card_licenses(cards, card_map)
    text_by_id = _texts(texts)
    rows = []
    for m in models.sort("canonical_model").iter_rows(named=True):
        if m["weights_open"] and list_version is None:
            continue
        repo, card_id = card_ids.get(m["canonical_model"], (None, None))
        license_id, source = m["license_id"], "registry"
        if license_id is None and card_id is not None:
            license_id, source = card_id, f"model card {repo}"
        text = text_by_id.get((license_id or "").lower())
        facts = _facts(license_id, text, lookup, list_version)
        result = openness(m["weights_open"], m["data_open"], m["code_open"], facts)
        note = m["citation"]
        if card_id is not None and card_id != license_id:
            note = f"{note}; model card {repo} declares {card_id}"
        rows.append({
            "quarter": quarter, "provisional": provisional, "canonical_model": m["canonical_model"],
            "category": result.category, "weights_open": m["weights_open"], "data_open": m["data_open"],
            "code_open": m["code_open"], "license_id": license_id, "license_id_source": source if license_id else None,
            "card_license_id": card_id, "osi_approved": facts.osi_approved,
            "restrictions": ", ".join(facts.restrictions) or None,
            "license_version_sha256": text["version_sha256"] if text else None,
            "license_source_url": text["source_url"] if text else None,
            "artifact_citation": m["citation"], "evidence": evidence(result, facts, note)})
    return pl.DataFrame(rows, schema=SPECTRUM_SCHEMA)


def unclassified_required(models: pl.DataFrame, rows: pl.DataFrame, quarter_ends: dict) -> pl.DataFrame:
    """(quarter, canonical_model, reason) for each required model released before a covered
    quarter's end without a category and evidence in it. A registry without a `required` column
    has no required list: nothing to report."""
    out = []
    if "required" not in models.columns:
        return pl.DataFrame(schema={"quarter": pl.String, "canonical_model": pl.String, "reason": pl.String})
    have = {(q, m) for q, m, c, e in rows.select("quarter", "canonical_model", "category", "evidence").iter_rows()
            if c and e}
    for m in models.filter(pl.col("required").fill_null(False)).iter_rows(named=True):
        for quarter, end in quarter_ends.items():
            released = m.get("release_date")
            if (released is None or released < end.date()) and (quarter, m["canonical_model"]) not in have:
                out.append({"quarter": quarter, "canonical_model": m["canonical_model"],
                            "reason": "no category with evidence"})
    return pl.DataFrame(out, schema={"quarter": pl.String, "canonical_model": pl.String, "reason": pl.String})
