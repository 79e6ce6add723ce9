"""The report's inline SVG charts: points where they belong, log axes, the crossover marker."""

from __future__ import annotations

import re

from markupsafe import Markup

from pipeline.report.svg import Marker, Point, Series, compact, line_chart


def circles(svg: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg)]


def test_categorical_chart_places_quarters_left_to_right_and_higher_values_higher():
    svg = line_chart([Series("openai/gpt-4o", [Point("2026Q3", 10.0), Point("2026Q4", 5.0)])],
                     title="price", y_label="USD", x_labels=["2026Q3", "2026Q4"])
    (x1, y1), (x2, y2) = circles(svg)
    assert x1 < x2 and y1 < y2  # SVG y grows downwards: the cut is drawn lower
    assert "<title>price</title>" in svg and ">2026Q3<" in svg and "openai/gpt-4o" in svg


def test_log_axes_tick_decades_and_marker_is_drawn():
    svg = line_chart([Series("api", [Point(1e4, 10.0), Point(1e6, 1000.0)])], title="cost", y_label="USD",
                     log_x=True, log_y=True, markers=[Marker(1e5, "crossover 100K")], y_prefix="$")
    assert ">10K<" in svg and ">1M<" in svg and ">$100<" in svg
    assert 'class="marker"' in svg and "crossover 100K" in svg
    (xa, _), (xb, _) = circles(svg)
    marker_x = float(re.search(r'<g class="marker"><line x1="([\d.]+)"', svg).group(1))
    assert abs(marker_x - (xa + xb) / 2) < 0.5  # 1e5 sits halfway between 1e4 and 1e6 on a log axis


def test_step_series_and_links():
    svg = line_chart([Series("hosted", [Point(1, 5.0, "one", "#p1"), Point(2, 10.0)], step=True)],
                     title="t", y_label="y")
    points = re.search(r'points="([^"]+)"', svg).group(1).split()
    assert len(points) == 3  # a staircase adds the corner between two points
    assert '<a href="#p1"><circle' in svg and "<title>one</title>" in svg


def test_no_data_says_so():
    svg = line_chart([], title="Open–closed quality gap", y_label="score")
    assert 'class="chart empty"' in svg and "no data in the warehouse yet" in svg


def test_compact_numbers():
    assert [compact(v) for v in (1200, 3_000_000, 0.15, 2.5e9)] == ["1.2K", "3M", "0.15", "2.5B"]


def test_hostile_names_and_tooltips_are_escaped_and_the_chart_is_markup():
    svg = line_chart([Series('<script>alert("x")</script>', [Point("2026Q3", 1.0, "</title><script>1</script>", "#p1"),
                                                            Point("2026Q4", 2.0)])],
                     title="<b>prices</b> & more", y_label="USD", x_labels=["2026Q3", "2026Q4"], chart_id='c"x')
    assert isinstance(svg, Markup) and "<script>" not in svg and "<b>" not in svg
    assert 'data-series="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"' in svg
    assert "<title>&lt;/title&gt;&lt;script&gt;1&lt;/script&gt;</title>" in svg and 'id="c&quot;x"' in svg
    assert "&lt;b&gt;prices&lt;/b&gt; &amp; more" in svg
