"""The allowed answers of the meldpunt form: codes only (labels live in the catalogs).

Codes are stored in reports and counters, so they never change meaning; a new option
gets a new code. Wijken and stadsdelen come from the afdeling's data file, section
``gebied`` (for Den Haag the CBS wijk codes with their stadsdeel; see its ``_meta`` for
the source and its uncertainty).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping

from functions import afdeling

CATEGORIEEN = (
    "nafluiten",                 # nafluiten / naroepen
    "seksuele-opmerkingen",
    "discriminerende-opmerkingen",
    "achtervolgen",
    "intimideren",               # intimideren / bedreigen
    "aanraken",                  # aanraken / betasten
    "fotograferen",              # fotograferen / filmen zonder toestemming
    "exhibitionisme",
    "fysiek-geweld",
    "anders",
)
GRONDEN = ("racisme", "seksisme", "lhbtiq-vijandigheid", "moslimhaat", "antisemitisme",
           "validisme", "anders")
ROLLEN = ("slachtoffer", "getuige")
DAGDELEN = ("ochtend", "middag", "avond", "nacht")
WIJK_ONBEKEND = "onbekend"  # "weet ik niet": counted under its own code, never guessed

STATUS_NIEUW = "nieuw"
STATUS_INGETROKKEN = "ingetrokken"  # by the reporter; set by the withdrawal, never by review


def status_van(report: Mapping[str, Any]) -> str:
    """A report's one status, the same for the reporter, the review and the digest."""
    if report.get("withdrawn_at"):  # also reports withdrawn before the status was written
        return STATUS_INGETROKKEN
    return str(report.get("status") or STATUS_NIEUW)


@dataclass(frozen=True)
class Wijk:
    code: str
    naam: str
    stadsdeel: str  # stadsdeel code, e.g. "centrum"


@dataclass(frozen=True)
class Stadsdeel:
    code: str
    naam: str


def _data() -> Mapping[str, Any]:
    return afdeling.current().section("gebied")


def stadsdelen() -> tuple[Stadsdeel, ...]:
    return tuple(Stadsdeel(s["code"], s["naam"]) for s in _data()["stadsdelen"])


@lru_cache(maxsize=1)
def wijken() -> tuple[Wijk, ...]:
    """Den Haag's 44 wijken in CBS order (without "onbekend")."""
    return tuple(Wijk(w["code"], w["naam"], w["stadsdeel"]) for w in _data()["wijken"])


@lru_cache(maxsize=1)
def _wijk_index() -> dict[str, Wijk]:
    return {w.code: w for w in wijken()}


def wijk_codes() -> frozenset[str]:
    """Every wijk code a report may carry, including ``onbekend``."""
    return frozenset(_wijk_index()) | {WIJK_ONBEKEND}


def stadsdeel_van(wijk_code: str) -> str:
    """The stadsdeel code of a wijk; ``onbekend`` for the unknown wijk."""
    if wijk_code == WIJK_ONBEKEND:
        return WIJK_ONBEKEND
    return _wijk_index()[wijk_code].stadsdeel


def wijken_per_stadsdeel() -> list[tuple[Stadsdeel, list[Wijk]]]:
    """For the form's grouped select: stadsdelen alphabetically, wijken by name."""
    out = []
    for sd in sorted(stadsdelen(), key=lambda s: s.naam):
        out.append((sd, sorted((w for w in wijken() if w.stadsdeel == sd.code), key=lambda w: w.naam)))
    return out


def als_json() -> dict[str, Any]:
    """``GET /meldpunt/opties``: every allowed code, wijken with name and stadsdeel."""
    namen = {s.code: s.naam for s in stadsdelen()}
    return {
        "categorieen": list(CATEGORIEEN),
        "gronden": list(GRONDEN),
        "rollen": list(ROLLEN),
        "dagdelen": list(DAGDELEN),
        "stadsdelen": [{"code": s.code, "naam": s.naam} for s in stadsdelen()],
        "wijken": [{"code": w.code, "naam": w.naam, "stadsdeel": w.stadsdeel,
                    "stadsdeel_naam": namen[w.stadsdeel]} for w in wijken()]
                  + [{"code": WIJK_ONBEKEND, "naam": "onbekend", "stadsdeel": WIJK_ONBEKEND,
                      "stadsdeel_naam": "onbekend"}],
        "bron_wijken": _data()["_meta"]["bron"],
    }
