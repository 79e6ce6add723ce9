"""Bundled recorded responses: the seed history shipped with the repository.

Each source keeps them in `pipeline/<family>/recorded/<source>/` with an `index.json`:

    {"source": "litellm",
     "responses": [{"observed_on": "2025-09-30", "url": "https://…", "file": "2025-09-30.json",
                    "group": "https://…"   (optional: the first page's URL, for paged sources),
                    "citation": "which facts, read from which record, and the subset rule",
                    "evidence": [{"kind": "git_commit", "url": "https://github.com/…/blob/<sha>/…",
                                  "published_on": "2025-09-30",
                                  "unchanged_until": "2025-12-31"   (optional),
                                  "note": "…"                      (optional)}],
                    "facts_from": "litellm"   (optional; default: the source itself)}]}

The files are small and hand-made in the source's real format, holding only facts true on
`observed_on`, each traced by `evidence` to a dated public record: an upstream commit, an
archived copy of a page (web.archive.org), or a dated vendor announcement. `replay` mode serves
them; `auto` mode falls back to them. Entries written before `evidence` existed still load; the
rules of the seed (docs: the seed spec) are checked by `entry_problems` and `repeat_problems`,
which the test suite runs over every index, not by the loader.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from pipeline.core.paths import ROOT

EVIDENCE_KINDS = ("git_commit", "archived_page", "announcement")
# Catalogs are re-fetched, never re-dated: a repeat of earlier bytes there is a copy, not an observation.
NO_REPEAT_FAMILIES = ("prices", "gpu_rates")
_COMMIT_URL = re.compile(r"^https://github\.com/[^/]+/[^/]+/(blob|tree|commit)/[0-9a-f]{40}(/|$)")
_ARCHIVE_URL = re.compile(r"^https://web\.archive\.org/web/\d{8,14}/\S+$")


@dataclass(frozen=True)
class Evidence:
    """One dated public record a bundled file's facts were read from."""

    kind: str
    url: str
    published_on: date
    unchanged_until: date | None = None
    note: str = ""

    @property
    def supports_until(self) -> date:
        """The newest date this record vouches for."""
        return self.unchanged_until or self.published_on

    @classmethod
    def from_json(cls, item: object) -> Evidence:
        if not isinstance(item, dict):
            raise ValueError(f"evidence item is not an object: {item!r}")
        missing = [k for k in ("kind", "url", "published_on") if not item.get(k)]
        if missing:
            raise ValueError(f"evidence item lacks {missing}")
        until = item.get("unchanged_until")
        return cls(kind=str(item["kind"]), url=str(item["url"]), published_on=_day(item["published_on"]),
                   unchanged_until=_day(until) if until else None, note=str(item.get("note") or ""))


def _day(value: object) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"not an ISO date: {value!r}") from None


@dataclass(frozen=True)
class RecordedResponse:
    source: str
    observed_on: date
    url: str
    group: str
    path: Path
    citation: str
    evidence: tuple[Evidence, ...] = ()
    facts_from: str = ""

    @property
    def observed_at(self) -> datetime:
        return datetime(self.observed_on.year, self.observed_on.month, self.observed_on.day)

    @property
    def provenance(self) -> str:
        """What the pipeline stores with a fetch served from this file: the file, then its records."""
        where = self.path.resolve()
        name = where.relative_to(ROOT).as_posix() if where.is_relative_to(ROOT) else str(where)
        return "; ".join([f"bundled:{name}", *([e.url for e in self.evidence] or [self.citation])])

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
        try:
            evidence = tuple(Evidence.from_json(item) for item in entry.get("evidence") or [])
        except ValueError as exc:
            raise ValueError(f"{index_path}: response #{i} ({entry['file']}): {exc}") from None
        out.append(RecordedResponse(source=source, observed_on=date.fromisoformat(entry["observed_on"]),
                                    url=entry["url"], group=entry.get("group") or entry["url"],
                                    path=path, citation=entry["citation"], evidence=evidence,
                                    facts_from=entry.get("facts_from") or source))
    # Stable order: date, then the order pages appear in the index.
    return sorted(out, key=lambda r: r.observed_on)


