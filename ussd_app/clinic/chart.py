"""A stacked area chart of a campaign over time (delivered, failed, pending) as inline SVG."""

from __future__ import annotations

from datetime import datetime, timedelta
from xml.sax.saxutils import escape

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 220, 44, 26, 8
COLOURS = {"delivered": "#15803d", "failed": "#be123c", "pending": "#d4a017"}


def _x(i: int, n: int) -> float:
    return PAD_LEFT + (WIDTH - PAD_LEFT - 8) * (i / max(n - 1, 1))


def _y(value: float, top: int) -> float:
    return PAD_TOP + (HEIGHT - PAD_TOP - PAD_BOTTOM) * (1 - value / top)


def _band(lower: list[int], upper: list[int], top: int) -> str:
    n = len(upper)
    points = [f"{_x(i, n):.1f},{_y(upper[i], top):.1f}" for i in range(n)]
    points += [f"{_x(i, n):.1f},{_y(lower[i], top):.1f}" for i in reversed(range(n))]
    return " ".join(points)


def svg(series: list[tuple[datetime, int, int, int]], labels: dict[str, str], title: str) -> str:
    """`series` rows are (moment, delivered, failed, pending); `labels` are already translated."""
    if not series:
        return ""
    top = max(max(d + f + p for _, d, f, p in series), 1)
    delivered = [d for _, d, _f, _p in series]
    failed_top = [d + f for _, d, f, _p in series]
    pending_top = [d + f + p for _, d, f, p in series]
    zero = [0] * len(series)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for value in (0, top // 2, top):
        y = _y(value, top)
        parts.append(f'<line x1="{PAD_LEFT}" y1="{y:.1f}" x2="{WIDTH - 8}" y2="{y:.1f}" stroke="#d5ddd8"/>')
        parts.append(f'<text x="{PAD_LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{value}</text>')
    parts.append(f'<polygon points="{_band(zero, delivered, top)}" fill="{COLOURS["delivered"]}" '
                 f'data-series="delivered"><title>{escape(labels["delivered"])}</title></polygon>')
    parts.append(f'<polygon points="{_band(delivered, failed_top, top)}" fill="{COLOURS["failed"]}" '
                 f'data-series="failed"><title>{escape(labels["failed"])}</title></polygon>')
    parts.append(f'<polygon points="{_band(failed_top, pending_top, top)}" fill="{COLOURS["pending"]}" '
                 f'data-series="pending"><title>{escape(labels["pending"])}</title></polygon>')
    n = len(series)
    short_run = series[-1][0] - series[0][0] < timedelta(hours=1)
    for i in (0, n // 2, n - 1):
        anchor = "start" if i == 0 else "end" if i == n - 1 else "middle"
        moment = series[i][0].strftime("%H:%M:%S" if short_run else "%d/%m %H:%M")
        parts.append(f'<text x="{_x(i, n):.1f}" y="{HEIGHT - 8}" font-size="11" text-anchor="{anchor}">{moment}</text>')
    parts.append("</svg>")
    return "".join(parts)
