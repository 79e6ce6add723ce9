"""Shared fixtures: an isolated warehouse per test, a loopback HTTP server, a fixed clock.

Nothing here touches the network, the repository's own warehouse, or the real time of day:
every refresh in the tests runs with an explicit as-of time.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from pipeline.core.paths import ROOT, Paths
from tests.support.loopback import Loopback

FIXTURES = Path(__file__).parent / "fixtures"
REAL_SOURCES = ROOT.parent / "shared" / "real-sources"
# A fixed "now" for every refresh in the tests: a day in 2026Q4.
AS_OF = datetime(2026, 11, 28, 12, 0, 0)


def real_source(relative: str) -> Path:
    """A file from ../shared/real-sources, or skip the test saying why."""
    path = REAL_SOURCES / relative
    if not REAL_SOURCES.exists():
        pytest.skip(f"real public samples not present: {REAL_SOURCES} is absent")
    if not path.exists():
        pytest.skip(f"real public sample missing: {path}")
    return path


@pytest.fixture
def ledger_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Paths:
    paths = Paths(warehouse_dir=tmp_path / "warehouse", exports_dir=tmp_path / "exports")
    monkeypatch.setenv("LEDGER_WAREHOUSE_DIR", str(paths.warehouse_dir))
    monkeypatch.setenv("LEDGER_EXPORTS_DIR", str(paths.exports_dir))
    return paths


@pytest.fixture
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Dagster instance of our own (the repository's dagster.yaml) in a temporary folder."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("LEDGER_DAGSTER_STORAGE", str(home / "storage"))
    return home


@pytest.fixture(scope="session")
def instance():
    """An in-memory Dagster instance shared by in-process runs (fast; nothing written to disk)."""
    import dagster as dg

    with dg.DagsterInstance.ephemeral() as inst:
        yield inst


@contextmanager
def disk_instance(home: Path):
    """A Dagster instance on disk in `home` (SQLite, as `ledger` uses): `ledger status` run with
    DAGSTER_HOME=home reads the runs made with it."""
    import dagster as dg

    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(f"telemetry:\n  enabled: false\nstorage:\n  sqlite:\n"
                                       f"    base_dir: {home / 'storage'}\n")
    with dg.DagsterInstance.from_config(str(home)) as inst:
        yield inst


@pytest.fixture
def loopback():
    with Loopback() as server:
        yield server


def subprocess_env(paths: Paths, home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"LEDGER_WAREHOUSE_DIR": str(paths.warehouse_dir), "LEDGER_EXPORTS_DIR": str(paths.exports_dir),
                "DAGSTER_HOME": str(home), "LEDGER_DAGSTER_STORAGE": str(home / "storage")})
    return env


def refresh(paths: Paths, instance, **kwargs):
    """Run a refresh in-process against `paths`, as `ledger refresh` does, at AS_OF unless given.

    Replay, file and backfill runs take `as_of` as their setting; live and auto runs fetch "now",
    so their clock is fixed at that time instead (the same seam a scheduler's clock would be).
    """
    from pipeline.app.launch import run_refresh
    from tests.support.clock import definitions_at

    as_of = kwargs.pop("as_of", AS_OF)
    http = {**kwargs.pop("http", {}), "origin_overrides": kwargs.pop("origin_overrides", {})}
    settings = refresh_settings(**kwargs)
    defs = None
    if settings.mode in ("live", "auto"):
        defs = definitions_at(as_of)
    else:
        settings = settings.model_copy(update={"as_of": as_of.isoformat()})
    return run_refresh(settings, paths=paths, http=http, instance=instance, defs=defs)


def refresh_settings(**kwargs):
    """Test keyword arguments (Quarters, Paths, datetimes) as the run's settings."""
    from pipeline.defs.settings import RefreshSettings

    values = {}
    for name, value in kwargs.items():
        if name == "quarters" and value is not None:
            value = [q.label for q in value]
        elif name in ("backfill_from", "backfill_to") and value is not None:
            value = value.label
        elif isinstance(value, Path):
            value = str(value.resolve())
        elif isinstance(value, datetime):
            value = value.isoformat()
        if value is not None:
            values[name] = value
    return RefreshSettings(**values)
