"""What a source is, and how sources are found.

A source is one module in a family package (`pipeline/prices/openrouter.py`, …) that defines
`SOURCE = Source(...)`: its URLs, the hosts it may be redirected to, and a pure
`parse(body, observed_at, url) -> Parsed`. Families are the packages under `pipeline/` whose
`__init__` defines `FAMILY`. Adding a source means adding one module (and its fixture and
recorded responses); nothing else lists it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import polars as pl

REJECT_SCHEMA = {"record_key": pl.String, "field": pl.String, "value": pl.String,
                 "reason": pl.String, "kind": pl.String}


class SourceFormatError(ValueError):
    """The body cannot be used as a whole: not the format, or not the shape, the source serves."""


def utf8_text(body: bytes, where: str | None = None) -> str:
    """`body` as text (a leading byte-order mark dropped); SourceFormatError naming `where` if not UTF-8."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceFormatError(f"{where + ': ' if where else ''}not UTF-8 text: {exc}") from None


@dataclass(frozen=True)
class Parsed:
    rows: pl.DataFrame
    rejects: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REJECT_SCHEMA))
    # Entries the body held (rows + rejected + excluded can be more than this when one entry
    # yields several rows); used for the share of unusable entries.
    entries: int | None = None


class Rejects:
    """Collects what a parser could not use, with the reason. Nothing is dropped silently.

    kind "rejected": the entry is malformed or invalid (counts against the source's health).
    kind "excluded": the entry is valid but out of the family's scope (e.g. a per-image price
    in a per-token table); recorded with the reason, not counted against the source.
    """

    def __init__(self) -> None:
        self._rows: list[dict] = []

    def reject(self, record_key: str, reason: str, field: str | None = None, value: object = None) -> None:
        self._add(record_key, reason, field, value, "rejected")

    def exclude(self, record_key: str, reason: str, field: str | None = None, value: object = None) -> None:
        self._add(record_key, reason, field, value, "excluded")

    def _add(self, record_key: str, reason: str, field: str | None, value: object, kind: str) -> None:
        self._rows.append({"record_key": str(record_key), "field": field,
                           "value": None if value is None else str(value)[:500],
                           "reason": reason, "kind": kind})

    def __len__(self) -> int:
        return len(self._rows)

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(self._rows, schema=REJECT_SCHEMA)


ParseFn = Callable[[bytes, datetime, str], Parsed]
UrlsFn = Callable[[Path], Sequence[str]]


@dataclass(frozen=True)
class Source:
    name: str
    family: str
    parse: ParseFn
    parser_version: str
    # The URLs fetched live, each one a "group" (a paged source's first page). A callable gets
    # the curated directory, for sources whose URL list is curated (license texts, model cards).
    urls: Sequence[str] | UrlsFn
    # Extra hosts a redirect may go to (the URLs' own hosts are always allowed).
    redirect_hosts: frozenset[str] = frozenset()
    # Paging: the next page's URL from a page's body and URL, or None at the end.
    next_page: Callable[[bytes, str], str | None] | None = None
    max_pages: int = 500
    page_delay_s: float = 0.0
    headers: Mapping[str, str] = field(default_factory=dict)
    # Name of an environment variable holding a bearer token, sent when set, never stored.
    auth_env: str | None = None
    # Share of a fetch's entries that may be rejected or quarantined before the source is
    # treated as broken (layout or unit change) and publication is blocked.
    max_bad_share: float = 0.2
    recorded_dir: Path | None = None
    description: str = ""
    # A local source (curated CSV files): `urls` returns file paths, read in every mode and
    # archived like any body; its parser may give each row its own `observed_at` (the row's
    # observed_on), which then replaces the fetch's.
    local: bool = False

    def url_list(self, curated_dir: Path) -> list[str]:
        return list(self.urls(curated_dir) if callable(self.urls) else self.urls)

    def allowed_hosts(self, curated_dir: Path) -> frozenset[str]:
        hosts = {urlsplit(u).hostname or "" for u in self.url_list(curated_dir)}
        return frozenset(h.lower() for h in hosts | set(self.redirect_hosts) if h)


def recorded_dir_for(module_file: str, name: str) -> Path:
    """`pipeline/<family>/recorded/<name>/`, next to the source module."""
    return Path(module_file).resolve().parent / "recorded" / name


def _family_packages() -> list[ModuleType]:
    import pipeline

    out = []
    for info in pkgutil.iter_modules(pipeline.__path__):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"pipeline.{info.name}")
        if hasattr(module, "FAMILY"):
            out.append(module)
    return sorted(out, key=lambda m: m.__name__)


def discover_families() -> dict:
    return {pkg.FAMILY.name: pkg.FAMILY for pkg in _family_packages()}


def discover_sources(family: str | None = None) -> list[Source]:
    sources = []
    for pkg in _family_packages():
        if family and pkg.FAMILY.name != family:
            continue
        for info in pkgutil.iter_modules(pkg.__path__):
            module = importlib.import_module(f"{pkg.__name__}.{info.name}")
            src = getattr(module, "SOURCE", None)
            if isinstance(src, Source):
                sources.append(src)
    names = [s.name for s in sources]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise RuntimeError(f"source names must be unique; repeated: {sorted(dupes)}")
    return sorted(sources, key=lambda s: (s.family, s.name))


def source_by_name(name: str) -> Source:
    for src in discover_sources():
        if src.name == name:
            return src
    known = ", ".join(s.name for s in discover_sources())
    raise KeyError(f"unknown source {name!r}; known sources: {known}")
