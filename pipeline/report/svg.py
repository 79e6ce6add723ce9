"""Line charts as inline SVG: no script, no fonts to fetch, readable with the network off.

A chart is a pure function of its series; x is either categorical (quarter labels) or numeric
(on a log scale for volumes), y linear or log. Each point carries a tooltip and may link to the
provenance entry of the number it plots. Every text a chart shows (titles, series names,
tooltips) is escaped here, and a chart is returned as markupsafe.Markup: the report's templates
insert it as it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22")
WIDTH, HEIGHT = 720, 340
LEFT, RIGHT, TOP, BOTTOM = 72, 200, 36, 48


@dataclass
class Point:
    x: float | str
    y: float
    tooltip: str = ""
    href: str | None = None


@dataclass
class Series:
    name: str
    points: list[Point] = field(default_factory=list)
    dashed: bool = False
    step: bool = False  # draw as a staircase (e.g. whole GPU replicas)


@dataclass
class Marker:
    x: float
    label: str


class _Scale:
    def __init__(self, lo: float, hi: float, out_lo: float, out_hi: float, log: bool):
        self.log = log
        if log:
            lo, hi = math.log10(max(lo, 1e-12)), math.log10(max(hi, 1e-12))
        if hi - lo < 1e-12:
            lo, hi = lo - (1 if log else max(abs(lo) * 0.1, 1)), hi + (1 if log else max(abs(hi) * 0.1, 1))
        self.lo, self.hi, self.out_lo, self.out_hi = lo, hi, out_lo, out_hi

    def __call__(self, v: float) -> float:
        v = math.log10(max(v, 1e-12)) if self.log else v
        return self.out_lo + (v - self.lo) / (self.hi - self.lo) * (self.out_hi - self.out_lo)

    def ticks(self) -> list[float]:
        if self.log:
            # 1-2-5 steps when the axis spans few decades, else decades only.
            steps = (1, 2, 5) if self.hi - self.lo <= 2.5 else (1,)
            return [m * 10.0 ** e for e in range(math.floor(self.lo), math.ceil(self.hi) + 1) for m in steps
                    if self.lo - 1e-9 <= e + math.log10(m) <= self.hi + 1e-9]
        span = self.hi - self.lo
        step = 10 ** math.floor(math.log10(span / 5))
        for mult in (1, 2, 5, 10):
            if span / (step * mult) <= 6:
                step *= mult
                break
        first = math.ceil(self.lo / step) * step
        return [first + i * step for i in range(int((self.hi - first) / step + 1e-9) + 1)]


def compact(v: float) -> str:
    """1200 -> 1.2K, 3_000_000 -> 3M, 0.15 -> 0.15."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(v) >= size:
            return f"{v / size:.3g}{suffix}"
    return f"{v:.3g}"


def line_chart(series: list[Series], *, title: str, y_label: str, x_labels: list[str] | None = None,
               log_x: bool = False, log_y: bool = False, markers: list[Marker] = (),
               y_prefix: str = "", chart_id: str = "") -> Markup:
    """An <svg> element. With `x_labels`, x values are those labels (categorical axis)."""
    series = [s for s in series if s.points]
    xs = [_x(p.x, x_labels) for s in series for p in s.points] + [m.x for m in markers]
    ys = [p.y for s in series for p in s.points if p.y is not None and (p.y > 0 or not log_y)]
    if not xs or not ys:
        return _empty(title, chart_id)
    lo_y = min(ys) if log_y else min(0.0, min(ys))
    sx = _Scale(min(xs), max(xs), LEFT, WIDTH - RIGHT, log_x)
    sy = _Scale(lo_y, max(ys) * (1.0 if log_y else 1.08), HEIGHT - BOTTOM, TOP, log_y)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}">',
           f"<title>{escape(title)}</title>",
           f'<text x="{LEFT}" y="20" class="ct">{escape(title)}</text>',
           f'<text x="14" y="{(HEIGHT - BOTTOM + TOP) / 2:.0f}" class="al" '
           f'transform="rotate(-90 14 {(HEIGHT - BOTTOM + TOP) / 2:.0f})">{escape(y_label)}</text>']
    for t in sy.ticks():
        y = sy(t)
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                   f'<text x="{LEFT - 6}" y="{y + 4:.1f}" class="tk" text-anchor="end">{escape(y_prefix)}{compact(t)}</text>')
    x_ticks = list(enumerate(x_labels)) if x_labels is not None else [(t, compact(t)) for t in sx.ticks()]
    for value, label in x_ticks:
        x = sx(value)
        out.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" class="tk" text-anchor="middle">'
                   f"{escape(str(label))}</text>")
    out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM}" class="axis"/>')
    for m in markers:
        x = sx(m.x)
        # The label goes on the side of the line with more room.
        anchor, dx = ("end", -4) if x > (LEFT + WIDTH - RIGHT) / 2 else ("start", 4)
        out.append(f'<g class="marker"><line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}"/>'
                   f'<text x="{x + dx:.1f}" y="{TOP + 12}" text-anchor="{anchor}">{escape(m.label)}</text></g>')
    for i, s in enumerate(series):
        out.append(_series(s, PALETTE[i % len(PALETTE)], sx, sy, x_labels, i))
    out.append("</svg>")
    return Markup("".join(out))  # every text in it went through escape()


def _x(x: float | str, labels: list[str] | None) -> float:
    return float(labels.index(x)) if labels is not None else float(x)


def _series(s: Series, color: str, sx: _Scale, sy: _Scale, labels: list[str] | None, i: int) -> str:
    pts = sorted(((sx(_x(p.x, labels)), sy(p.y), p) for p in s.points if p.y is not None), key=lambda t: t[0])
    coords = []
    for j, (x, y, _) in enumerate(pts):
        if s.step and j:
            coords.append(f"{x:.1f},{pts[j - 1][1]:.1f}")
        coords.append(f"{x:.1f},{y:.1f}")
    dash = ' stroke-dasharray="6 4"' if s.dashed else ""
    parts = [f'<g class="series" data-series="{escape(s.name)}">',
             f'<polyline fill="none" stroke="{color}" stroke-width="2"{dash} points="{" ".join(coords)}"/>']
    for x, y, p in pts:
        dot = (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}">'
               f"<title>{escape(p.tooltip or s.name)}</title></circle>")
        parts.append(f'<a href="{escape(p.href)}">{dot}</a>' if p.href else dot)
    ly = TOP + 14 + 18 * i
    parts.append(f'<rect x="{WIDTH - RIGHT + 14}" y="{ly - 9}" width="12" height="4" fill="{color}"/>'
                 f'<text x="{WIDTH - RIGHT + 32}" y="{ly - 4}" class="lg">{escape(_short(s.name))}</text></g>')
    return "".join(parts)


def _short(name: str, limit: int = 26) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _empty(title: str, chart_id: str) -> Markup:
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" class="chart empty" id="{escape(chart_id)}" '
                  f'viewBox="0 0 {WIDTH} 60" width="{WIDTH}" height="60"><title>{escape(title)}</title>'
                  f'<text x="10" y="34" class="ct">{escape(title)}: no data in the warehouse yet</text></svg>')
