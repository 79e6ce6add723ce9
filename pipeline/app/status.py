"""`ledger status`: per source, what is published and what the latest refreshes tried.

What is published comes from the warehouse (`raw_fetch`, the observation versions, the quarterly
snapshots); what was tried, including refreshes that published nothing, from the Dagster
instance's run records (pipeline/app/runs.py) — the same for runs launched by `ledger refresh`,
the schedule or the UI.
"""

from __future__ import annotations

import dagster as dg

from pipeline.app.runs import RunSummary, recent_runs
from pipeline.core.paths import Paths
from pipeline.core.snapshots import carried_by_source
from pipeline.core.sources import discover_families, discover_sources
from pipeline.core.warehouse import ident, read_published

NEWEST_FETCH = """
SELECT source, requested_at, mode, status, stale, stale_reason, error FROM raw_fetch
QUALIFY row_number() OVER (PARTITION BY source ORDER BY requested_at DESC, fetch_id DESC) = 1
"""
HOLDING = "SELECT source, count(*) FROM {} WHERE valid_to IS NULL GROUP BY source"
def _published(paths: Paths) -> tuple[dict, dict, dict]:
    fetches, holding, carried = {}, {}, {}
    with read_published(paths) as con:
        if con is None:
            return fetches, holding, carried
        cur = con.execute(NEWEST_FETCH)
        cols = [d[0] for d in cur.description]
        fetches = {row[0]: dict(zip(cols, row)) for row in cur.fetchall()}
        for family in discover_families().values():
            holding.update(dict(con.execute(HOLDING.format(ident(family.observation_table))).fetchall()))
        carried = carried_by_source(con)
    return fetches, holding, carried


def _problems(runs: list[RunSummary]) -> dict[str, str]:
    """Per source, what went wrong in the newest run that touched it (failure or failed check)."""
    out: dict[str, str] = {}
    for run in reversed(runs):  # oldest first: newer runs overwrite
        for outcome in run.sources:
            failed = [f"{c.check}: {c.description}" for c in run.blocking_failures
                      if c.asset.endswith("/" + outcome["source"])]
            out[outcome["source"]] = outcome.get("error") or "; ".join(failed)
        for failure in run.failures:
            for src in discover_sources():
                if f"source {src.name!r}" in failure:
                    out[src.name] = failure
    return out


def source_status(paths: Paths, instance: dg.DagsterInstance) -> list[dict]:
    fetches, holding, carried = _published(paths)
    problems = _problems(recent_runs(instance, limit=5))
    out = []
    for src in discover_sources():
        pub = fetches.get(src.name) or {}
        out.append({
            "source": f"{src.family}/{src.name}",
            "last_fetch": str(pub.get("requested_at") or "never")[:19],
            "mode": pub.get("mode") or "-",
            "status": pub.get("status") or "-",
            "rows": holding.get(src.name, 0),
            "stale": "yes" if pub.get("stale") else "no",
            "carried": carried.get(src.name, 0),
            "published": "yes" if pub else "never",
            "error": problems.get(src.name) or pub.get("error")
                     or (f"stale: {pub['stale_reason']}" if pub.get("stale_reason") else ""),
        })
    return out


def run_lines(instance: dg.DagsterInstance, limit: int = 3) -> list[str]:
    """The latest refreshes: who ran them, what they planned, whether they published and why not."""
    lines = []
    for run in recent_runs(instance, limit=limit):
        state = "published" if run.published else "NOT published"
        quarters = run.quarters
        span = f"{quarters[0]}–{quarters[-1]}" if len(quarters) > 1 else (quarters[0] if quarters else "-")
        lines.append(f"\nrefresh {run.run_id} ({run.mode}, quarters {span}, {run.status.lower()}): {state}")
        for failure in run.failures[:5]:
            lines.append(f"  failed: {failure}")
        for check in run.blocking_failures[:5]:
            lines.append(f"  check failed: {check.asset}:{check.check} {check.description or ''}")
    return lines


def format_table(rows: list[dict], columns: list[str]) -> str:
    widths = {c: max([len(c)] + [len(str(r[c])) for r in rows]) for c in columns[:-1]}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns[:-1]) + "  " + columns[-1]]
    for r in rows:
        lines.append("  ".join(str(r[c]).ljust(widths[c]) for c in columns[:-1]) + "  " + str(r[columns[-1]]))
    return "\n".join(lines)


def family_reports(paths: Paths) -> list[str]:
    """Each family's own status lines (alias coverage, unmapped names…), if it has any."""
    out = []
    with read_published(paths) as con:
        if con is None:
            return out
        for family in discover_families().values():
            if family.status_report is not None:
                text = family.status_report(con)
                if text:
                    out.append(text)
    return out
