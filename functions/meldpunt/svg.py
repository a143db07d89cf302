"""Geometry of accessible horizontal bar charts; the SVG itself is drawn by a template.

A pure function from (label, published value) rows to a :class:`Chart`: positions and
sizes only. ``templates/meldpunt/_chart.html`` turns it into inline SVG (with autoescape,
so no label ever reaches the page unescaped) with a ``<title>``, a ``<desc>`` and, next to
it, the same numbers as a data table. Hidden counts (``"<k"``) get no bar, only their
marker: a bar would suggest a size we do not publish.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

WIDTH = 640
LABEL_WIDTH = 280
VALUE_WIDTH = 56
ROW_HEIGHT = 22
BAR_HEIGHT = 15
TOP = 8
BOTTOM = 8


@dataclass(frozen=True)
class Bar:
    label: str
    shown: str  # the number as text, or the marker
    hidden: bool
    y: float  # top of the row
    width: float
    text_x: float  # where the value is written
    text_y: float  # baseline for label and value


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    desc: str
    width: int
    height: int
    bar_x: int
    bar_height: int
    bars: tuple[Bar, ...]
    maximum: int


def bar_chart(chart_id: str, title: str, desc: str, rows: Sequence[tuple[str, Any]]) -> Chart:
    """One horizontal bar per row; bar length in proportion to the largest published count."""
    numbers = [v for _, v in rows if isinstance(v, int) and not isinstance(v, bool)]
    maximum = max(numbers, default=0)
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for i, (label, value) in enumerate(rows):
        y = TOP + i * ROW_HEIGHT
        hidden = not isinstance(value, int) or isinstance(value, bool)
        width = 0.0 if hidden or maximum == 0 else round(span * value / maximum, 1)
        bars.append(Bar(label=str(label), shown=str(value), hidden=hidden, y=y, width=width,
                        text_x=LABEL_WIDTH + width + 6, text_y=y + BAR_HEIGHT - 3))
    height = TOP + len(rows) * ROW_HEIGHT + BOTTOM
    return Chart(id=chart_id, title=title, desc=desc, width=WIDTH, height=height,
                 bar_x=LABEL_WIDTH, bar_height=BAR_HEIGHT, bars=tuple(bars), maximum=maximum)
