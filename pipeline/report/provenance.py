"""Where each number in the report comes from: a numbered list the numbers link to.

An entry is a fetch (source, URL, observed date, mode, from raw_fetch), a curated row (its
citation), the assumptions file, or a derived number naming the entries it was computed from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb

FETCHES_SQL = "SELECT fetch_id, source, url, endpoint, observed_at, mode, stale FROM raw_fetch"


def day(value) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value or "")[:10]


@dataclass
class Entry:
    id: str
    kind: str  # fetch / curated / assumptions / derived
    source: str
    observed: str = ""
    url: str = ""
    detail: str = ""
    inputs: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        when = f", observed {self.observed}" if self.observed else ""
        return f"{self.source}{when}"


class Provenance:
    def __init__(self, con: duckdb.DuckDBPyConnection | None):
        self.entries: dict[tuple, Entry] = {}
        self._fetches = {}
        if con is not None:
            for fetch_id, source, url, endpoint, observed_at, mode, stale in con.execute(FETCHES_SQL).fetchall():
                self._fetches[fetch_id] = (source, endpoint if url.startswith("file:") else url, observed_at,
                                           mode, stale)

    def _add(self, key: tuple, make) -> Entry:
        if key not in self.entries:
            self.entries[key] = make(f"p{len(self.entries) + 1}")
        return self.entries[key]

    def fetch(self, fetch_id: str | None, source: str = "", observed_at=None, citation: str | None = None) -> Entry:
        """The fetch a row was read from; a curated row is named by its own date and citation."""
        known = self._fetches.get(fetch_id)
        src = source or (known[0] if known else "unknown source")
        observed = day(observed_at if observed_at is not None else (known[2] if known else None))
        url = known[1] if known else ""
        if citation:
            return self._add(("curated", src, observed, citation),
                             lambda i: Entry(i, "curated", src, observed, url, citation))
        detail = f"fetch {fetch_id}" + (f" ({known[3]}{', stale' if known[4] else ''})" if known else "")
        return self._add(("fetch", fetch_id, src, observed),
                         lambda i: Entry(i, "fetch", src, observed, url, detail))

    def assumptions(self, assumptions_hash: str | None, origin: str = "") -> Entry:
        return self._add(("assumptions", assumptions_hash),
                         lambda i: Entry(i, "assumptions", "assumptions", "", "",
                                         f"hash {assumptions_hash} ({origin or 'pipeline/marts/assumptions.yaml'}); "
                                         "every number in the file carries its citation"))

    def derived(self, label: str, inputs: list[Entry]) -> Entry:
        ids = sorted({e.id for e in inputs}, key=lambda s: int(s[1:]))
        sources = sorted({e.source for e in inputs})
        observed = max((e.observed for e in inputs if e.observed), default="")
        return self._add(("derived", label, tuple(ids)),
                         lambda i: Entry(i, "derived", ", ".join(sources) or "no input", observed, "", label, ids))

    def ordered(self) -> list[Entry]:
        """The entries in the order they were first cited (p1, p2, …)."""
        return sorted(self.entries.values(), key=lambda e: int(e.id[1:]))
