"""One refresh in this process, as `ledger refresh` runs it, for the benchmarks to time and measure.

    driver.py --mode replay --recorded DIR --quarter 2026Q4 [--mirror ORIGIN=URL …] [--profile F]

`--recorded DIR` serves each source's responses from `DIR/<source>/index.json` instead of the
bundled ones (the synthetic sets of synth.py); sources without a folder there keep theirs. The
Dagster instance is the one DAGSTER_HOME names (SQLite on disk, like the CLI); the warehouse and
exports go where LEDGER_WAREHOUSE_DIR / LEDGER_EXPORTS_DIR say. Prints the outcome as one JSON line.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def use_recorded(folder: Path) -> list[str]:
    """Point every source that has a folder under `folder` at it (before the definitions load)."""
    import pipeline
    from pipeline.core.sources import Source

    patched = []
    for info in pkgutil.iter_modules(pipeline.__path__):
        if not info.ispkg or info.name == "defs":  # defs builds the assets: it must see the patch
            continue
        package = importlib.import_module(f"pipeline.{info.name}")
        if not hasattr(package, "FAMILY"):
            continue
        for sub in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{sub.name}")
            source = getattr(module, "SOURCE", None)
            if isinstance(source, Source) and (folder / source.name / "index.json").exists():
                module.SOURCE = dataclasses.replace(source, recorded_dir=folder / source.name)
                patched.append(source.name)
    return patched


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="replay")
    parser.add_argument("--recorded", type=Path)
    parser.add_argument("--quarter", default="2026Q4")
    parser.add_argument("--only", help="comma-separated sources")
    parser.add_argument("--as-of", default="2026-11-28T12:00:00")
    parser.add_argument("--mirror", action="append", default=[], metavar="ORIGIN=URL")
    parser.add_argument("--http", default="{}", help="HttpResource settings as JSON")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of the refresh here")
    args = parser.parse_args()
    patched = use_recorded(args.recorded) if args.recorded else []

    from pipeline.app.launch import run_refresh
    from pipeline.defs.settings import RefreshSettings

    # Live and auto runs fetch now: only replays take a date (as `ledger refresh` does).
    settings = RefreshSettings(mode=args.mode, quarters=args.quarter.split(","),
                               only=args.only.split(",") if args.only else [],
                               as_of=None if args.mode in ("live", "auto") else args.as_of)
    http = {**json.loads(args.http), "origin_overrides": dict(m.split("=", 1) for m in args.mirror)}
    started = time.perf_counter()
    if args.profile:
        import cProfile

        profile = cProfile.Profile()
        report = profile.runcall(run_refresh, settings, http=http)
        profile.dump_stats(str(args.profile))
    else:
        report = run_refresh(settings, http=http)
    print(json.dumps({"published": report.published, "seconds": round(time.perf_counter() - started, 2),
                      "run_id": report.run_id, "patched": patched, "failures": report.failures[:5],
                      "blocking": [f"{c.asset}:{c.check} {c.description}" for c in report.blocking_failures][:5],
                      "sources": report.sources}, default=str))
    return 0 if report.published else 1


if __name__ == "__main__":
    sys.exit(main())
