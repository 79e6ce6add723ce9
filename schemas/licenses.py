"""Schemas for licenses: what the three license sources return, and the published tables
`licenses`, `license_changes` and `openness_spectrum`."""

from __future__ import annotations

from typing import Optional

import pandera.polars as pa
import polars as pl

KINDS = ("text", "spdx", "card")
TEXT_FORMATS = ("plain", "markdown", "html")
DOCUMENTS = ("license", "use_policy")
CATEGORIES = ("fully_closed", "open_weight_restricted", "open_weight_permissive", "fully_open")
SHA256 = r"^[0-9a-f]{64}$"


class LicenseObservation(pa.DataFrameModel):
    """One statement about a license as a source makes it: a text, an SPDX entry or a card license.

    `kind` says which: a license text at a URL (`text`), an entry of the SPDX license list
    (`spdx`), or a model card's declared license (`card`). Columns a kind does not use are left
    out or empty."""

    kind: str = pa.Field(isin=list(KINDS), description="text / spdx / card")
    subject: str = pa.Field(str_length={"min_value": 1},
                            description="What is observed: the license URL, the SPDX id, or the HF repository id")
    license_id: Optional[str] = pa.Field(nullable=True, description="The license id the observation names "
                                         "(recognised from the text's title, the SPDX id, the card's license)")
    license_evidence: Optional[str] = pa.Field(nullable=True, description="How license_id was read")
    name: Optional[str] = pa.Field(nullable=True, description="Title of the text / SPDX name / card license_name")
    url: Optional[str] = pa.Field(nullable=True, description="SPDX reference page / card license_link")
    text: Optional[str] = pa.Field(nullable=True, description="The license text as served (HTML reduced to text)")
    text_format: Optional[str] = pa.Field(nullable=True, isin=list(TEXT_FORMATS), description="plain / markdown / html")
    version_sha256: Optional[str] = pa.Field(nullable=True, str_matches=SHA256,
                                             description="sha256 of the text with whitespace normalised")
    osi_approved: Optional[bool] = pa.Field(nullable=True, description="SPDX isOsiApproved")
    fsf_libre: Optional[bool] = pa.Field(nullable=True, description="SPDX isFsfLibre (absent = not listed as libre)")
    deprecated: Optional[bool] = pa.Field(nullable=True, description="SPDX isDeprecatedLicenseId")
    list_version: Optional[str] = pa.Field(nullable=True, description="SPDX licenseListVersion")
    card_license: Optional[str] = pa.Field(nullable=True, description="The card's `license` value, verbatim")
    embedded_license_id: Optional[str] = pa.Field(nullable=True,
                                                  description="License recognised in text embedded in the card")
    gated: Optional[str] = pa.Field(nullable=True, description="HF gating: false / auto / manual")

    @pa.dataframe_check(name="text_rows_have_text")
    @classmethod
    def _text_rows_have_text(cls, data: pa.PolarsData) -> pl.LazyFrame:
        frame = data.lazyframe
        names = frame.collect_schema().names()
        if "text" not in names or "version_sha256" not in names:
            return frame.select((pl.col("kind") != "text").alias("ok"))
        return frame.select(((pl.col("kind") != "text")
                             | (pl.col("text").is_not_null() & pl.col("version_sha256").is_not_null())).alias("ok"))

    class Config:
        strict = True
        coerce = False


def _clause(description: str) -> pa.Field:
    return pa.Field(nullable=True, description=description)


def _evidence(clause: str) -> pa.Field:
    return pa.Field(nullable=True, description=f"The passage the {clause} answer was read from")


