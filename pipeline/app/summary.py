"""The one-screen summary printed at the end of a refresh."""

from __future__ import annotations

from collections import Counter

from pipeline.app.runs import RunSummary


def _kind(source: dict) -> str:
    modes = set(source.get("modes", "").split(","))
    if source.get("gap"):
        return "gap"
    if "failed" in modes or source.get("error"):
        return "failed"
    if "fallback" in modes:
        return "fallback"
    if "live" in modes:
        return "live"
    if "backfill" in modes:
        return "backfill"
    if "file" in modes:
        return "file"
    if "replay" in modes or "bundled" in modes:
        return "replay"
    return "unchanged"  # nothing new to read (e.g. a curated file already read at this time)


def render(report: RunSummary) -> str:
    kinds = Counter(_kind(s) for s in report.sources)
    quarters = (f"{report.quarters[0]}–{report.quarters[-1]}" if len(report.quarters) > 1
                else report.quarters[0] if report.quarters else "-")
    lines = [
        "",
        f"refresh {report.run_id[:8]}  mode {report.mode}  as of {report.plan.get('as_of', '?')} UTC  "
        f"({report.seconds:.1f}s)",
        f"quarters {quarters}" + (f": {report.plan['quarters_reason']}" if report.plan.get("quarters_reason") else ""),
        "sources: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) if kinds else "sources: none",
    ]
    for s in sorted(report.sources, key=lambda s: (s["family"], s["source"])):
        note = s.get("error") or (f"stale: {s.get('stale_reason') or 'live fetch failed'}; served the newest "
                                  "archived or bundled response" if s.get("stale") else "")
        lines.append(f"  {s['family'] + '/' + s['source']:<30} {_kind(s):<9} {s.get('rows_added', 0):>6} versions added"
                     f"  {s.get('rejected', 0)} rejected  {s.get('quarantined', 0)} quarantined  {note}".rstrip())
    meta = report.published_metadata
    carried = meta.get("carried_forward") or {}
    carried_text = (f"{sum(carried.values())} rows carried forward into {report.quarters[-1] if report.quarters else '-'}"
                    + (" (" + ", ".join(f"{s} {n}" for s, n in sorted(carried.items()) if n) + ")"
                       if any(carried.values()) else ""))
    if meta.get("bundled_files"):
        lines.append(f"bundled seed: {meta['bundled_files']} files from {meta.get('bundled_sources', 0)} sources, "
                     + carried_text)
    elif any(carried.values()):
        lines.append(carried_text)
    passed = sum(c.passed for c in report.checks)
    lines.append(f"checks: {passed} passed, {len(report.blocking_failures)} blocking failed, "
                 f"{len(report.warnings)} warnings")
    for c in report.blocking_failures + report.warnings:
        level = "FAILED" if c.severity == "ERROR" else "warn"
        lines.append(f"  {level:<6} {c.asset}:{c.check}  {c.description or ''}")
    for failure in report.failures:
        lines.append(f"  error  {failure}")
    if report.published:
        lines.append(f"published: {report.warehouse}")
        lines.append(f"exports:   {report.exports} (manifest.json)")
    else:
        lines.append(f"NOT published: {report.warehouse} and {report.exports} are unchanged")
    return "\n".join(lines)
