"""The counters behind every published meldpunt figure, and when a report is in them.

``TELLING#<YYYY-MM>`` / ``<wijk>`` (the month of the incident, the wijk) holds, per
breakdown attribute, the number of counted reports and the sum of their record keys
(``ks#<attribute>``, for the cell key method, :mod:`functions.meldpunt.celsleutel`).

A report counts once the werkgroep has reviewed it, so a flood of self-made reports is seen
by people before it moves a published number:

- ``nieuw -> in_behandeling``: into the counters (``in_cijfers_at`` is set);
- ``in_behandeling -> afgehandeld``: stays;
- ``nieuw -> geannuleerd``: was never in;
- ``in_behandeling -> geannuleerd``, or a withdrawal of a counted report: out again
  (``uit_cijfers_at`` is set).

Each change is one transaction whose conditions make it happen exactly once (the markers
must be absent), so a race between a reviewer and a reporter cannot count twice.
"""
from __future__ import annotations

import secrets
from typing import Any, Mapping

from functions.adapters.dynamo import TxAdd

PK_PREFIX = "TELLING#"
IN = "in_cijfers_at"    # set when the report went into the counters
UIT = "uit_cijfers_at"  # set when it went out again (cancelled, withdrawn)
RECORD_KEY = "record_key"
KEY_SUM_PREFIX = "ks#"


def new_record_key() -> int:
    """A report's secret record key for the cell key method: uniform in [0, 2^32)."""
    return secrets.randbits(32)


def pk(maand: str) -> str:
    return f"{PK_PREFIX}{maand}"


def attributes(report: Mapping[str, Any]) -> list[str]:
    """The counter attributes one report is part of."""
    names = ["totaal", f"dagdeel#{report['dagdeel']}"]
    names += [f"cat#{c}" for c in report.get("categorieen") or []]
    names += [f"grond#{g}" for g in report.get("gronden") or []]
    return names


def bijdrage(report: Mapping[str, Any], sign: int) -> dict[str, int]:
    """What one report adds to its counter item (``sign`` -1 takes it out again)."""
    key = int(report[RECORD_KEY])
    out: dict[str, int] = {}
    for name in attributes(report):
        out[name] = sign
        out[KEY_SUM_PREFIX + name] = sign * key
    return out


def counted(report: Mapping[str, Any]) -> bool:
    """Whether the report is in the counters now."""
    return bool(report.get(IN)) and not report.get(UIT)


def erin(report: Mapping[str, Any]) -> TxAdd:
    """The transaction action that counts a reviewed report."""
    return TxAdd(pk(report["maand"]), report["wijk"], bijdrage(report, +1))


def eruit(report: Mapping[str, Any]) -> TxAdd:
    """The transaction action that takes a counted report out again."""
    return TxAdd(pk(report["maand"]), report["wijk"], bijdrage(report, -1))
