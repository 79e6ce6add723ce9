"""The HTML report: `exports/report/index.html`, one self-contained file (inline CSS and SVG, no
script, nothing fetched), from the published warehouse.

The latest quarter's tables in the shapes people know (openness spectrum, performance and
tiers, API cost at scale, self-hosted cost, crossover, TCO), four charts, and a provenance list
that every number links to (source and observed date).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import duckdb

from pipeline import __version__
from pipeline.core.export import atomic_write
from pipeline.core.fetch_records import utcnow
from pipeline.report import charts, data, sections
from pipeline.report.provenance import Provenance

REPORT_DIR = "report"
REPORT_FILE = "index.html"
STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;padding:1rem 2rem;
color:#222}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:13px}th,td{border:1px solid #ddd;padding:3px 7px;
vertical-align:top}th{background:#f4f4f4;text-align:left}td.num{text-align:right;white-space:nowrap}
td.na{color:#999;text-align:center}td a{color:#0b5cad;text-decoration:none}td a:hover{text-decoration:underline}
.note,.meta{color:#555}.missing{color:#a33}.charts{display:flex;flex-wrap:wrap;gap:1rem}
svg.chart{background:#fff;border:1px solid #ddd}svg .grid{stroke:#eee}svg .axis{stroke:#888}
svg .tk,svg .lg{font-size:11px;fill:#444}svg .ct{font-size:13px;font-weight:600;fill:#222}
svg .al{font-size:11px;fill:#666}svg .marker line{stroke:#555;stroke-dasharray:3 3}svg .marker text{font-size:11px}
table.prov{font-size:12px}nav a{margin-right:1rem}
"""
SECTIONS = (("spectrum", "Openness spectrum"), ("tiers", "Performance and quality tiers"),
            ("api-cost", "API cost at scale"), ("self-hosted", "Self-hosted cost"),
            ("crossover", "Crossover: when self-hosting becomes cheaper"), ("tco", "Total cost of ownership"),
            ("charts", "Over the quarters"), ("provenance", "Provenance"))


def render(con: duckdb.DuckDBPyConnection) -> str:
    quarter = data.latest_quarter(con)
    prov = Provenance(con)
    body: dict[str, str] = {}
    if quarter is None:
        body = {key: sections.missing(key) for key, _ in SECTIONS[:6]}
    else:
        inputs = sections.Inputs(con, quarter, prov)
        body["spectrum"] = sections.spectrum(con, quarter, prov)
        body["tiers"] = sections.tiers(con, quarter, inputs)
        body["api-cost"] = sections.api_cost(con, quarter, inputs)
        body["self-hosted"] = sections.self_hosted(con, quarter, inputs)
        body["crossover"] = sections.crossover(con, quarter, inputs)
        body["tco"] = sections.tco(con, quarter, inputs)
    body["charts"] = '<div class="charts">' + "".join([
        charts.price_chart(con, prov), charts.gap_chart(con), charts.cost_volume_chart(con, quarter),
        charts.gpu_chart(con)]) + "</div>"
    body["provenance"] = ('<p class="note">Each number above links here: the response it was read from '
                          "(source, URL, observed date) or the inputs it was computed from.</p>" + prov.html())
    provisional = quarter is not None and data.is_provisional(con, quarter)
    return _page(quarter, provisional, data.last_run(con), body)


def _page(quarter: str | None, provisional: bool, run: dict, body: dict[str, str]) -> str:
    note = " (provisional: the quarter is still running)" if provisional else ""
    meta = (f"Quarter <b>{escape(quarter or 'none yet')}</b>{note}. Refresh {escape(str(run.get('run_id', '?')))}"
            f" ({escape(str(run.get('mode', '?')))}, as of {escape(str(run.get('as_of', '?')))} UTC). "
            f"Generated {utcnow().isoformat(timespec='seconds')} UTC by llm-ledger {escape(__version__)}. "
            'Data: <a href="../manifest.json">exports</a>, <a href="../dictionary.md">data dictionary</a>.')
    nav = "".join(f'<a href="#{key}">{escape(title)}</a>' for key, title in SECTIONS)
    parts = [f'<section id="{key}"><h2>{escape(title)}</h2>{body.get(key, "")}</section>' for key, title in SECTIONS]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>llm-ledger report {escape(quarter or '')}</title><style>{STYLE}</style></head><body>"
            f"<h1>LLM deployment economics</h1><p class=\"meta\">{meta}</p><nav>{nav}</nav>"
            + "".join(parts) + "</body></html>\n")


def write_report(con: duckdb.DuckDBPyConnection, exports_dir: Path) -> Path:
    target = Path(exports_dir) / REPORT_DIR / REPORT_FILE
    html = render(con)
    atomic_write(target, lambda p: p.write_text(html, encoding="utf-8"))
    return target
