"""Small-cell suppression for counts published with their totals (k-anonymity for tables).

A published table is a set of *cells* (any hashable key -> a count) and the *sums* that
link them: ``total = part_1 + ... + part_n`` (a row or column total, a stadsdeel as the
sum of its wijken, the grand total as the sum of the months, ...). :func:`suppress` picks
the cells to hide:

1. **Primary**: every count from 1 to k-1 (0 is published; it identifies nobody).
2. **Secondary**: no hidden cell may be recomputable from what is published. First the
   cheap rule: a sum with exactly one hidden member gives it away by subtraction, so one
   more member is hidden (the smallest non-zero part; the total only if no part is left).
   Then the exact test, because "two hidden cells per sum" is not enough on its own (a
   hidden cell can be a bridge between two groups, and adding up the sums on one side of
   it gives it away): :func:`recomputable` puts the sums, restricted to the hidden cells,
   in reduced row echelon form (exact fractions); a hidden cell is recomputable exactly
   when one row of that form holds it alone. While one is, another cell next to it is hidden.

Secondary cells are chosen among non-zero counts, so every hidden cell is at least 1.
Every solution of the sums can then be moved a little along a direction that changes
the cell, without any count going negative: non-recomputable over the reals is also
non-recomputable for counts. Everything here is a pure function of its arguments.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Hashable, Iterable, Mapping, Sequence, Union

Cell = Hashable
Published = Union[int, str]


@dataclass(frozen=True)
class Sum:
    """``total == sum(parts)`` holds for the true counts (and is known to everybody)."""

    total: Cell
    parts: tuple[Cell, ...]

    @property
    def members(self) -> tuple[Cell, ...]:
        return (self.total,) + self.parts


def marker(k: int) -> str:
    """How a hidden count is published: ``"<5"`` for k = 5."""
    return f"<{k}"


def primary(values: Mapping[Cell, int], k: int) -> set[Cell]:
    """The counts that are too small to publish: 1 .. k-1."""
    return {cell for cell, value in values.items() if 0 < value < k}


def suppress(values: Mapping[Cell, int], sums: Sequence[Sum], k: int,
             exempt: Iterable[Cell] = ()) -> frozenset[Cell]:
    """The cells to hide so that no hidden cell can be recomputed from the published ones.

    ``exempt`` cells identify nobody on their own (e.g. counts per workflow status): they
    are not hidden for being small, but may still be hidden to protect another cell.
    """
    _check(values, sums, k)
    order = {cell: i for i, cell in enumerate(values)}
    hidden = primary(values, k) - set(exempt)
    by_cell: dict[Cell, list[Sum]] = {}
    for s in sums:
        for m in s.members:
            by_cell.setdefault(m, []).append(s)
    while True:
        _close_single_gaps(values, sums, hidden, order)
        exposed = recomputable(sums, hidden)
        if not exposed:
            return frozenset(hidden)
        # one more cell per round, next to the first exposed cell, then check again
        cell = min(exposed, key=order.__getitem__)
        extra = _neighbour(values, by_cell.get(cell, []), hidden, order)
        if extra is None:
            extra = _any_left(values, _component(cell, by_cell), hidden, order)
        if extra is None:  # pragma: no cover - everything around it is hidden already
            raise RuntimeError("cannot protect a hidden cell: nothing left to hide")
        hidden.add(extra)


def publish(values: Mapping[Cell, int], hidden: Iterable[Cell], k: int) -> dict[Cell, Published]:
    """Every cell as published: its count, or the marker ``"<k"`` when hidden."""
    hidden = set(hidden)
    return {cell: (marker(k) if cell in hidden else max(0, int(value)))
            for cell, value in values.items()}


def recomputable(sums: Sequence[Sum], hidden: Iterable[Cell]) -> set[Cell]:
    """The hidden cells whose value follows from the sums and the published cells."""
    hidden = set(hidden)
    pivots: dict[Cell, dict[Cell, Fraction]] = {}  # pivot cell -> its row (reduced)
    for s in sums:
        row: dict[Cell, Fraction] = {}
        for cell, sign in [(s.total, 1)] + [(p, -1) for p in s.parts]:
            if cell in hidden:
                row[cell] = row.get(cell, Fraction(0)) + sign
        row = {c: v for c, v in row.items() if v}
        # eliminate the existing pivots from the new row
        for p in [c for c in row if c in pivots]:
            factor = row.get(p)
            if factor:
                for c, v in pivots[p].items():
                    row[c] = row.get(c, Fraction(0)) - factor * v
                row = {c: v for c, v in row.items() if v}
        if not row:
            continue
        pivot = next(iter(row))
        scale = row[pivot]
        row = {c: v / scale for c, v in row.items()}
        # keep the form fully reduced: clear the new pivot from the other rows
        for p, other in pivots.items():
            factor = other.get(pivot)
            if factor:
                for c, v in row.items():
                    other[c] = other.get(c, Fraction(0)) - factor * v
                pivots[p] = {c: v for c, v in other.items() if v}
        pivots[pivot] = row
    return {p for p, row in pivots.items() if len(row) == 1}


def table_with_margins(rows: Mapping[Hashable, Mapping[Hashable, int]]
                       ) -> tuple[dict[Cell, int], list[Sum]]:
    """A two-way table with its row totals, column totals and grand total, as cells and sums.

    Cells are ``(row, col)``, ``(row, "*")``, ``("*", col)`` and ``("*", "*")``.
    """
    cols: list[Hashable] = []
    for r in rows.values():
        for c in r:
            if c not in cols:
                cols.append(c)
    values: dict[Cell, int] = {}
    for r, row in rows.items():
        for c in cols:
            values[(r, c)] = int(row.get(c, 0))
    for r in rows:
        values[(r, "*")] = sum(values[(r, c)] for c in cols)
    for c in cols:
        values[("*", c)] = sum(values[(r, c)] for r in rows)
    values[("*", "*")] = sum(values[(r, "*")] for r in rows)
    sums = [Sum((r, "*"), tuple((r, c) for c in cols)) for r in rows]
    sums += [Sum(("*", c), tuple((r, c) for r in rows)) for c in cols]
    sums += [Sum(("*", "*"), tuple((r, "*") for r in rows)),
             Sum(("*", "*"), tuple(("*", c) for c in cols))]
    return values, sums


# --- helpers -------------------------------------------------------------------------

def _check(values: Mapping[Cell, int], sums: Sequence[Sum], k: int) -> None:
    if k < 1:
        raise ValueError("k must be at least 1")
    for s in sums:
        missing = [m for m in s.members if m not in values]
        if missing:
            raise ValueError(f"sum over unknown cells: {missing[:3]}")


def _rank(values: Mapping[Cell, int], order: Mapping[Cell, int], cell: Cell) -> tuple:
    # smallest non-zero count first: it costs the least information to hide
    value = values[cell]
    return (value <= 0, value, order[cell])


def _close_single_gaps(values: Mapping[Cell, int], sums: Sequence[Sum], hidden: set[Cell],
                       order: Mapping[Cell, int]) -> None:
    """Until no sum has exactly one hidden member, hide one more member of such a sum."""
    changed = True
    while changed:
        changed = False
        for s in sums:
            if sum(1 for m in s.members if m in hidden) == 1:
                hidden.add(_partner(values, s, hidden, order))
                changed = True


def _partner(values: Mapping[Cell, int], s: Sum, hidden: set[Cell],
             order: Mapping[Cell, int]) -> Cell:
    parts = [p for p in s.parts if p not in hidden]
    nonzero = [p for p in parts if values[p] > 0]
    if nonzero:
        return min(nonzero, key=lambda c: _rank(values, order, c))
    if s.total not in hidden:
        return s.total
    return min(parts, key=lambda c: _rank(values, order, c))


def _neighbour(values: Mapping[Cell, int], sums: Sequence[Sum], hidden: set[Cell],
               order: Mapping[Cell, int]) -> Cell | None:
    """The best cell to hide in one of ``sums``: a small non-zero part, else a total."""
    candidates = [m for s in sums for m in s.parts if m not in hidden and values[m] > 0]
    if candidates:
        return min(candidates, key=lambda c: _rank(values, order, c))
    totals = [s.total for s in sums if s.total not in hidden and values[s.total] > 0]
    if totals:
        return min(totals, key=lambda c: _rank(values, order, c))
    return None


def _component(cell: Cell, by_cell: Mapping[Cell, list[Sum]]) -> set[Cell]:
    seen, todo = {cell}, [cell]
    while todo:
        for s in by_cell.get(todo.pop(), []):
            for m in s.members:
                if m not in seen:
                    seen.add(m)
                    todo.append(m)
    return seen


def _any_left(values: Mapping[Cell, int], cells: Iterable[Cell], hidden: set[Cell],
              order: Mapping[Cell, int]) -> Cell | None:
    left = [c for c in cells if c not in hidden]
    return min(left, key=lambda c: _rank(values, order, c)) if left else None
