"""The cell key method: every count the meldpunt publishes, perturbed the same way each time.

Statistical disclosure control as the Australian Bureau of Statistics (TableBuilder), the
ONS (Cantabular) and Destatis (``cellKey``/``ptable``) do it; the decision and its sources:
docs/decisions/010-cell-key-method.md.

- Every report has a random **record key** (an integer in [0, 2^32), drawn when it is
  stored, kept secret: never shown, logged or exported).
- A cell (any published count: a wijk in a month, a category in a year, ...) has a **cell
  key**: the sum of its reports' record keys modulo 2^32, read as a fraction in [0, 1). The
  counters keep each key sum beside each count (``ks#<attribute>``), so a cell key is
  additive like its count: no report is read to publish a figure.
- A fixed **perturbation table** maps (count, cell key) to a noise in [-D, +D]. The same set
  of reports always has the same count and the same cell key, so the same cell gets the same
  value however often and in whichever answer it is asked for; a different set (one report
  more) gets an unrelated noise, so differences of overlapping answers stay noisy.
- What is shown: the count plus its noise, or the marker ``"<k"`` when that is below k, and
  always the marker for a true count below k (0 included): a count below k is never shown as
  itself, and a "<k" does not tell 0 from 1..k-1.

Bound: a shown number is at most D from the true count; ``"<k"`` means a true count of at
most k-1+D. Pure functions only.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from typing import Union

KEY_RANGE = 2 ** 32
D = 2  # the largest change the table makes to a count
Published = Union[int, str]

# noise -> probability, per true count; counts from 3 up use the last row. Every row sums to
# 1, has mean 0 and keeps count + noise >= 0 (docs/decisions/010). Rows 1 and 2 matter only
# for whether a value reaches k (it cannot: a true count below k is always the marker), but
# they keep the table a proper one for any k.
PTABLE: dict[int, tuple[tuple[int, float], ...]] = {
    1: ((-1, 0.25), (0, 0.5), (1, 0.25)),
    2: ((-2, 0.1), (-1, 0.2), (0, 0.4), (1, 0.2), (2, 0.1)),
    3: ((-2, 0.1), (-1, 0.2), (0, 0.4), (1, 0.2), (2, 0.1)),
}


@dataclass(frozen=True)
class Cel:
    """A published cell's two additive numbers: how many reports, and their key sum."""

    n: int = 0
    ks: int = 0

    def __add__(self, other: "Cel") -> "Cel":
        return Cel(self.n + other.n, self.ks + other.ks)


def marker(k: int) -> str:
    """How a count below k is published: ``"<5"`` for k = 5."""
    return f"<{k}"


def cell_key(key_sum: int) -> float:
    """The cell key as a fraction in [0, 1)."""
    return (int(key_sum) % KEY_RANGE) / KEY_RANGE


def _row(count: int) -> tuple[tuple[int, float], ...]:
    return PTABLE[min(count, max(PTABLE))]


def noise(count: int, key_sum: int) -> int:
    """The table's noise for this count and key sum (0 for an empty cell)."""
    if count <= 0:
        return 0
    row = _row(count)
    bounds = list(accumulate(p for _, p in row))
    i = min(bisect_right(bounds, cell_key(key_sum)), len(row) - 1)
    return row[i][0]


def perturbed(cel: Cel) -> int:
    """The count plus its noise (never below 0)."""
    return max(0, cel.n + noise(cel.n, cel.ks))


def publish(cel: Cel, k: int) -> Published:
    """What the public sees of a cell: a number of at least k, or ``"<k"``."""
    if cel.n < k:
        return marker(k)
    value = perturbed(cel)
    return value if value >= k else marker(k)
