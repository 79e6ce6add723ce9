"""`ledger`: the command line. Every verb that writes the warehouse launches the Dagster `refresh` job
in-process (pipeline/app/launch.py); the job plans, locks, computes and publishes."""

from __future__ import annotations

import logging
import os
import sys
from datetime import datetime
from pathlib import Path

import click

from pipeline.app.cli_read import advise, diff
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


def _mirrors(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for value in values:
        origin, sep, target = value.partition("=")
        if not sep or not origin.startswith(("http://", "https://")) or not target.startswith(("http://", "https://")):
            raise click.BadParameter(f"expected ORIGIN=URL, e.g. https://openrouter.ai=http://127.0.0.1:8000; got {value!r}")
        out[origin.rstrip("/")] = target.rstrip("/")
    return out


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


def _help(field: str) -> str:
    """An option's help is its setting's description (pipeline/defs/settings.py)."""
    from pipeline.defs.settings import RefreshSettings

    return RefreshSettings.model_fields[field].description or ""


def _list(value: str | None) -> list[str]:
    return [s.strip() for s in value.split(",") if s.strip()] if value else []


def _path(value: Path | None) -> str | None:
    return str(Path(value).resolve()) if value else None


def _settings(**options):
    """`ledger` options → the refresh's settings: the one place they map onto each other."""
    from pipeline.defs.settings import RefreshSettings

    for name in ("curated_dir", "assumptions_file", "ingest_file", "history_file"):
        options[name] = _path(options.get(name))
    for name in ("quarters", "only"):
        options[name] = _list(options.get(name))
    return RefreshSettings(**{k: v for k, v in options.items() if v is not None})


@main.command()
@click.option("--mode", type=click.Choice(["live", "replay", "auto"]), default="auto", show_default=True,
              help=_help("mode"))
@click.option("--quarter", "quarters", metavar="YYYYQn[,…]", help=_help("quarters"))
@click.option("--only", metavar="SOURCE,…", help=_help("only"))
@click.option("--curated-dir", type=click.Path(file_okay=False, path_type=Path), help=_help("curated_dir"))
@click.option("--assumptions", "assumptions_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help=_help("assumptions_file"))
@click.option("--as-of", "as_of", metavar="DATETIME", help=_help("as_of"))
@click.option("--mirror", "mirrors", multiple=True, metavar="ORIGIN=URL",
              help="Fetch ORIGIN (e.g. https://openrouter.ai) from URL instead: a mirror or a local server. "
                   "Repeatable.")
def refresh(mirrors, **options) -> None:
    """Plan, fetch every source, snapshot each quarter, recompute the marts, publish atomically."""
    sys.exit(_run(_settings(**options), {"origin_overrides": _mirrors(mirrors)}))


@main.command()
@click.argument("source")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--observed-at", "observed_at", required=True, metavar="DATE",
              help="The date the file's facts hold (ISO date or date-time, UTC).")
@click.option("--url", "endpoint", help=_help("ingest_endpoint"))
@click.option("--curated-dir", type=click.Path(file_okay=False, path_type=Path), help=_help("curated_dir"))
@click.option("--as-of", "as_of", metavar="DATETIME", help=_help("as_of"))
def ingest(source, file, observed_at, endpoint, curated_dir, as_of) -> None:
    """Parse FILE as SOURCE's response observed at DATE, then recompute the quarters it touches."""
    from pipeline.core.sources import source_by_name

    try:
        source_by_name(source)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="SOURCE") from None
    observed, now = _as_of(observed_at), _as_of(as_of)
    if observed and observed > (now or datetime.utcnow()):
        raise click.BadParameter("is in the future", param_hint="--observed-at")
    sys.exit(_run(_settings(mode="file", only=source, ingest_file=file, ingest_observed_at=observed_at,
                            ingest_endpoint=endpoint, curated_dir=curated_dir, as_of=as_of)))


