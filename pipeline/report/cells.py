"""What a report table is made of before a template writes it: cells of plain text (the template
escapes it) and, for a number, the provenance entry it links to. Every number links: a fact to
the fetch or curated row it was read from, a computed number to a `derived` entry naming the
entries it was computed from (tests/integration/test_report_render.py checks it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.report.provenance import Entry


@dataclass(frozen=True)
class Cell:
    text: str | None  # None: no value (shown as a dash)
    numeric: bool = False
    link: Entry | None = None
    carried_from: str = ""  # a value observed in an earlier quarter and still the newest: its date


@dataclass(frozen=True)
class Table:
    id: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class Missing:
    """A table the warehouse has no rows of for the quarter."""

    table: str


def text(value) -> Cell:
    if value is None:
        return Cell(None)
    if isinstance(value, bool):
        return Cell("yes" if value else "no")
    return Cell(str(value))


def number(value, fmt, entry: Entry | None, carried_from: str = "") -> Cell:
    return Cell(None, True) if value is None else Cell(fmt(value), True, entry, carried_from)
