"""Bundled recorded responses: the seed history shipped with the repository.

Each source keeps them in `pipeline/<family>/recorded/<source>/` with an `index.json`:

    {"source": "openrouter",
     "responses": [{"observed_on": "2026-10-01", "url": "https://…", "file": "2026-10-01.json",
                    "group": "https://…"   (optional: the first page's URL, for paged sources),
                    "citation": "where the facts in this file come from"}]}

The files are small and hand-made in the source's real format, holding real public facts as of
`observed_on`. `replay` mode serves them; `auto` mode falls back to them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path


@dataclass(frozen=True)
class RecordedResponse:
    source: str
    observed_on: date
    url: str
    group: str
    path: Path
    citation: str

    @property
    def observed_at(self) -> datetime:
        return datetime(self.observed_on.year, self.observed_on.month, self.observed_on.day)

    def body(self) -> bytes:
        return self.path.read_bytes()


def load_index(source: str, directory: Path | None) -> list[RecordedResponse]:
    if directory is None or not (directory / "index.json").exists():
        return []
    index_path = directory / "index.json"
    data = json.loads(index_path.read_text(encoding="utf-8"))
    out = []
    for i, entry in enumerate(data.get("responses", [])):
        missing = [k for k in ("observed_on", "url", "file", "citation") if not entry.get(k)]
        if missing:
            raise ValueError(f"{index_path}: response #{i} lacks {missing}")
        path = directory / entry["file"]
        # A file name from the index stays inside the source's folder (no "../", no absolute path).
        if not path.resolve().is_relative_to(directory.resolve()):
            raise ValueError(f"{index_path}: response #{i} names {entry['file']!r}, outside {directory}")
        if not path.exists():
            raise FileNotFoundError(f"{index_path}: response #{i} names {entry['file']}, which is missing")
        out.append(RecordedResponse(source=source, observed_on=date.fromisoformat(entry["observed_on"]),
                                    url=entry["url"], group=entry.get("group") or entry["url"],
                                    path=path, citation=entry["citation"]))
    # Stable order: date, then the order pages appear in the index.
    return sorted(out, key=lambda r: r.observed_on)


def bundled_fetch_id(source: str, observed_on: date, body: bytes) -> str:
    """The fetch id of a bundled response: the same file replayed again is known by it."""
    return f"replay-{source}-{observed_on.isoformat()}-{hashlib.sha256(body).hexdigest()[:12]}"
