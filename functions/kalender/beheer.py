"""What the kalender's beheer pages need: their parameters, choices and the values' labels.

The meetings themselves never pass through here: the page's script asks the kalender API
(``/kalender/activiteiten...``, ``/kalender/op-afspraak/verzoeken``) with the session token,
and that API decides who may change what (``wijzigingen.check_allowed``).
"""
from __future__ import annotations

from typing import Any, Mapping

from functions.errors import NotFound

SOORTEN = ("bestuursvergadering", "werkgroepvergadering", "afdelingsbijeenkomst",
           "themabij1komst", "eenmalig")
PUBLIEK = ("iedereen", "leden", "werkgroep", "bestuur")
STATUSSEN = ("gepland", "geannuleerd")
ACTIES = ("toevoegen", "annuleren", "verplaatsen", "notitie", "thema")
# The script's generic texts that would speak of a report: this area's own words.
TEKSTEN = {"fout_403": "beheer.kalender.fout_403", "fout_404": "beheer.kalender.fout_404",
           "fout_409": "beheer.kalender.fout_409"}


def lijst(request: Any) -> dict[str, Any]:
    """The list page: the filter form as in the URL, the add form's choices, the labels."""
    from functions import afdeling, http, web
    from functions.kalender import wijzigingen

    lang = web.language(request)
    filters = http.query(request, ("van", "tot", "wijzigbaar"))
    return {"filters": filters, "labels": labels(lang), "teksten": TEKSTEN,
            "werkgroepen": afdeling.current().werkgroepen, "publiek_keuzes": PUBLIEK,
            "max": {"titel": wijzigingen.MAX_TITLE, "beschrijving": wijzigingen.MAX_DESCRIPTION,
                    "plaats": wijzigingen.MAX_PLACE, "link": wijzigingen.MAX_LINK}}


def activiteit(request: Any, activiteit_id: str) -> dict[str, Any]:
    """One meeting's page: its id for the script, the forms' limits, the labels."""
    from functions import afdeling, web
    from functions.kalender import activiteiten as acts
    from functions.kalender import wijzigingen

    if not acts.ID_RE.match(activiteit_id or ""):
        raise NotFound("no such occurrence")
    return {"params": {"activiteit": activiteit_id}, "labels": labels(web.language(request)),
            "teksten": TEKSTEN, "werkgroepen": afdeling.current().werkgroepen,
            "max": {"reden": wijzigingen.MAX_REASON, "notitie": wijzigingen.MAX_NOTE,
                    "thema": wijzigingen.MAX_THEME, "spreker": wijzigingen.MAX_SPEAKER},
            "sprekers": range(1, 4)}


def op_afspraak(request: Any) -> dict[str, Any]:
    """The op-afspraak page: the range form as in the URL, the labels."""
    from functions import http, web, wiring

    settings = wiring.settings()
    return {"filters": http.query(request, ("van", "tot")), "teksten": TEKSTEN,
            "labels": labels(web.language(request)),
            "dagen": settings.kalender_afspraak_email_days,
            "max_dagen": settings.kalender_afspraak_max_days}


def labels(lang: str) -> dict[str, Mapping[str, str]]:
    """Code -> text, per kind of value the kalender API returns, in ``lang``."""
    from functions import afdeling, wiring

    t = wiring.renderer().catalogs.gettext
    return {
        "soort": {s: t(lang, f"beheer.kalender.soort.{s}") for s in SOORTEN},
        "publiek": {p: t(lang, f"beheer.kalender.publiek.{p}") for p in PUBLIEK},
        "status": {s: t(lang, f"beheer.kalender.status.{s}") for s in STATUSSEN},
        "actie": {a: t(lang, f"beheer.kalender.actie.{a}") for a in ACTIES},
        "werkgroep": {w.code: w.naam for w in afdeling.current().werkgroepen},
    }
