"""The HTML report in headless Chromium: tables and every chart render, every number links to a
provenance row of the page, nothing logs an error."""

from __future__ import annotations

import pytest

from pipeline.app.setup_browser import CHROMIUM, LAUNCH_FLAGS, unavailable_reason
from tests.support.replay_build import replay_build

pytestmark = [pytest.mark.browser, pytest.mark.integration,
              pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))]
CHARTS = ("c-prices", "c-gap", "c-crossover", "c-gpu")


def test_report_tables_and_charts_render_without_console_errors(tmp_path_factory, instance, tmp_path):
    from playwright.sync_api import sync_playwright

    paths, _ = replay_build(tmp_path_factory, instance)
    report = paths.exports_dir / "report" / "index.html"
    errors: list[str] = []
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), args=list(LAUNCH_FLAGS), headless=True,
            viewport={"width": 1300, "height": 900}, offline=True)  # self-contained: no network needed
        try:
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
            page.goto(report.as_uri())
            for table in ("t-spectrum", "t-tiers", "t-api-cost", "t-self-hosted", "t-crossover", "t-tco"):
                rows = page.locator(f"#{table} tbody tr")
                assert rows.count() > 0 and rows.first.is_visible(), table
            for chart in CHARTS:
                svg = page.locator(f"svg#{chart}")
                box = svg.bounding_box()
                assert box and box["width"] > 300 and box["height"] > 200, chart
                assert svg.locator("circle").count() >= 4 and svg.locator("polyline").count() >= 1, chart
                # Drawn, not just present: the first series' line has a rendered length.
                length = svg.locator("polyline").first.evaluate("el => el.getTotalLength()")
                assert length > 10, chart
            # Every number is a link to a provenance row present in the page; following one lands on it.
            numbers = page.evaluate("""() => [...document.querySelectorAll('table.data td.num')].map(td => {
                const a = td.querySelector('a[href^="#"]');
                return a && document.getElementById(a.getAttribute('href').slice(1)) ? a.getAttribute('href') : null;
            })""")
            assert len(numbers) > 400 and None not in numbers
            volume = page.locator("#t-tco td.num a").first
            target = volume.get_attribute("href")
            volume.click()
            assert page.evaluate("location.hash") == target and page.locator(f"tr{target}").is_visible()
            page.locator("#c-prices").scroll_into_view_if_needed()
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            context.close()
    assert errors == []
    assert (tmp_path / "report.png").stat().st_size > 10_000
