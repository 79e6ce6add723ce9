"""Which quarters a refresh must recompute.

A quarter's tables depend on the observations made before its end, the curated files, the
assumptions and the code. So when none of the code, curated files or assumptions changed since
the published state was computed (same fingerprint), only these quarters can change:
- the running quarter (live data lands there) and the one before (it stops being provisional
  when a new quarter starts);
- every quarter from the earliest one in which this run brings new observations (bundled
  responses not yet ingested) onwards, since a later quarter's snapshot may stand on them.
Anything else — a first run, a code or curated change — recomputes every quarter.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from pipeline.core.archive import sha256_hex
from pipeline.core.paths import ROOT
from pipeline.core.quarters import Quarter, quarter_range
from pipeline.core.recorded import load_index
from pipeline.core.sources import Source

CODE_GLOBS = ("pipeline/**/*.py", "pipeline/**/*.yaml", "pipeline/**/*.sql", "schemas/**/*.py", "warehouse/*.sql")


def fingerprint(curated_dir: Path, assumptions_file: Path | None = None, root: Path = ROOT) -> str:
    """A hash of everything besides observations that quarterly tables are computed from."""
    h = hashlib.sha256()
    files = sorted({p for pattern in CODE_GLOBS for p in root.glob(pattern) if p.is_file()})
    files += sorted(p for p in Path(curated_dir).rglob("*") if p.is_file())
    if assumptions_file:
        files.append(Path(assumptions_file))
    for path in files:
        h.update(str(path.name).encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def new_bundled_quarters(sources: list[Source], known_fetch_ids: set[str], as_of: datetime) -> list[Quarter]:
    """Quarters of bundled recorded responses that the published warehouse has not ingested yet."""
    out = set()
    for source in sources:
        for entry in load_index(source.name, source.recorded_dir):
            if entry.observed_at > as_of:
                continue
            fetch_id = f"replay-{source.name}-{entry.observed_on.isoformat()}-{sha256_hex(entry.body())[:12]}"
            if fetch_id not in known_fetch_ids:
                out.add(Quarter.of(entry.observed_on))
    return sorted(out)


def plan(first: Quarter, running: Quarter, consistent: bool, new_quarters: list[Quarter]) -> tuple[list[Quarter], str]:
    """The quarters to compute, and why."""
    if not consistent:
        return quarter_range(first, running), "all quarters (first run, or code, curated files or assumptions changed)"
    start = min([running.previous(), *new_quarters])
    start = max(first, start)
    why = (f"from {start} (new bundled responses)" if new_quarters and start < running.previous()
           else "the running quarter and the one before")
    return quarter_range(start, running), why