def _run(settings, http: dict | None = None, epilogue=None) -> int:
    from pipeline.app.launch import run_refresh
    from pipeline.app.summary import render
    from pipeline.core.paths import Paths
    from pipeline.core.session import refresh_lock

    _dagster_home()
    _progress_to_terminal()
    lock = refresh_lock(Paths.from_env())
    if lock.is_held():  # say so at once, without starting a run (the job's own first step refuses too)
        click.echo(str(lock.refusal()), err=True)
        return 75  # EX_TEMPFAIL: try again when the running refresh is done
    summary = run_refresh(settings, http=http)
    click.echo(render(summary))
    if summary.refused == "refresh_in_progress":
        return 75
    if summary.refused == "invalid_settings":
        return 2
    if epilogue is not None:
        return epilogue(summary)
    return 0 if summary.success else 1


@main.command()
@click.option("--from", "first", required=True, metavar="YYYYQn", help="First quarter to rebuild (2024Q1 or later).")
@click.option("--to", "last", metavar="YYYYQn", help="Last quarter to rebuild (default: the running quarter).")
@click.option("--only", metavar="SOURCE,…", help="Only these sources (default: every source with a listed history).")
@click.option("--history-file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Where each source's history is (default: history_sources.csv in the curated directory).")
@click.option("--max-requests", type=click.IntRange(min=1), default=300, show_default=True,
              help="Requests this run may make; past them it stops, and the same command resumes.")
@click.option("--max-wait", type=click.FloatRange(min=0), default=300.0, show_default=True,
              help="Longest wait (seconds) for a spent rate limit to reset; a later reset stops the run.")