def entry_problems(entry: dict) -> list[str]:
    """Every way one index entry breaks the seed's rules (empty when it keeps them). Pure."""
    problems = []
    if not str(entry.get("citation") or "").strip():
        problems.append("no citation")
    try:
        observed = _day(entry.get("observed_on"))
    except ValueError as exc:
        return [*problems, f"observed_on: {exc}"]
    items = entry.get("evidence")
    if not isinstance(items, list) or not items:
        return [*problems, "no evidence (a non-empty list of dated records)"]
    for j, item in enumerate(items):
        try:
            ev = Evidence.from_json(item)
        except ValueError as exc:
            problems.append(f"evidence[{j}]: {exc}")
            continue
        problems += [f"evidence[{j}]: {p}" for p in _evidence_problems(ev, observed)]
    if "facts_from" in entry and not str(entry["facts_from"] or "").strip():
        problems.append("facts_from is empty (leave it out to mean the source itself)")
    return problems


def _evidence_problems(ev: Evidence, observed: date) -> list[str]:
    problems = []
    if ev.kind not in EVIDENCE_KINDS:
        problems.append(f"kind {ev.kind!r} is not one of {list(EVIDENCE_KINDS)}")
    elif ev.kind == "git_commit" and not _COMMIT_URL.match(ev.url):
        problems.append(f"git_commit url is not pinned to a 40-hex commit on github.com: {ev.url}")
    elif ev.kind == "archived_page" and not _ARCHIVE_URL.match(ev.url):
        problems.append(f"archived_page url is not a web.archive.org/web/<timestamp>/… capture: {ev.url}")
    elif ev.kind == "announcement" and not ev.url.startswith("https://"):
        problems.append(f"announcement url is not an https URL: {ev.url}")
    if ev.unchanged_until and ev.unchanged_until < ev.published_on:
        problems.append(f"unchanged_until {ev.unchanged_until} is before published_on {ev.published_on}")
    if observed < ev.published_on:
        problems.append(f"observed_on {observed} is before the record's date {ev.published_on}")
    elif observed > ev.supports_until:
        problems.append(f"observed_on {observed} is after {ev.supports_until}, the newest date the record supports")
    return problems


def repeat_problems(entries: list[dict], directory: Path, family: str) -> dict[int, str]:
    """{entry index: problem} for entries whose file repeats an earlier entry's bytes (same group).

    A repeat is allowed only outside NO_REPEAT_FAMILIES, and only when an evidence item says the
    document was unchanged up to the repeat's date."""
    first_seen: dict[tuple[str, str], tuple[str, str]] = {}
    out = {}
    order = sorted(range(len(entries)), key=lambda i: str(entries[i].get("observed_on")))
    for i in order:
        entry = entries[i]
        path = directory / str(entry.get("file"))
        if not path.is_file():
            continue
        key = (entry.get("group") or entry.get("url") or "", hashlib.sha256(path.read_bytes()).hexdigest())
        if key not in first_seen:
            first_seen[key] = (str(entry.get("observed_on")), str(entry.get("file")))
            continue
        day, name = first_seen[key]
        if family in NO_REPEAT_FAMILIES:
            out[i] = f"repeats the bytes of {name} ({day}); a {family} catalog is never re-dated"
        elif not _vouched_unchanged(entry):
            out[i] = f"repeats the bytes of {name} ({day}) with no evidence unchanged_until covering it"
    return out


def _vouched_unchanged(entry: dict) -> bool:
    try:
        observed = _day(entry.get("observed_on"))
        return any(ev.unchanged_until is not None and ev.unchanged_until >= observed
                   for ev in (Evidence.from_json(item) for item in entry.get("evidence") or []))
    except ValueError:
        return False


def bundled_fetch_id(source: str, observed_on: date, body: bytes) -> str:
    """The fetch id of a bundled response: the same file replayed again is known by it."""
    return f"bundled-{source}-{observed_on.isoformat()}-{hashlib.sha256(body).hexdigest()[:12]}"
