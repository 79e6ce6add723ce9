"""The HTML report: `exports/report/index.html`, one self-contained file (inline CSS and SVG, no
script, nothing fetched), from the published warehouse.

The latest quarter's tables in the shapes people know (openness spectrum, performance and
tiers, API cost at scale, self-hosted cost, crossover, TCO, managed inference), four charts, and a
provenance list that every number links to (source and observed date); beside it, calculator.html
(calculator.py: `ledger advise` computed in the page, the report's one file with a script). The
sections are built as data here and written by the Jinja2 templates in `templates/` (package data,
autoescaped: a model name or a
license passage is text, never markup); the charts are SVG built in svg.py, which escapes its
own text and hands the template markup.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import jinja2

from pipeline import __version__
from pipeline.core.export import atomic_write
from pipeline.core.fetch_records import utcnow
from pipeline.report import charts, data, managed, sections
from pipeline.report.cells import Missing
from pipeline.report.provenance import Provenance

REPORT_DIR = "report"
REPORT_FILE = "index.html"
SECTIONS = (("spectrum", "Openness spectrum"), ("tiers", "Performance and quality tiers"),
            ("api-cost", "API cost at scale"), ("self-hosted", "Self-hosted cost"),
            ("crossover", "Crossover: when self-hosting becomes cheaper"), ("tco", "Total cost of ownership"),
            ("managed", "Managed inference against self-hosting and closed APIs"),
            ("charts", "Over the quarters"), ("provenance", "Provenance"))
TABLE_NAMES = {"spectrum": "openness_spectrum", "tiers": "quality_tiers", "api-cost": "api_cost_at_scale",
               "self-hosted": "self_hosted_cost", "crossover": "crossover", "tco": "tco_at_volume",
               "managed": "managed_inference"}
ENV = jinja2.Environment(loader=jinja2.PackageLoader("pipeline.report", "templates"), autoescape=True,
                         undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def render(con: duckdb.DuckDBPyConnection) -> str:
    quarter = data.latest_quarter(con)
    prov = Provenance(con)
    if quarter is None:
        tables = {key: Missing(name) for key, name in TABLE_NAMES.items()}
    else:
        inputs = sections.Inputs(con, quarter, prov)
        tables = {"spectrum": sections.spectrum(con, quarter, prov), "tiers": sections.tiers(con, quarter, inputs),
                  "api-cost": sections.api_cost(con, quarter, inputs),
                  "self-hosted": sections.self_hosted(con, quarter, inputs),
                  "crossover": sections.crossover(con, quarter, inputs), "tco": sections.tco(con, quarter, inputs),
                  "managed": managed.managed(con, quarter, inputs)}
    svgs = [charts.price_chart(con, prov), charts.gap_chart(con), charts.cost_volume_chart(con, quarter),
            charts.gpu_chart(con)]
    run = data.last_run(con)
    return ENV.get_template("report.html").render(
        quarter=quarter, provisional=quarter is not None and data.is_provisional(con, quarter),
        run={k: str(run.get(k, "?")) for k in ("run_id", "mode", "as_of")},
        generated=utcnow().isoformat(timespec="seconds"), version=__version__, sections=SECTIONS,
        tables=tables, charts=svgs, entries=prov.ordered())


def write_report(con: duckdb.DuckDBPyConnection, exports_dir: Path) -> Path:
    from pipeline.report.calculator import write_calculator

    target = Path(exports_dir) / REPORT_DIR / REPORT_FILE
    html = render(con)
    atomic_write(target, lambda p: p.write_text(html, encoding="utf-8"))
    write_calculator(con, exports_dir)
    return target
