"""Schema of the history backfill's coverage table (`ledger backfill`, pipeline/core/backfill.py)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

COVERAGE_STATUSES = ("found", "carried", "gap", "unreadable", "failed", "not_reached")


class BackfillCoverage(pa.DataFrameModel):
    """`backfill_coverage`: per quarter, source and endpoint, the commit or capture the public record
    held before the quarter's end, or why there is none (a gap is reported, never filled)."""

    quarter: str = pa.Field(str_matches=r"^\d{4}Q[1-4]$", description="Quarter label YYYYQn")
    provisional: bool = pa.Field(description="The quarter is still running")
    source: str = pa.Field(description="The source whose history this is")
    endpoint: str = pa.Field(description="The source URL the history stands for")
    kind: str = pa.Field(isin=["git", "wayback"], description="git: GitHub commits; wayback: Wayback Machine captures")
    status: str = pa.Field(isin=list(COVERAGE_STATUSES), description=(
        "found: a version from within the quarter; carried: the newest version predates the quarter; "
        "gap: none before the quarter's end; unreadable: its parser cannot read it; failed: not downloaded; "
        "not_reached: the run stopped first (request cap or rate limit)"))
    version: str = pa.Field(nullable=True, str_matches=r"^([0-9a-f]{40}|\d{14})$",
                            description="Commit sha, or capture timestamp yyyymmddhhmmss")
    observed_at: pl.Datetime = pa.Field(nullable=True,
                                        description="The commit's committer date or the capture time (UTC)")
    provenance: str = pa.Field(nullable=True, description="The commit's file URL or the capture URL")
    fetch_id: str = pa.Field(nullable=True, description="The fetch (raw_fetch.fetch_id) holding the body")
    sha256: str = pa.Field(nullable=True, description="The archived body (warehouse/raw/objects)")
    detail: str = pa.Field(nullable=True, description="Why there is no readable version, when there is none")

    class Config:
        strict = True
