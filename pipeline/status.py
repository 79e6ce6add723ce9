"""`ledger status`: per source, what was last tried and what is published."""

from __future__ import annotations

from pipeline.core.archive import RawArchive
from pipeline.core.paths import Paths
from pipeline.core.sources import discover_families, discover_sources
from pipeline.core.warehouse import read_published

PUBLISHED_FETCHES = """
SELECT f.source, f.fetch_id, f.requested_at, f.observed_at, f.mode, f.status, f.stale, f.error,
       coalesce(p.rows, 0) AS rows
FROM raw_fetch f LEFT JOIN parsed_bodies p
  ON p.source = f.source AND p.sha256 = f.sha256 AND p.parser_version = f.parser_version
QUALIFY row_number() OVER (PARTITION BY f.source ORDER BY f.requested_at DESC) = 1
"""


def source_status(paths: Paths) -> list[dict]:
    attempts: dict[str, dict] = {}
    for rec in RawArchive(paths.raw_dir).fetches():
        src = rec.get("source")
        if src and (src not in attempts or rec["requested_at"] >= attempts[src]["requested_at"]):
            attempts[src] = rec
    published: dict[str, dict] = {}
    with read_published(paths) as con:
        if con is not None:
            cur = con.execute(PUBLISHED_FETCHES)
            cols = [d[0] for d in cur.description]
            published = {row[0]: dict(zip(cols, row)) for row in cur.fetchall()}
    problems = _last_run_problems(paths)
    out = []
    for src in discover_sources():
        last, pub = attempts.get(src.name), published.get(src.name)
        out.append({
            "source": f"{src.family}/{src.name}",
            "last_fetch": (last or {}).get("requested_at", "")[:19].replace("T", " ") or "never",
            "mode": (last or {}).get("mode", "-"),
            "status": (last or {}).get("status") or "-",
            "rows": pub["rows"] if pub else 0,
            "stale": "yes" if (last or {}).get("stale") else "no",
            "published": str(pub["requested_at"])[:19] if pub else "never",
            "error": problems.get(src.name) or (last or {}).get("error")
                     or (f"stale: {last['stale_reason']}" if (last or {}).get("stale_reason") else ""),
        })
    return out


def _last_run_problems(paths: Paths) -> dict[str, str]:
    """Per source, what went wrong in the newest refresh that touched it (failures, failed checks)."""
    from pipeline.run_report import recent_runs

    out: dict[str, str] = {}
    for run in reversed(recent_runs(paths, limit=5)):  # oldest first: newer runs overwrite
        touched = {s["source"]: s for s in run.get("sources", [])}
        for name, outcome in touched.items():
            failed = [f"{c['check']}: {c['description']}" for c in run.get("checks", [])
                      if not c["passed"] and c["severity"] == "ERROR" and c["asset"].endswith("/" + name)]
            problem = outcome.get("error") or "; ".join(failed)
            out[name] = problem
    return out


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
