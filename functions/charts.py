"""Bar charts as HTML tables: accessible on the web (a real table, the numbers in it) and
safe in e-mail (mail clients block SVG; nested table cells with a background colour show
everywhere). ``templates/_staafdiagram.html`` draws them. Labels wrap, in any language.

A hidden count (``"<k"``) gets no bar, only its marker: a bar would suggest a size that is
not published.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence


@dataclass(frozen=True)
class Staaf:
    label: str
    shown: str     # the number as text, or the marker
    hidden: bool   # no number published
    pct: int       # bar length, 0-100, relative to the largest published number


def staven(rows: Sequence[tuple[str, Any]]) -> list[Staaf]:
    """One bar per (label, published value) row."""
    numbers = [v for _, v in rows if isinstance(v, int) and not isinstance(v, bool)]
    maximum = max(numbers, default=0)
    out = []
    for label, value in rows:
        hidden = not isinstance(value, int) or isinstance(value, bool)
        pct = 0 if hidden or maximum <= 0 else max(1, round(100 * value / maximum))
        out.append(Staaf(label=str(label), shown=str(value), hidden=hidden, pct=pct))
    return out
