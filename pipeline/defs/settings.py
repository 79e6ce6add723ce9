"""The one place a refresh's settings and their defaults are declared.

`RefreshSettings` is the run config of the `refresh_plan` asset, the first step of every refresh:
the UI's launchpad shows it, the quarterly schedule uses its defaults, and `ledger refresh`
(pipeline/app/cli.py) maps its options onto it field by field.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

import dagster as dg
from pydantic import Field

from pipeline.core.paths import CURATED_DIR
from pipeline.core.plan import PlanInputs, PlanError
from pipeline.core.quarters import Quarter


def parse_time(value: str | None, what: str) -> datetime | None:
    """An ISO date or date-time as naive UTC."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        raise PlanError(f"{what}: not an ISO date or date-time: {value!r}") from None


def parse_quarter(value: str | None, what: str) -> Quarter | None:
    if not value:
        return None
    try:
        return Quarter.parse(value)
    except ValueError as exc:
        raise PlanError(f"{what}: {exc}") from None


class RefreshSettings(dg.Config):
    """What a refresh does."""

    mode: Literal["live", "replay", "auto", "file", "backfill"] = Field(
        default="auto", description="live: internet only; replay: bundled recorded responses only; auto: live, "
                                    "falling back per source to the newest archived or bundled response; file: "
                                    "ingest a local copy of one source's response; backfill: past versions from "
                                    "the public record.")
    quarters: list[str] = Field(
        default_factory=list, description="Recompute these quarters (YYYYQn). Default: the running quarter, the one "
                                          "before, and every quarter with new observations (all after a change of "
                                          "code, curated files or assumptions).")
    only: list[str] = Field(default_factory=list,
                            description="Fetch only these sources (snapshots, marts and publication still run).")
    curated_dir: str | None = Field(default=None, description="Directory of curated CSV files "
                                                              "(default: pipeline/curated).")
    assumptions_file: str | None = Field(default=None,
                                         description="YAML file overriding part of the assumptions (a what-if run).")
    as_of: str | None = Field(default=None, description="Run as if it were this UTC time (replay, file and "
                                                        "backfill modes only; live and auto fetch now).")
    ingest_file: str | None = Field(default=None, description="mode file: the local copy to ingest.")
    ingest_observed_at: str | None = Field(default=None, description="mode file: the date its facts hold.")
    ingest_endpoint: str | None = Field(default=None, description="mode file: the source URL the file is a copy "
                                                                  "of (sources with several URLs).")
    backfill_from: str | None = Field(default=None, description="mode backfill: first quarter to rebuild.")
    backfill_to: str | None = Field(default=None, description="mode backfill: last quarter (default: running).")
    history_file: str | None = Field(default=None, description="mode backfill: where each source's history is.")
    backfill_max_requests: int = Field(default=300, description="mode backfill: requests this run may make.")
    backfill_max_wait_s: float = Field(default=300.0, description="mode backfill: longest rate-limit wait.")
    backfill_pause_s: float = Field(default=1.0, description="mode backfill: seconds between two requests to a host.")

    def inputs(self) -> PlanInputs:
        """The settings as the pure planner takes them; PlanError names the setting that is wrong."""
        return PlanInputs(
            mode=self.mode, as_of=parse_time(self.as_of, "as_of"),
            quarters=tuple(parse_quarter(q, "quarters") for q in self.quarters),
            only=tuple(dict.fromkeys(s.strip() for s in self.only if s.strip())),
            curated_dir=Path(self.curated_dir).resolve() if self.curated_dir else CURATED_DIR,
            assumptions_file=Path(self.assumptions_file).resolve() if self.assumptions_file else None,
            ingest_file=Path(self.ingest_file).resolve() if self.ingest_file else None,
            ingest_observed_at=parse_time(self.ingest_observed_at, "ingest_observed_at"),
            ingest_endpoint=self.ingest_endpoint,
            backfill_from=parse_quarter(self.backfill_from, "backfill_from"),
            backfill_to=parse_quarter(self.backfill_to, "backfill_to"),
            history_file=Path(self.history_file).resolve() if self.history_file else None,
            backfill_max_requests=self.backfill_max_requests, backfill_max_wait_s=self.backfill_max_wait_s,
            backfill_pause_s=self.backfill_pause_s)
