"""Recovered revenue over virtual time, one line per strategy, as a standalone SVG."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from xml.sax.saxutils import escape

from tinko.kit.money import minor_unit_exponent

_COLOURS = ("#1b7f5f", "#c2571a", "#4660b8", "#8a8a8a", "#a23b72")
_WIDTH, _HEIGHT = 760, 420
_LEFT, _RIGHT, _TOP, _BOTTOM = 90, 170, 40, 50


def recovered_svg(
    series: Mapping[str, Sequence[int]],
    *,
    start: date,
    currency: str,
    title: str,
    oracle: int | None = None,
) -> str:
    """``series``: cumulative recovered revenue (minor units) at the end of each virtual day."""
    days = max((len(s) for s in series.values()), default=1) - 1
    top = max([oracle or 0, *(max(s, default=0) for s in series.values())]) or 1
    plot_w, plot_h = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM

    def x(day: float) -> float:
        return _LEFT + plot_w * (day / max(days, 1))

    def y(value: float) -> float:
        return _TOP + plot_h * (1 - value / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{_HEIGHT}" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT}" font-family="sans-serif" font-size="12">',
        f'<rect width="{_WIDTH}" height="{_HEIGHT}" fill="white"/>',
        f'<text x="{_LEFT}" y="22" font-size="15">{escape(title)}</text>',
    ]
    for i in range(5):
        value = top * i / 4
        parts.append(
            f'<line x1="{_LEFT}" x2="{_LEFT + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            'stroke="#e3e3e3"/>'
        )
        parts.append(
            f'<text x="{_LEFT - 8}" y="{y(value) + 4:.1f}" text-anchor="end">'
            f"{escape(_money(value, currency))}</text>"
        )
    step = max(1, days // 6)
    for day in range(0, days + 1, step):
        label = (start + timedelta(days=day)).isoformat()
        parts.append(
            f'<text x="{x(day):.1f}" y="{_TOP + plot_h + 18}" text-anchor="middle">{label}</text>'
        )
    if oracle:
        parts.append(
            f'<line x1="{_LEFT}" x2="{_LEFT + plot_w}" y1="{y(oracle):.1f}" y2="{y(oracle):.1f}" '
            'stroke="#444" stroke-dasharray="5 4"/>'
        )
        parts.append(f'<text x="{_LEFT + plot_w + 8}" y="{y(oracle) + 4:.1f}">oracle bound</text>')
    for i, (name, values) in enumerate(series.items()):
        colour = _COLOURS[i % len(_COLOURS)]
        points = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in enumerate(values))
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
        )
        label_y = _TOP + 30 + 18 * i
        parts.append(
            f'<rect x="{_LEFT + plot_w + 8}" y="{label_y + 60}" width="12" height="3" '
            f'fill="{colour}"/>'
        )
        parts.append(f'<text x="{_LEFT + plot_w + 26}" y="{label_y + 65}">{escape(name)}</text>')
    parts.append(
        f'<text x="{_LEFT + plot_w / 2:.1f}" y="{_HEIGHT - 8}" text-anchor="middle">'
        "virtual day (recovered revenue, cumulative)</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _money(minor: float, currency: str) -> str:
    major = minor / 10 ** minor_unit_exponent(currency)
    if major >= 1_000_000:
        return f"{currency} {major / 1_000_000:.1f}M"
    if major >= 1_000:
        return f"{currency} {major / 1_000:.0f}k"
    return f"{currency} {major:.0f}"
