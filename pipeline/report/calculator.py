"""The report's calculator page, `exports/report/calculator.html`: `ledger advise` in the browser.

One self-contained file beside index.html (which stays free of scripts): the latest quarter's
candidates and the rule table, exactly as `ledger advise` builds them (pipeline/advise), embedded
as JSON, and plain JavaScript (templates/calculator.js, a port of the advise rules, costs and
ranking; calculator_ui.js, the form, tables and chart) that ranks them as the reader changes the
volume, token mix and constraints. No network, no CDN.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import duckdb
from markupsafe import Markup

from pipeline import __version__
from pipeline.advise import candidates, tables
from pipeline.advise.answer import HIDDEN_COSTS_NOTE, SCHEMA
from pipeline.advise.rules import load_rules
from pipeline.core.export import atomic_write
from pipeline.core.fetch_records import utcnow
from pipeline.report import ENV, REPORT_DIR

CALCULATOR_FILE = "calculator.html"
SCRIPTS = ("calculator.js", "calculator_ui.js")
DEFAULT_REQUESTS_PER_MONTH = 1_000_000


def payload(con: duckdb.DuckDBPyConnection) -> dict | None:
    """What the page computes from: the latest quarter's candidates, the rules, the default mix."""
    found = tables.quarters(con)
    if not found:
        return None
    catalog = candidates.load(con, found[-1])
    return {"schema": SCHEMA, "quarter": catalog.quarter, "provisional": catalog.provisional,
            "default_requests_per_month": DEFAULT_REQUESTS_PER_MONTH, "mix": catalog.mix,
            "candidates": catalog.candidates, "unpriced": catalog.unpriced,
            "notes": [*catalog.notes, HIDDEN_COSTS_NOTE], "rules": [r.as_dict() for r in load_rules()]}


def script_json(value) -> Markup:
    """JSON safe inside a <script> element: no `<`, `>` or `&` left to end it or start markup."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return Markup(text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))


def _script() -> Markup:
    folder = resources.files("pipeline.report") / "templates"
    text = "\n".join((folder / name).read_text(encoding="utf-8") for name in SCRIPTS)
    if "</" in text:  # would end the inline <script> element early
        raise ValueError("calculator scripts must not contain '</'")
    return Markup(text)


def render_calculator(con: duckdb.DuckDBPyConnection) -> str:
    data = payload(con)
    return ENV.get_template(CALCULATOR_FILE).render(
        quarter=data and data["quarter"], provisional=bool(data and data["provisional"]), payload=data,
        data_json=script_json(data), script=_script(), generated=utcnow().isoformat(timespec="seconds"),
        version=__version__)


def write_calculator(con: duckdb.DuckDBPyConnection, exports_dir: Path) -> Path:
    target = Path(exports_dir) / REPORT_DIR / CALCULATOR_FILE
    html = render_calculator(con)
    atomic_write(target, lambda p: p.write_text(html, encoding="utf-8"))
    return target
