"""The report's calculator in headless Chromium: set the volume, token mix and constraints in the
page and the ranking, the figures, the crossovers and the exclusions it computes are those of
`ledger advise --format json` for the same inputs; the chart follows; hostile names stay text."""

from __future__ import annotations

import json

import duckdb
import pytest
from click.testing import CliRunner

from pipeline.app.cli import main
from pipeline.app.setup_browser import CHROMIUM, LAUNCH_FLAGS, unavailable_reason
from pipeline.report.calculator import write_calculator
from tests.integration.test_advise_managed import MANAGED, build
from tests.support.replay_build import replay_build

pytestmark = [pytest.mark.browser, pytest.mark.integration,
              pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))]

CASES = [
    {"requests": 1_000_000},
    {"requests": 5_000_000, "input": 2000, "output": 300, "checks": ["no-ml-ops"]},
    {"requests": 1_000_000, "checks": ["data-in-house"]},
    {"requests": 30_000_000, "output": 250, "checks": ["data-in-house"], "task": "structured"},
    {"requests": 2_000_000, "mau": 800_000_000, "task": "structured"},
    {"requests": 400_000, "checks": ["edge"], "fine_tune": "full"},
    {"requests": 250_000, "input": 500, "output": 2500, "min_tier": "2", "checks": ["vendor-independence"]},
]


def cli_args(case: dict) -> list[str]:
    args = ["--requests-per-month", str(case["requests"])]
    for key, flag in (("input", "--input-tokens"), ("output", "--output-tokens"), ("mau", "--monthly-active-users"),
                      ("task", "--task"), ("min_tier", "--min-tier"), ("fine_tune", "--fine-tune")):
        if key in case:
            args += [flag, str(case[key])]
    return args + [f"--{c}" for c in case.get("checks", [])]


def set_inputs(page, case: dict, defaults: tuple[int, int]) -> None:
    page.fill("#calc-input-tokens", str(case.get("input", defaults[0])))
    page.fill("#calc-output-tokens", str(case.get("output", defaults[1])))
    page.fill("#calc-mau", str(case.get("mau", "")))
    page.select_option("#calc-task", case.get("task", ""))
    page.select_option("#calc-min-tier", case.get("min_tier", ""))
    page.select_option("#calc-fine-tune", case.get("fine_tune", ""))
    for box in ("data-in-house", "no-ml-ops", "edge", "vendor-independence"):
        page.set_checked(f"#calc-{box}", box in case.get("checks", []))
    page.fill("#calc-requests", str(case["requests"]))


def page_answer(page) -> dict:
    return page.evaluate("""() => {
        const rows = [...document.querySelectorAll('#calc-options tbody tr')].map(
            tr => [tr.dataset.key, Number(tr.dataset.rank), Number(tr.dataset.cost)]);
        const r = window.ledgerAdvise.last.result;
        return {rows, crossovers: r.options.map(o => o.crossover), tiers: r.options.map(o => o.tier_for_task),
                excluded: r.excluded.map(x => [x.key, x.rule, x.also]),
                excludedRows: [...document.querySelectorAll('#calc-excluded tbody tr')].map(tr => [tr.dataset.key, tr.dataset.rule]),
                lines: document.querySelectorAll('#calc-chart polyline').length,
                marker: document.querySelectorAll('#calc-chart g.marker').length};
    }""")


def launch(p, tmp_path):
    return p.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=str(CHROMIUM), args=list(LAUNCH_FLAGS), headless=True,
        viewport={"width": 1300, "height": 900}, offline=True)


def test_the_page_ranks_as_ledger_advise_does_for_every_case(tmp_path_factory, instance, tmp_path):
    from playwright.sync_api import sync_playwright

    paths, _ = replay_build(tmp_path_factory, instance)
    env = {"LEDGER_WAREHOUSE_DIR": str(paths.warehouse_dir)}
    answers = []
    for case in CASES:
        done = CliRunner().invoke(main, ["advise", "--format", "json", *cli_args(case)], env=env)
        assert done.exit_code == 0, done.output
        answers.append(json.loads(done.stdout))
    defaults = (answers[0]["inputs"]["input_tokens"], answers[0]["inputs"]["output_tokens"])
    errors: list[str] = []
    with sync_playwright() as p:
        context = launch(p, tmp_path)
        try:
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
            page.goto((paths.exports_dir / "report" / "calculator.html").as_uri())
            assert page.locator("#calc-options tbody tr").count() > 10  # ranked on load, default inputs
            for case, want in zip(CASES, answers):
                set_inputs(page, case, defaults)
                got = page_answer(page)
                assert [r[0] for r in got["rows"]] == [o["key"] for o in want["options"]], case
                assert [r[1] for r in got["rows"]] == [o["rank"] for o in want["options"]], case
                for (_, _, cost), o in zip(got["rows"], want["options"]):
                    assert cost == pytest.approx(o["monthly_cost_usd"], rel=1e-12, abs=1e-9), (case, o["key"])
                assert got["crossovers"] == [o["crossover"] for o in want["options"]], case
                assert got["tiers"] == [o["tier_for_task"] for o in want["options"]], case
                assert got["excluded"] == [[e["key"], e["rule"], e["also"]] for e in want["excluded"]], case
                assert got["excludedRows"] == [[e["key"], e["rule"]] for e in want["excluded"]], case
                assert got["lines"] == min(6, len(want["options"])) and got["marker"] == (1 if want["options"] else 0)
            # The cases are not all alike: they rank different options first.
            assert len({a["options"][0]["key"] for a in answers if a["options"]}) >= 4
            page.screenshot(path=str(tmp_path / "calculator.png"), full_page=True)
        finally:
            context.close()
    assert errors == []
    assert (tmp_path / "calculator.png").stat().st_size > 10_000


HOSTILE_MODEL = '</script><script>window.pwned = 1</script>'
HOSTILE_PROVIDER = '<img src=x onerror="window.pwned = 2">'


def test_hostile_names_are_shown_as_text_and_run_nothing(tmp_path):
    from playwright.sync_api import sync_playwright

    rows = [dict(MANAGED[0], canonical_model=HOSTILE_MODEL, provider=HOSTILE_PROVIDER)]
    paths = build(tmp_path / "w", rows)
    with duckdb.connect(str(paths.db), read_only=True) as con:
        page_file = write_calculator(con, paths.exports_dir)
    errors: list[str] = []
    with sync_playwright() as p:
        context = launch(p, tmp_path)
        try:
            page = context.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(page_file.as_uri())
            labels = page.eval_on_selector_all("#calc-options tbody tr td:nth-child(2)", "tds => tds.map(t => t.textContent)")
            assert f"{HOSTILE_MODEL} @ {HOSTILE_PROVIDER}" in labels
            assert page.evaluate("typeof window.pwned") == "undefined"
            assert page.locator("img").count() == 0
        finally:
            context.close()
    assert errors == []
