"""The curated lists behind the license sources: which license URLs to archive (and which license
each one is), and which Hugging Face model cards to read (and which canonical model each one is).

`license_urls.csv`: url, license_id, document (license / use_policy), observed_on, citation.
`hf_model_cards.csv`: repo_id, canonical_model, observed_on, citation.
URLs may be written with spaces (the Qwen license files have them in their paths); they are
percent-encoded here, so both spellings name the same URL.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import polars as pl

from pipeline.core.curated import CuratedError, read_curated
from schemas.curated import DOCUMENTS, CuratedLicenseUrl, CuratedModelCard

LICENSE_URLS_FILE = "license_urls.csv"
MODEL_CARDS_FILE = "hf_model_cards.csv"
HF_API = "https://huggingface.co/api/models/"
__all__ = ["DOCUMENTS", "canonical_url", "load_license_urls", "load_model_cards", "license_url_list",
           "model_card_urls"]


def canonical_url(url: str) -> str:
    """Spaces and other unsafe characters percent-encoded; existing escapes kept."""
    return quote(url.strip(), safe=":/?#[]@!$&'()*+,;=%~")


def load_license_urls(curated_dir: Path) -> pl.DataFrame:
    path = Path(curated_dir) / LICENSE_URLS_FILE
    frame = read_curated(path, CuratedLicenseUrl)
    frame = frame.with_columns(pl.col("url").map_elements(canonical_url, pl.String))
    dupes = frame.filter(pl.col("url").is_duplicated())["url"].unique().to_list()
    if dupes:
        raise CuratedError(f"{path}: URL listed twice: {dupes}")
    return frame


def load_model_cards(curated_dir: Path) -> pl.DataFrame:
    path = Path(curated_dir) / MODEL_CARDS_FILE
    frame = read_curated(path, CuratedModelCard)
    dupes = frame.filter(pl.col("repo_id").is_duplicated())["repo_id"].unique().to_list()
    if dupes:
        raise CuratedError(f"{path}: repository listed twice: {dupes}")
    return frame


def license_url_list(curated_dir: Path) -> list[str]:
    return load_license_urls(curated_dir)["url"].to_list()


def model_card_urls(curated_dir: Path) -> list[str]:
    return [HF_API + repo for repo in load_model_cards(curated_dir)["repo_id"].to_list()]