@click.option("--pause", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Seconds between two requests to the same host.")
@click.option("--curated-dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--as-of", "as_of", metavar="DATETIME", help="Run as if it were this UTC time.")
@click.option("--mirror", "mirrors", multiple=True, metavar="ORIGIN=URL",
              help="Fetch ORIGIN (e.g. https://api.github.com) from URL instead. Repeatable.")
def backfill(first, last, only, history_file, max_requests, max_wait, pause, curated_dir, as_of, mirrors) -> None:
    """Rebuild past quarters from the public record (GitHub commits, Wayback Machine captures),
    then recompute every quarter from the first one rebuilt. GITHUB_TOKEN, if set, raises the
    GitHub API's rate limit. Exit 3: published, but some quarters failed or were not reached."""
    from pipeline.core.backfill import coverage_summary
    from pipeline.core.curated import CuratedError
    from pipeline.core.history_sources import HISTORY_FILE, load_locations
    from pipeline.core.paths import CURATED_DIR

    try:
        start, end = Quarter.parse(first), Quarter.parse(last) if last else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    listed_in = history_file or (curated_dir or CURATED_DIR) / HISTORY_FILE
    try:
        listed = sorted({loc.source for loc in load_locations(listed_in)})
    except CuratedError as exc:
        raise click.BadParameter(str(exc), param_hint="--history-file") from None
    chosen = [s.strip() for s in only.split(",") if s.strip()] if only else listed
    unlisted = [s for s in chosen if s not in listed]
    if unlisted:
        raise click.BadParameter(f"no history listed for {', '.join(unlisted)} in {listed_in}", param_hint="--only")

    def epilogue(report) -> int:
        click.echo(coverage_summary(report.backfill))
        if not report.success:
            return 1
        if report.backfill_incomplete:
            click.echo("incomplete: run the same command again to continue (what was fetched is kept)")
            return 3
        return 0

    settings = _settings(mode="backfill", only=",".join(chosen), curated_dir=curated_dir, as_of=as_of,
                         backfill_from=start.label, backfill_to=end.label if end else None,
                         history_file=history_file, backfill_max_requests=max_requests,
                         backfill_max_wait_s=max_wait, backfill_pause_s=pause)
    sys.exit(_run(settings, {"origin_overrides": _mirrors(mirrors)}, epilogue))



@main.command()
def status() -> None:
    """Per source: last fetch time, mode, HTTP status, rows, stale or not, last error — and the latest
    refreshes, whoever launched them, including those that published nothing."""
    from pipeline.app.status import family_reports, format_table, run_lines, source_status
    from pipeline.core.warehouse import UnreadableWarehouse

    _dagster_home()
    import dagster as dg

    paths = Paths.from_env()
    instance = dg.DagsterInstance.get()
    try:
        rows = source_status(paths, instance)
        sections = family_reports(paths)
    except UnreadableWarehouse as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(format_table(rows, ["source", "last_fetch", "mode", "status", "rows", "stale", "carried", "published",
                                   "error"]))
    for line in run_lines(instance):
        click.echo(line)
    for section in sections:
        click.echo("\n" + section)
    click.echo(f"warehouse: {paths.db}{'' if paths.db.exists() else ' (not yet published)'}")


@main.command()
@click.option("--quarter", "quarter", metavar="YYYYQn[,…]", help="Re-export these quarters only (default: all).")
@click.option("--check", "verify_only", is_flag=True,
              help="Write nothing: re-read every exported file and compare it with the manifest.")
@click.option("--to", "to", type=click.Choice(["files", "iceberg"]), default="files", show_default=True,
              help="files: Parquet + CSV under exports/; "
                   "iceberg: every table to an Iceberg catalog (docs/scale-out.md).")
@click.option("--catalog", metavar="URI", help="--to iceberg: sqlite:///FILE, postgresql://USER@HOST/DB or a REST "
                                               "catalog's https:// URI (default: $LEDGER_ICEBERG_CATALOG, else a "
                                               "SQLite file in a local LOCATION).")
@click.option("--warehouse", "iceberg_warehouse", metavar="LOCATION",
              help="--to iceberg: a folder or s3://bucket/prefix (default: $LEDGER_ICEBERG_WAREHOUSE).")
def export(quarter, verify_only, to, catalog, iceberg_warehouse) -> None:
    """Write Parquet + CSV exports, the manifest and the data dictionary from the published warehouse,
    then verify every file against the manifest (exit 1 if one differs). With --to iceberg, publish
    every table to an Iceberg catalog instead (S3 credentials from the AWS_* variables)."""
    from pipeline.app.outputs import NothingPublished, export_published

    paths = Paths.from_env()
    if to == "iceberg":
        if quarter or verify_only:
            raise click.UsageError("--quarter and --check apply to --to files (Iceberg gets every table whole)")
        from pipeline.scale_out.cli import export_iceberg

        sys.exit(export_iceberg(paths.db, catalog, iceberg_warehouse, click.echo))
    try:
        outcome = export_published(paths, _quarter(quarter), verify_only)
    except NothingPublished as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if outcome.result is not None:
        click.echo(f"exported {len(outcome.result.files)} files (schema version {outcome.result.schema_version}) "
                   f"to {paths.exports_dir}; manifest {outcome.result.manifest}")
        for change in outcome.result.breaking:
            click.echo(f"  breaking change without a schema version bump: {change}", err=True)
    for path in outcome.documents:
        click.echo(f"wrote {path}")
    for problem in outcome.problems:
        click.echo(f"  MISMATCH {problem}", err=True)
    click.echo("manifest check: " + (f"{len(outcome.problems)} problem(s)" if outcome.problems else "every file matches"))
    sys.exit(1 if outcome.problems else 0)


@main.command()
def report() -> None:
    """Write exports/report/index.html (self-contained: tables, charts, provenance) from the published warehouse."""
    from pipeline.app.outputs import NothingPublished, report_published

    try:
        path = report_published(Paths.from_env())
    except NothingPublished as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"wrote {path}")


main.add_command(diff)
main.add_command(advise)


if __name__ == "__main__":
    main()
