"""From the sequence of license text fetches to `licenses` (versions) and `license_changes`.

Pure: frames in, frames out. `fetches` holds one row per successful fetch of a license URL:
source_url, observed_at, fetch_id, version_sha256, text, text_format, title, recognised_id.
"""

from __future__ import annotations

from dataclasses import fields

import polars as pl

from pipeline.licenses.changes import classify
from pipeline.licenses.clauses import Clauses, extract

UNRECOGNISED = "unrecognised"
CLAUSE_COLUMNS = [f.name for f in fields(Clauses)]
CHANGE_SCHEMA = {"license_id": pl.String, "source_url": pl.String, "old_sha256": pl.String,
                 "new_sha256": pl.String, "previous_observed_at": pl.Datetime("us"),
                 "observed_at": pl.Datetime("us"), "fetch_id": pl.String, "material": pl.Boolean,
                 "clauses_changed": pl.String, "cosmetic_changes": pl.String, "diff": pl.String}


def spdx_lookup(spdx: pl.DataFrame) -> tuple[dict[str, tuple[bool, str]], str | None]:
    """lower-case SPDX id -> (isOsiApproved, list version); and the list version."""
    if spdx.height == 0:
        return {}, None
    version = spdx["list_version"].drop_nulls().max()
    return {lid.lower(): (bool(osi), ver) for lid, osi, ver in
            spdx.select("subject", "osi_approved", "list_version").iter_rows()}, version


def osi_status(license_id: str | None, lookup: dict, list_version: str | None) -> tuple[bool | None, str]:
    """OSI approval of a license id per the SPDX list, with the reason."""
    if list_version is None:
        return None, "the SPDX license list was not observed"
    hit = lookup.get((license_id or "").lower())
    if hit is None:
        return False, f"not on the SPDX License List {list_version}"
    return hit[0], f"SPDX License List {hit[1]}: isOsiApproved={'true' if hit[0] else 'false'}"


def _attach_ids(fetches: pl.DataFrame, urls: pl.DataFrame) -> pl.DataFrame:
    mapped = fetches.join(urls.select(pl.col("url").alias("source_url"), "license_id", "document", "citation"),
                          on="source_url", how="left")
    # A URL missing from the curated list keeps what its title says: its license, or a use policy.
    by_title = pl.when(pl.col("title").str.contains(r"(?i)\buse policy\b")).then(pl.lit("use_policy")).otherwise(
        pl.lit("license"))
    return mapped.with_columns(
        pl.coalesce("license_id", "recognised_id", pl.lit(UNRECOGNISED)).alias("license_id"),
        pl.coalesce("document", by_title).alias("document"))


def versions(fetches: pl.DataFrame, urls: pl.DataFrame, spdx: pl.DataFrame) -> pl.DataFrame:
    """One row per (URL, version): first/last seen, the text first seen, clauses, OSI status."""
    if fetches.height == 0:
        return pl.DataFrame()
    ordered = _attach_ids(fetches, urls).sort("source_url", "observed_at", "fetch_id")
    grouped = ordered.group_by("source_url", "version_sha256", maintain_order=True).agg(
        pl.col("license_id").first(), pl.col("document").first(), pl.col("citation").first(),
        pl.col("observed_at").min().alias("first_seen"), pl.col("observed_at").max().alias("last_seen"),
        pl.len().alias("fetches"), pl.col("title").first(), pl.col("text_format").first(), pl.col("text").first())
    lookup, list_version = spdx_lookup(spdx)
    extra = []
    for lid, text in grouped.select("license_id", "text").iter_rows():
        clauses = extract(text)
        osi, why = osi_status(lid, lookup, list_version)
        extra.append({**{c: getattr(clauses, c) for c in CLAUSE_COLUMNS}, "osi_approved": osi, "osi_evidence": why})
    return pl.concat([grouped, pl.DataFrame(extra, infer_schema_length=None)], how="horizontal")


def changes(fetches: pl.DataFrame, urls: pl.DataFrame) -> pl.DataFrame:
    """One row each time a URL's version differs from its previous observation."""
    rows = []
    ordered = _attach_ids(fetches, urls).sort("source_url", "observed_at", "fetch_id")
    texts = {sha: text for sha, text in ordered.select("version_sha256", "text").iter_rows()}
    for (url,), group in ordered.group_by("source_url", maintain_order=True):
        previous = None
        for rec in group.iter_rows(named=True):
            if previous is not None and rec["version_sha256"] != previous["version_sha256"]:
                old, new = previous["version_sha256"], rec["version_sha256"]
                change = classify(texts[old], texts[new], f"{old[:12]} ({previous['observed_at']:%Y-%m-%d})",
                                  f"{new[:12]} ({rec['observed_at']:%Y-%m-%d})")
                rows.append({"license_id": rec["license_id"], "source_url": url, "old_sha256": old,
                             "new_sha256": new, "previous_observed_at": previous["observed_at"],
                             "observed_at": rec["observed_at"], "fetch_id": rec["fetch_id"],
                             "material": change.material,
                             "clauses_changed": ", ".join(change.clauses_changed) or None,
                             "cosmetic_changes": ", ".join(change.cosmetic_kinds) or None, "diff": change.diff})
            previous = rec
    return pl.DataFrame(rows, schema=CHANGE_SCHEMA)
