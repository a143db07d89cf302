"""What the newsletter's beheer pages need: the months to list, a month's name, the labels.

The issues and articles themselves never pass through here: the page's script asks the
newsletter API (``/nieuwsbrief/{maand}/...``, authorizer ``nieuwsbrief_token``) for them
with the session token (docs/beheer.md, "De nieuwsbrief").
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Mapping

from functions.errors import NotFound, ValidationError

# Statuses of an issue (functions/nieuwsbrief/uitgave.py) and the actions of its history
STATUSSEN = ("geen", "concept", "goedgekeurd", "gepland", "verzonden")
ACTIES = ("samengesteld", "goedgekeurd", "ingetrokken", "verzonden")
MAANDEN_VOORUIT = 2  # the overview: this month and the next two
# the script's general texts that name a report (beheer.js.fout_404, _409), for a newsletter
TEKSTEN = {"fout_404": "beheer.nieuwsbrief.fout_404", "fout_409": "beheer.nieuwsbrief.fout_409"}
_ARTIKEL_RE = re.compile(r"^[a-f0-9]{12}$")  # as functions/nieuwsbrief/artikelen.py


def overzicht(request: Any, now: datetime) -> dict[str, Any]:
    """The overview: this month (in the afdeling's time zone) and the next ones, by name."""
    from functions import web
    from functions.nieuwsbrief.planning import Planning, volgende_maand

    lang = web.language(request)
    day = now.astimezone(Planning.from_afdeling().tz).date().replace(day=1)
    maanden = []
    for _ in range(1 + MAANDEN_VOORUIT):
        maanden.append(f"{day.year:04d}-{day.month:02d}")
        day = date.fromisoformat(volgende_maand(day) + "-01")
    return {"maanden": [{"maand": m, "naam": maand_naam(lang, m)} for m in maanden],
            "labels": labels(lang), "teksten": TEKSTEN}


def uitgave(request: Any, maand: str) -> dict[str, Any]:
    """One issue's page: its month for the script, its name, the labels."""
    from functions import web
    from functions.nieuwsbrief import artikelen

    lang = web.language(request)
    naam = maand_naam(lang, _maand(maand))
    return {"params": {"maand": maand}, "maand": maand, "maand_naam": naam,
            "max_titel": artikelen.MAX_TITEL, "max_tekst": artikelen.MAX_TEKST,
            "labels": labels(lang), "teksten": TEKSTEN}


def artikel(request: Any, maand: str, artikel_id: str) -> dict[str, Any]:
    """One article's page (change it)."""
    from functions import web
    from functions.nieuwsbrief import artikelen

    if not _ARTIKEL_RE.match(artikel_id or ""):
        raise NotFound("no such article")
    lang = web.language(request)
    return {"params": {"maand": maand, "artikel_id": artikel_id}, "maand": maand,
            "maand_naam": maand_naam(lang, _maand(maand)), "max_titel": artikelen.MAX_TITEL,
            "max_tekst": artikelen.MAX_TEKST, "labels": labels(lang), "teksten": TEKSTEN}


def maand_naam(lang: str, maand: str) -> str:
    """``2027-01`` -> "januari 2027" (in ``lang``)."""
    from functions import wiring
    from functions.nieuwsbrief.planning import parse_maand

    year, month = parse_maand(maand)
    return f"{wiring.renderer().catalogs.gettext(lang, f'meldpunt_cijfers.maand.{month}')} {year}"


def labels(lang: str) -> dict[str, Mapping[str, str]]:
    """Code -> text, per kind of value the newsletter API returns, in ``lang``."""
    from functions import wiring

    t = wiring.renderer().catalogs.gettext
    return {
        "nieuwsbrief_status": {s: t(lang, f"beheer.nieuwsbrief.status.{s}") for s in STATUSSEN},
        "nieuwsbrief_actie": {a: t(lang, f"beheer.nieuwsbrief.actie.{a}") for a in ACTIES},
        # who wrote a history entry when it was not a token holder
        "nieuwsbrief_wie": {w: t(lang, f"beheer.nieuwsbrief.wie.{w}") for w in ("schema", "mailchimp")},
        "rol": {"systeem": t(lang, "beheer.nieuwsbrief.wie.systeem")},
    }


def _maand(maand: str) -> str:
    from functions.nieuwsbrief.planning import parse_maand

    try:
        parse_maand(maand)
    except ValidationError:
        raise NotFound("no such month") from None
    return maand
