"""What earlier live fetches left to re-use: the body for a conditional GET, and a whole
response to fall back on when a source cannot be reached.

Built once per run from fetch records (the `raw_fetch` columns, warehouse/001_core.sql): the
published warehouse's `raw_fetch` table (`from_connection`, one query), a polars frame, or a
list of record dicts. The journal (`warehouse/raw/fetches.jsonl`) is a write-ahead log and is
not read while fetching; `from_journal` exists for callers that have no warehouse yet.

Quirks kept from the records:
- a later record with the same fetch_id replaces an earlier one, as INSERT OR REPLACE does in
  `raw_fetch` (a page whose next-page link could not be read is journalled again with the error);
- a record with an error (a failed request, or a body its parser refused) is no success;
- timestamps come back as ISO text whichever way the records came in.
This class knows nothing of the archive: whether a body is still there and intact is checked
by the caller (pipeline/core/fetching.py), which then tries the next older group.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import duckdb
import polars as pl

from pipeline.core.archive import RawArchive
from pipeline.core.sources import Source

# The raw_fetch columns the answers need.
COLUMNS = ("fetch_id", "source", "url", "endpoint", "requested_at", "observed_at", "status", "sha256",
           "content_type", "mode", "error", "etag", "last_modified", "group_id", "page")
_SELECT_LIVE = (f"SELECT {', '.join(COLUMNS)} FROM raw_fetch "
                "WHERE mode = 'live' AND list_contains(?, source) ORDER BY requested_at, fetch_id")


class FetchHistory:
    def __init__(self, records: Iterable[dict]):
        by_id: dict[str, dict] = {}
        for rec in records:
            if rec.get("mode") == "live" and rec.get("fetch_id"):
                by_id.pop(rec["fetch_id"], None)  # re-inserted: a replacement counts as the newer line
                by_id[rec["fetch_id"]] = _text_times(rec)
        self._last: dict[tuple[str, str], dict] = {}
        groups: dict[str, list[dict]] = {}
        for rec in by_id.values():
            if _success(rec):
                key = (rec.get("source"), rec.get("url"))
                best = self._last.get(key)
                if best is None or (rec.get("requested_at") or "") >= (best.get("requested_at") or ""):
                    self._last[key] = rec
            groups.setdefault(rec.get("group_id") or rec["fetch_id"], []).append(rec)
        self._groups: dict[tuple[str, str], list[list[dict]]] = {}
        for recs in groups.values():
            recs.sort(key=lambda r: r.get("page") or 0)
            if _whole(recs):
                self._groups.setdefault((recs[0].get("source"), recs[0].get("endpoint")), []).append(recs)
        for found in self._groups.values():
            found.sort(key=lambda g: tuple(g[0].get(c) or "" for c in ("observed_at", "requested_at", "fetch_id")),
                       reverse=True)

    @classmethod
    def from_frame(cls, frame: pl.DataFrame) -> FetchHistory:
        return cls(frame.to_dicts())

    @classmethod
    def from_connection(cls, con: duckdb.DuckDBPyConnection, sources: Iterable[Source | str]) -> FetchHistory:
        """The live fetches of `sources` in a warehouse's `raw_fetch` table, in one query."""
        names = sorted({s if isinstance(s, str) else s.name for s in sources})
        result = con.execute(_SELECT_LIVE, [names])
        columns = [d[0] for d in result.description]
        return cls(dict(zip(columns, row)) for row in result.fetchall())

    @classmethod
    def from_journal(cls, archive: RawArchive) -> FetchHistory:
        """Every attempt the journal holds, published or not (one read of the whole file)."""
        return cls(archive.fetches())

    def last_success(self, source: str, url: str) -> dict | None:
        """The newest live fetch of `url` (as requested, after origin overrides) with a body."""
        found = self._last.get((source, url))
        return dict(found) if found else None

    def complete_groups(self, source: str, endpoint: str) -> list[list[dict]]:
        """Every live group for `endpoint` with each page fetched, newest first, pages in order."""
        return [[dict(r) for r in g] for g in self._groups.get((source, endpoint), [])]

    def newest_complete_group(self, source: str, endpoint: str) -> list[dict] | None:
        return next(iter(self.complete_groups(source, endpoint)), None)


def _success(rec: dict) -> bool:
    return not rec.get("error") and bool(rec.get("sha256"))


def _whole(recs: list[dict]) -> bool:
    """No failed page, each page with a body, pages 0…n-1 with none missing."""
    return all(_success(r) for r in recs) and [r.get("page") or 0 for r in recs] == list(range(len(recs)))


def _text_times(rec: dict) -> dict:
    out = dict(rec)
    for column in ("requested_at", "observed_at"):
        if isinstance(out.get(column), datetime):
            out[column] = out[column].isoformat(timespec="microseconds")
    return out
