"""A stacked area chart of a campaign over time, as inline SVG: one band per counter of the page
(delivered, sent, waiting, failed, cancelled), coloured by clinic.css, on a time axis with round
ticks (minutes, hours or days, as the campaign's length calls for)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape

WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_BOTTOM, PAD_TOP = 640, 220, 44, 12, 26, 8
MAX_TICKS = 6
TICK_STEPS = [timedelta(minutes=m) for m in (1, 2, 5, 10, 15, 30)] + \
             [timedelta(hours=h) for h in (1, 2, 3, 6, 12)] + [timedelta(days=d) for d in (1, 2, 7, 14, 28)]
BAMAKO = timezone.utc  # Africa/Bamako is UTC+0 all year


def _floor(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=BAMAKO)
    return epoch + step * ((moment.astimezone(BAMAKO) - epoch) // step)


def axis(start: datetime, end: datetime) -> tuple[datetime, datetime, list[datetime], str]:
    """The time axis: (left, right, ticks, strftime format). At least a minute wide, its ends on
    whole minutes, its ticks on round times."""
    left = _floor(start, timedelta(minutes=1))
    right = max(_floor(end, timedelta(minutes=1)) + timedelta(minutes=1), left + timedelta(minutes=1))
    span = right - left
    step = next((s for s in TICK_STEPS if span / s <= MAX_TICKS), TICK_STEPS[-1])
    tick = _floor(left, step)
    ticks = []
    while tick <= right:
        if tick >= left:
            ticks.append(tick)
        tick += step
    if step >= timedelta(days=1):
        pattern = "%d/%m"
    elif span > timedelta(hours=20):
        pattern = "%d/%m %Hh"
    else:
        pattern = "%H:%M"
    return left, right, ticks, pattern


def _x(moment: datetime, left: datetime, right: datetime) -> float:
    return PAD_LEFT + (WIDTH - PAD_LEFT - PAD_RIGHT) * ((moment - left) / (right - left))


def _y(value: float, top: int) -> float:
    return PAD_TOP + (HEIGHT - PAD_TOP - PAD_BOTTOM) * (1 - value / top)


def svg(points, series: tuple[str, ...], labels: dict[str, str], title: str) -> str:
    """`points` have `.at` and `.counts` (ussd_app.clinic.campaigns.Point); `series` are stacked
    from the bottom; `labels` are already translated."""
    if not points:
        return ""
    left, right, ticks, pattern = axis(points[0].at, points[-1].at)
    # The state after the last point holds until the axis' end (nothing is known to change).
    moments = [p.at for p in points] + [right]
    stacks = [dict(p.counts) for p in points] + [dict(points[-1].counts)]
    top = max(max(sum(c.get(s, 0) for s in series) for c in stacks), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for value in sorted({0, top // 2, top}):
        y = _y(value, top)
        parts.append(f'<line class="grid" x1="{PAD_LEFT}" y1="{y:.1f}" x2="{WIDTH - PAD_RIGHT}" y2="{y:.1f}"/>')
        parts.append(f'<text x="{PAD_LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{value}</text>')
    xs = [_x(m, left, right) for m in moments]
    lower = [0] * len(stacks)
    for name in series:
        upper = [low + c.get(name, 0) for low, c in zip(lower, stacks)]
        outline = [f"{x:.1f},{_y(v, top):.1f}" for x, v in zip(xs, upper)]
        outline += [f"{x:.1f},{_y(v, top):.1f}" for x, v in reversed(list(zip(xs, lower)))]
        last = stacks[-1].get(name, 0)
        parts.append(f'<polygon class="s-{name}" points="{" ".join(outline)}" data-series="{name}" '
                     f'data-last="{last}"><title>{escape(labels[name])}: {last}</title></polygon>')
        lower = upper
    for tick in ticks:
        x = _x(tick, left, right)
        anchor = "start" if x < PAD_LEFT + 30 else "end" if x > WIDTH - PAD_RIGHT - 30 else "middle"
        parts.append(f'<text class="tick" x="{x:.1f}" y="{HEIGHT - 8}" font-size="11" '
                     f'text-anchor="{anchor}">{tick.strftime(pattern)}</text>')
    parts.append("</svg>")
    return "".join(parts)
