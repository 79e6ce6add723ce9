"""Quarters: labels `YYYYQn`, their bounds, and Dagster partition keys.

A quarter's end is exclusive: 2026Q3 covers 2026-07-01T00:00 up to, not including,
2026-10-01T00:00 UTC. All timestamps in the ledger are naive UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

_LABEL = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    q: int

    @classmethod
    def parse(cls, label: str) -> Quarter:
        m = _LABEL.match(label.strip())
        if not m:
            raise ValueError(f"not a quarter label: {label!r} (expected YYYYQn, e.g. 2026Q3)")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, moment: date | datetime) -> Quarter:
        return cls(moment.year, (moment.month - 1) // 3 + 1)

    @classmethod
    def from_partition_key(cls, key: str) -> Quarter:
        return cls.of(date.fromisoformat(key))

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.q}"

    @property
    def start(self) -> datetime:
        return datetime(self.year, 3 * (self.q - 1) + 1, 1)

    @property
    def end(self) -> datetime:
        """Exclusive end: the start of the next quarter."""
        return self.next().start

    @property
    def partition_key(self) -> str:
        return self.start.date().isoformat()

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.q == 4 else Quarter(self.year, self.q + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)

    def __str__(self) -> str:
        return self.label


def quarter_range(first: Quarter, last: Quarter) -> list[Quarter]:
    out, q = [], first
    while q <= last:
        out.append(q)
        q = q.next()
    return out


# The ledger's first quarter: every table starts here.
FIRST_QUARTER = Quarter(2024, 1)
