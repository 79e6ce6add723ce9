"""One replay-built warehouse (and its exports and report) shared by the tests that only read it.

A whole replay refresh takes a while on a small machine, so it runs once per test session, the
first time a test asks for it; tests that change files work on copies.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core.paths import Paths
from pipeline.core.quarters import Quarter, quarter_range
from tests.conftest import refresh

# From the quarter before the first of the six recorded quarters (so that the first one has
# drift) to the running quarter: the older quarters add time and nothing the tests read.
QUARTERS = quarter_range(Quarter(2025, 2), Quarter(2026, 4))
_BUILT: dict[str, object] = {}


def replay_build(tmp_path_factory: pytest.TempPathFactory, instance) -> tuple[Paths, object]:
    """(paths, refresh report) of a replay refresh of QUARTERS as of tests.conftest.AS_OF."""
    if "paths" not in _BUILT:
        root = Path(tmp_path_factory.mktemp("replay_build"))
        paths = Paths(root / "warehouse", root / "exports")
        report = refresh(paths, instance, mode="replay", quarters=QUARTERS)
        if not report.published:
            pytest.fail("the replay refresh did not publish: " + "; ".join(
                report.failures + [f"{c.asset}:{c.check} {c.description}" for c in report.blocking_failures]))
        _BUILT.update(paths=paths, report=report)
    return _BUILT["paths"], _BUILT["report"]
