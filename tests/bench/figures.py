"""The one table of `make bench`: every figure of issue 12's Performance table, its goal and
whether it was met, collected by the bench tests and printed (and written to build/bench.md)
at the end of the session by ``tests/bench/conftest.py``.

A figure that a test could not measure stays in the table as NOT MEASURED (and that test
fails); a figure that was measured but misses its goal is printed as "missed" and fails
nothing: the table, not an assertion, is where a goal is judged.
"""
from __future__ import annotations

import platform
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "build" / "bench.md"

# (key, figure, goal) in the order of issue 12's table; other bench goals follow.
EXPECTED: tuple[tuple[str, str, str], ...] = (
    ("cold_meldpunt", "cold POST /meldpunt (browser form, HTML answer) ÷ floor", "≤ 1.3"),
    ("cold_meldpunt_json", "cold POST /meldpunt (script, JSON answer) ÷ floor", "≤ 1.3"),
    ("cold_authorizer", "cold authorizer werkgroep_token ÷ floor", "≤ 1.3"),
    ("cold_feed", "cold GET /kalender/bestuur.ics ÷ floor", "≤ 1.3"),
    ("warm_meldpunt", "warm POST /meldpunt in-process ÷ bare encrypt + send", "≤ 2.0"),
    ("zip", "deployment zip", "≤ 2.5 MB"),
    ("mailchimp_newsletter", "Mailchimp calls per newsletter, 10 / 10,000 members", "same; ≤ 6"),
    ("mailchimp_invitation", "Mailchimp calls per invitation, 10 / 10,000 members", "same; ≤ 4"),
    ("cijfers_items", "items read by one month's figures, 10,000-report history",
     "= items in that month"),
    ("load", "intake on the local stack: 2,000 reports, 8 clients",
     "all stored and counted; reports/s printed"),
    ("ics_year", "ICS feed of a year of meetings: render time, bytes; ETag",
     "printed; 304 yes"),
)


@dataclass
class Figure:
    key: str
    name: str
    goal: str
    measured: str = "NOT MEASURED"
    met: Optional[bool] = None
    detail: str = ""

    @property
    def verdict(self) -> str:
        if self.met is None:
            return "NOT MEASURED"
        return "met" if self.met else "missed"


@dataclass
class Table:
    figures: dict[str, Figure] = field(default_factory=dict)
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def __post_init__(self) -> None:
        for key, name, goal in EXPECTED:
            self.figures[key] = Figure(key, name, goal)

    def record(self, key: str, measured: str, met: bool, detail: str = "", *,
               name: str | None = None, goal: str | None = None) -> Figure:
        """Record one figure (a key of EXPECTED, or a new one with its name and goal)."""
        figure = self.figures.get(key)
        if figure is None:
            if name is None or goal is None:
                raise KeyError(f"{key}: a figure outside EXPECTED needs a name and a goal")
            figure = self.figures[key] = Figure(key, name, goal)
        figure.measured, figure.met, figure.detail = measured, bool(met), detail
        if name:
            figure.name = name
        if goal:
            figure.goal = goal
        return figure

    def rows(self) -> list[Figure]:
        return list(self.figures.values())

    def issue_rows(self) -> list[Figure]:
        """Issue 12's figures; the rest are the other goals of the bench files."""
        keys = {key for key, _, _ in EXPECTED}
        return [f for f in self.rows() if f.key in keys]

    def other_rows(self) -> list[Figure]:
        keys = {key for key, _, _ in EXPECTED}
        return [f for f in self.rows() if f.key not in keys and f.met is not None]

    def summary(self) -> str:
        missed = [f.name for f in self.rows() if f.met is False]
        unmeasured = [f.name for f in self.issue_rows() if f.met is None]
        parts = [f"{sum(1 for f in self.rows() if f.met)} met", f"{len(missed)} missed"]
        if unmeasured:
            parts.append(f"{len(unmeasured)} NOT MEASURED")
        return ", ".join(parts)

    def markdown(self) -> str:
        lines = [f"`make bench` on {platform.node() or 'this machine'}, "
                 f"{self.started:%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
                 f"{_cores()} cores: {self.summary()}", ""]
        for title, rows in (("Issue 12", self.issue_rows()), ("Other goals of the bench", self.other_rows())):
            if not rows:
                continue
            lines += [f"{title}:", "", "| figure | measured | goal | |", "|---|---|---|---|"]
            lines += [f"| {f.name} | {_cell(f.measured)} | {_cell(f.goal)} | {f.verdict} |" for f in rows]
            lines.append("")
        details = [f for f in self.rows() if f.detail]
        if details:
            lines += ["Details:", ""]
            lines += [f"- {f.name}: {f.detail}" for f in details]
        return "\n".join(lines) + "\n"

    def text(self) -> str:
        """The table for a terminal: fixed-width columns, details below."""
        header = ("figure", "measured", "goal", "")
        issue = [(f.name, f.measured, f.goal, f.verdict) for f in self.issue_rows()]
        other = [(f.name, f.measured, f.goal, f.verdict) for f in self.other_rows()]
        widths = [max(len(r[i]) for r in [header] + issue + other) for i in range(3)]

        def line(r: tuple[str, ...]) -> str:
            return "  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3]

        rule = "  ".join("-" * w for w in widths) + "  " + "-" * 12
        out = [line(header), rule] + [line(r) for r in issue]
        if other:
            out += [rule] + [line(r) for r in other]
        out += [rule, self.summary()]
        details = [f for f in self.rows() if f.detail]
        if details:
            out.append("")
            out += [f"{f.name}:\n    {f.detail}" for f in details]
        return "\n".join(out)

    def write(self, path: Path = REPORT) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.markdown(), encoding="utf-8")
        return path


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 0)


TABLE = Table()