class License(pa.DataFrameModel):
    """`licenses`: one row per distinct text version of a license document at a URL."""

    license_id: str = pa.Field(description="License id (SPDX id, or the ledger's slug: llama3.1, gemma, mrl…)")
    document: str = pa.Field(isin=list(DOCUMENTS), description="license, or a use policy it incorporates")
    source_url: str = pa.Field(description="Where the text was fetched")
    version_sha256: str = pa.Field(str_matches=SHA256, description="sha256 of the whitespace-normalised text")
    first_seen: pl.Datetime = pa.Field(description="First observation of this version at this URL (UTC)")
    last_seen: pl.Datetime = pa.Field(description="Last observation of this version at this URL (UTC)")
    fetches: int = pa.Field(ge=1, description="Observations of this version")
    title: str = pa.Field(nullable=True, description="The text's title line")
    text_format: str = pa.Field(nullable=True, isin=list(TEXT_FORMATS), description="plain / markdown / html")
    text: str = pa.Field(str_length={"min_value": 1}, description="The text as first seen (original whitespace)")
    commercial_use: bool = _clause("Commercial use allowed (None: the text neither grants nor limits it)")
    commercial_use_evidence: str = _evidence("commercial use")
    mau_threshold: int = pa.Field(nullable=True, gt=0, description="Monthly active users above which a separate "
                                  "license is needed", metadata={"unit": "monthly active users"})
    mau_threshold_evidence: str = _evidence("user threshold")
    attribution_required: bool = pa.Field(description="Attribution or naming requirement")
    attribution_evidence: str = _evidence("attribution")
    aup_by_reference: bool = pa.Field(description="An acceptable/prohibited use policy incorporated by reference")
    aup_evidence: str = _evidence("use policy")
    non_commercial: bool = pa.Field(description="Non-commercial or research-only grant")
    non_commercial_evidence: str = _evidence("non-commercial")
    restricts_output_use: bool = pa.Field(description="Terms on using outputs to improve other models")
    output_use_terms: str = pa.Field(nullable=True, isin=["prohibited", "conditions"],
                                     description="prohibited, or allowed under conditions (e.g. naming)")
    output_use_evidence: str = _evidence("output use")
    redistribution_conditions: bool = pa.Field(description="Conditions on redistribution")
    redistribution_evidence: str = _evidence("redistribution")
    use_restrictions: bool = pa.Field(description="Restricted uses listed or incorporated")
    use_restrictions_evidence: str = _evidence("use restrictions")
    osi_approved: bool = _clause("OSI-approved per the newest SPDX license list (None: list not observed)")
    osi_evidence: str = pa.Field(nullable=True, description="Which SPDX list said so, or that the id is not on it")
    citation: str = pa.Field(nullable=True, description="Citation of the URL in the curated license list")

    class Config:
        strict = False


class LicenseChange(pa.DataFrameModel):
    """`license_changes`: a URL's text changed between two consecutive observations."""

    license_id: str = pa.Field(description="License id of the URL")
    source_url: str = pa.Field(description="The URL whose text changed")
    old_sha256: str = pa.Field(str_matches=SHA256, description="Version before the change")
    new_sha256: str = pa.Field(str_matches=SHA256, description="Version after the change")
    previous_observed_at: pl.Datetime = pa.Field(description="Last observation of the old version (UTC)")
    observed_at: pl.Datetime = pa.Field(description="First observation of the new version (UTC)")
    fetch_id: str = pa.Field(description="The fetch that saw the new version")
    material: bool = pa.Field(description="A clause changed (what the license allows), not only its form")
    clauses_changed: str = pa.Field(nullable=True, description="Clauses that read differently, comma-separated")
    cosmetic_changes: str = pa.Field(nullable=True, description="urls, formatting, dates, names")
    diff: str = pa.Field(str_length={"min_value": 1}, description="Unified diff of the two texts")

    class Config:
        strict = False


class OpennessSpectrum(pa.DataFrameModel):
    """`openness_spectrum`: per quarter, each registry model's openness category with its evidence."""

    quarter: str = pa.Field(str_matches=r"^\d{4}Q[1-4]$", description="Quarter label YYYYQn")
    provisional: bool = pa.Field(description="The quarter is still running")
    canonical_model: str = pa.Field(description="Canonical model id")
    category: str = pa.Field(isin=list(CATEGORIES), description="fully_closed / open_weight_restricted / "
                             "open_weight_permissive / fully_open")
    weights_open: bool = pa.Field(description="Weights publicly downloadable (registry)")
    data_open: bool = pa.Field(description="Training data public (registry)")
    code_open: bool = pa.Field(description="Training code public (registry)")
    license_id: str = pa.Field(nullable=True, description="The model's license id")
    license_id_source: str = pa.Field(nullable=True, description="registry, or the model card it was read from")
    card_license_id: str = pa.Field(nullable=True, description="The license the model's card declares, if read")
    osi_approved: bool = pa.Field(nullable=True, description="The license's OSI approval on the SPDX list then")
    restrictions: str = pa.Field(nullable=True, description="Clauses that restrict use, comma-separated")
    license_version_sha256: str = pa.Field(nullable=True, description="The license text version read")
    license_source_url: str = pa.Field(nullable=True, description="Where that version was fetched")
    artifact_citation: str = pa.Field(nullable=True, description="Citation of the registry's artifact flags")
    evidence: str = pa.Field(str_length={"min_value": 1}, description="Why: license facts and artifact flags, cited")

    class Config:
        strict = False
