"""The bodies that need no network: the bundled recorded responses (replay, and the seed in
auto mode), a local file (`ledger ingest`) and the curated files. Each is archived and recorded
like a fetch (pipeline/core/fetching.py runs them)."""

from __future__ import annotations

from pathlib import Path

from pipeline.core.archive import RawArchive
from pipeline.core.fetch_records import Fetched, FetchPlan, make_record
from pipeline.core.recorded import bundled_fetch_id, load_index
from pipeline.core.sources import Source


def replay_bundled(source: Source, plan: FetchPlan, archive: RawArchive, known_fetch_ids: set[str]) -> list[Fetched]:
    out = []
    groups: dict[tuple, str] = {}
    pages: dict[tuple, int] = {}
    for entry in load_index(source.name, source.recorded_dir):
        if entry.observed_at > plan.as_of:
            continue
        body = entry.body()
        sha = archive.put(body)
        fetch_id = bundled_fetch_id(source.name, entry.observed_on, body)
        gkey = (entry.observed_on, entry.group)
        group_id = groups.setdefault(gkey, fetch_id)
        page = pages[gkey] = pages.get(gkey, -1) + 1
        if fetch_id in known_fetch_ids:
            continue
        # A bundled response is no fetch of the URL: mode `bundled`, with its citation as provenance.
        rec = make_record(source, plan, fetch_id=fetch_id, url=entry.url, mode="bundled", endpoint=entry.group,
                          observed_at=entry.observed_at, body=body, sha256=sha,
                          group_id=group_id, page=page)
        rec["recorded_file"] = str(entry.path.name)
        rec["provenance"] = entry.provenance
        rec["facts_from"] = foreign_facts(source.name, entry)
        archive.append_fetch(rec)
        known_fetch_ids.add(fetch_id)
        out.append(Fetched(rec, body))
    return out


def foreign_facts(source: str, entry) -> str | None:
    """The source a bundled entry's facts were read from when it is not `source` itself, else None."""
    return entry.facts_from if entry.facts_from and entry.facts_from != source else None


def from_file(source: Source, plan: FetchPlan, archive: RawArchive,
               known_fetch_ids: set[str]) -> list[Fetched]:
    path = Path(plan.ingest_file).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"{source.name}: no such file to ingest: {path}")
    body = path.read_bytes()
    sha = archive.put(body)
    observed_at = plan.ingest_observed_at
    fetch_id = f"file-{source.name}-{observed_at:%Y%m%dT%H%M%S}-{sha[:12]}"
    if fetch_id in known_fetch_ids:
        return []
    endpoint = plan.ingest_endpoint or source.url_list(plan.curated_dir)[0]
    rec = make_record(source, plan, fetch_id=fetch_id, url=path.as_uri(), mode="file", endpoint=endpoint,
                      observed_at=observed_at, body=body, sha256=sha)
    archive.append_fetch(rec)
    return [Fetched(rec, body)]


def curated_files(source: Source, plan: FetchPlan, archive: RawArchive, known_fetch_ids: set[str]) -> list[Fetched]:
    """Curated files: read from the curated directory in every mode and archived; a file that
    has not changed is not parsed again (parsed_bodies), but each run records its read."""
    out = []
    for name in source.url_list(plan.curated_dir):
        path = Path(name)
        if not path.is_absolute():
            path = plan.curated_dir / path
        if not path.is_file():
            continue  # an optional curated file that this curated directory does not have
        body = path.read_bytes()
        sha = archive.put(body)
        fetch_id = f"local-{source.name}-{path.name}-{plan.as_of:%Y%m%dT%H%M%S}-{sha[:12]}"
        if fetch_id in known_fetch_ids:
            continue
        rec = make_record(source, plan, fetch_id=fetch_id, url=path.resolve().as_uri(), mode="file",
                          endpoint=f"curated:{path.name}", observed_at=plan.as_of, body=body, sha256=sha)
        archive.append_fetch(rec)
        out.append(Fetched(rec, body))
    return out
