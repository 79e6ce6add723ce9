"""What one fetch is: the plan a run fetches under, and the record every attempt gets.

A record has the `raw_fetch` columns (warehouse/001_core.sql); pipeline/core/fetching.py and
pipeline/core/backfill.py make one per attempt, successful or not, before anything parses it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import InitVar, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pipeline.core.archive import sha256_hex
from pipeline.core.credentials import Secret, secrets_from_env
from pipeline.core.quarters import Quarter
from pipeline.core.sources import Source

MODES = ("live", "replay", "auto", "file", "backfill")


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class FetchPlan:
    mode: str
    as_of: datetime  # naive UTC; "now" for this run
    run_id: str
    curated_dir: Path
    ingest_file: Path | None = None
    ingest_observed_at: datetime | None = None
    # For sources with several URLs: which one the ingested file stands for.
    ingest_endpoint: str | None = None
    # The tokens the sources declare, by variable name (credentials.secrets_from_env); never
    # the whole environment.
    secrets: Mapping[str, Secret] = field(default_factory=dict)
    # backfill: the quarters to rebuild, the history list (default: the curated one), and the
    # run's bounds (requests, longest wait for a rate-limit reset, pause between requests).
    backfill_quarters: tuple[Quarter, ...] = ()
    history_file: Path | None = None
    backfill_max_requests: int = 300
    backfill_max_wait_s: float = 300.0
    backfill_pause_s: float = 1.0
    # Older callers pass the environment: only the variables the discovered sources declare
    # (and GITHUB_TOKEN) are kept from it, as Secrets. New code passes `secrets`.
    env: InitVar[Mapping[str, str] | None] = None

    def __post_init__(self, env: Mapping[str, str] | None) -> None:
        if env:
            from pipeline.core.sources import discover_sources  # imports every family: only when asked

            object.__setattr__(self, "secrets", {**secrets_from_env(env, discover_sources()), **self.secrets})
        if not all(isinstance(v, Secret) for v in self.secrets.values()):
            raise TypeError("FetchPlan.secrets holds Secret values (see credentials.secrets_from_env)")
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}; expected one of {', '.join(MODES)}")
        if self.mode == "file" and (self.ingest_file is None or self.ingest_observed_at is None):
            raise ValueError("mode 'file' needs a file and an observed-at date")
        if self.mode == "backfill" and not self.backfill_quarters:
            raise ValueError("mode 'backfill' needs the quarters to rebuild")


@dataclass
class Fetched:
    record: dict
    body: bytes | None


class SourceUnavailable(Exception):
    """No usable response for a source (live mode, or auto mode with nothing to fall back to)."""

    def __init__(self, source: str, failures: list[dict]):
        self.source = source
        self.failures = failures
        details = "; ".join(f"{f['error']} ({f['url']})" for f in failures)
        super().__init__(f"source {source!r} unavailable: {details}")


def new_fetch_id(source: str, moment: datetime) -> str:
    return f"{moment:%Y%m%dT%H%M%SZ}-{source}-{uuid.uuid4().hex[:8]}"


def make_record(source: Source, plan: FetchPlan, *, fetch_id: str, url: str, mode: str,
                observed_at: datetime, endpoint: str, body: bytes | None = None, sha256: str | None = None,
                status: int | None = None, content_type: str | None = None,
                error: str | None = None, etag: str | None = None, last_modified: str | None = None,
                attempts: int | None = None, elapsed_ms: int | None = None, stale: bool = False,
                stale_reason: str | None = None, reused_fetch_id: str | None = None,
                group_id: str | None = None, page: int = 0) -> dict:
    return {
        "fetch_id": fetch_id, "source": source.name, "family": source.family, "url": url,
        "endpoint": endpoint,
        "requested_at": utcnow().isoformat(timespec="microseconds"),
        "observed_at": observed_at.isoformat(timespec="microseconds"),
        "status": status, "sha256": sha256 if sha256 else (sha256_hex(body) if body is not None else None),
        "bytes": len(body) if body is not None else None, "content_type": content_type,
        "mode": mode, "error": error, "etag": etag, "last_modified": last_modified,
        "attempts": attempts, "elapsed_ms": elapsed_ms, "stale": stale, "stale_reason": stale_reason,
        "reused_fetch_id": reused_fetch_id, "group_id": group_id or fetch_id, "page": page,
        "run_id": plan.run_id, "parser_version": source.parser_version,
    }
