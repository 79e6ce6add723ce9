"""`ledger`: the command line. Every verb that writes goes through Dagster in-process."""

from __future__ import annotations

import logging
import os
import sys
from datetime import datetime
from pathlib import Path

import click

from pipeline.core.paths import ROOT, Paths
from pipeline.core.quarters import Quarter


def _dagster_home() -> None:
    # Absolute, so runs started here appear in `make ui` (dagster.yaml lives at the root).
    os.environ.setdefault("DAGSTER_HOME", str(ROOT))
    os.environ.setdefault("LEDGER_DAGSTER_STORAGE", str(ROOT / ".dagster"))


def _progress_to_terminal() -> None:
    logger = logging.getLogger("llm_ledger.progress")
    if not any(getattr(h, "_ledger", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("  %(message)s"))
        handler._ledger = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def _as_of(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        raise click.BadParameter(f"not an ISO date or date-time: {value!r}") from None


def _quarter(value: str | None) -> list[Quarter] | None:
    if not value:
        return None
    try:
        return [Quarter.parse(v) for v in value.split(",")]
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.group()
@click.version_option(package_name="llm-ledger")
def main() -> None:
    """llm-ledger: a versioned dataset of LLM deployment economics."""


@main.command()
@click.option("--mode", type=click.Choice(["live", "replay", "auto"]), default="auto", show_default=True,
              help="live: internet only; replay: bundled recorded responses only; "
                   "auto: live, falling back per source to the newest archived or bundled response.")
@click.option("--quarter", "quarter", metavar="YYYYQn[,…]",
              help="Recompute these quarters (from observations as of each quarter's end). "
                   "Default: every quarter up to the running one.")
@click.option("--only", metavar="SOURCE,…", help="Fetch only these sources (snapshots and marts still run).")
@click.option("--curated-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Directory of curated CSV files (default: pipeline/curated).")
@click.option("--assumptions", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="YAML file overriding part of the assumptions (a what-if run).")
@click.option("--as-of", "as_of", metavar="DATETIME",
              help="Run as if it were this UTC time (replays, backfills, reproducible tests).")
def refresh(mode, quarter, only, curated_dir, assumptions, as_of) -> None:
    """Fetch every source, snapshot each quarter, recompute the marts, publish atomically."""
    from pipeline.runner import RefreshRequest

    req = RefreshRequest(mode=mode, quarters=_quarter(quarter),
                         only=[s.strip() for s in only.split(",") if s.strip()] if only else None,
                         curated_dir=curated_dir, assumptions_file=assumptions, as_of=_as_of(as_of))
    sys.exit(_run(req))


@main.command()
@click.argument("source")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--observed-at", "observed_at", required=True, metavar="DATE",
              help="The date the file's facts hold (ISO date or date-time, UTC).")
@click.option("--url", "endpoint", help="For sources with several URLs: the one this file is a copy of.")
@click.option("--curated-dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--as-of", "as_of", metavar="DATETIME", help="Run as if it were this UTC time.")
def ingest(source, file, observed_at, endpoint, curated_dir, as_of) -> None:
    """Parse FILE as SOURCE's response observed at DATE, then recompute the quarters it touches."""
    from pipeline.core.sources import source_by_name
    from pipeline.runner import RefreshRequest

    try:
        source_by_name(source)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="SOURCE") from None
    observed = _as_of(observed_at)
    now = _as_of(as_of)
    if observed and observed > (now or datetime.utcnow()):
        raise click.BadParameter("is in the future", param_hint="--observed-at")
    req = RefreshRequest(mode="file", only=[source], ingest_file=file.resolve(), ingest_observed_at=observed,
                         ingest_endpoint=endpoint, curated_dir=curated_dir, as_of=now)
    sys.exit(_run(req))


def _run(req) -> int:
    from pipeline.core.warehouse import RefreshInProgress
    from pipeline.runner import run_refresh
    from pipeline.summary import render

    _dagster_home()
    _progress_to_terminal()
    try:
        report = run_refresh(req)
    except RefreshInProgress as exc:
        click.echo(str(exc), err=True)
        return 75  # EX_TEMPFAIL: try again when the running refresh is done
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    click.echo(render(report))
    return 0 if report.success else 1


@main.command()
def status() -> None:
    """Per source: last fetch time, mode, HTTP status, rows, stale or not, last error."""
    from pipeline.runner import recent_runs
    from pipeline.status import format_table, source_status

    paths = Paths.from_env()
    rows = source_status(paths)
    click.echo(format_table(rows, ["source", "last_fetch", "mode", "status", "rows", "stale", "published", "error"]))
    runs = recent_runs(paths, limit=1)
    if runs:
        r = runs[0]
        state = "published" if r.get("published") else "NOT published"
        click.echo(f"\nlast refresh: {r['run_id']} ({r.get('mode')}, finished {r.get('finished_at')}) {state}")
        for failure in r.get("failures", [])[:5]:
            click.echo(f"  failed: {failure}")
    click.echo(f"warehouse: {paths.db}{'' if paths.db.exists() else ' (not yet published)'}")


if __name__ == "__main__":
    main()
