"""What the meldpunt's review pages need: the filter form's choices and the values' labels.

The reports themselves never pass through here: the page's script asks the review API
(``/meldpunt/meldingen...``) for them with the session token.
"""
from __future__ import annotations

import re
from typing import Any, Mapping
from urllib.parse import urlencode

from functions import auth, http
from functions.errors import NotFound, ValidationError

# Query parameters of the list page; the same names as the review API's, handed on as they are.
FILTERS = ("status", "stadsdeel", "wijk", "van", "tot")
PAGING = ("limit", "cursor")
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,80}$")  # as the review API's


def lijst(request: Any) -> dict[str, Any]:
    """The list page: the filter form filled in from the URL, the choices and labels."""
    from functions import web
    from functions.meldpunt import opties, review

    lang = web.language(request)
    filters = http.query(request, FILTERS + PAGING)
    form = dict(filters)
    try:  # a month (van=2026-01) as the day a date field can show; the API reads both
        parsed = review.parse_filter(filters)
        form.update({k: getattr(parsed, k) for k in ("van", "tot") if getattr(parsed, k)})
    except ValidationError:
        pass  # the page shows the API's own message at the field
    eerste = ""  # the first page of the same filters, when this is a later one
    if filters.get("cursor"):
        eerste = "?" + urlencode([(k, v) for k, v in filters.items() if k != "cursor"] + [("lang", lang)])
    return {"filters": form, "eerste_pagina": eerste, "statussen": review.FILTER_STATUSSEN,
            "stadsdelen": sorted(opties.stadsdelen(), key=lambda s: s.naam),
            "wijkgroepen": opties.wijken_per_stadsdeel(), "wijk_onbekend": opties.WIJK_ONBEKEND,
            "labels": labels(lang)}


def melding(request: Any, melding_id: str) -> dict[str, Any]:
    """One report's page: its id for the script, the allowed status changes and labels."""
    from functions import web
    from functions.meldpunt import review

    if not _ID_RE.match(melding_id or ""):
        raise NotFound("no such report")
    overgangen = {van: sorted(naar, key=review.STATUSSEN.index)
                  for van, naar in review.OVERGANGEN.items()}
    return {"params": {"melding_id": melding_id}, "labels": labels(web.language(request)),
            "keuzes": {"overgangen": overgangen},
            "doelstatussen": [s for s in review.STATUSSEN if s != "nieuw"],
            "eindstatussen": sorted(review.EINDSTATUSSEN),  # asked once more: no way back
            "contact_rollen": sorted(auth.AUTHORIZER_ROLES["politieke_agenda_token"]),
            "max_notitie": review.MAX_NOTITIE}


def labels(lang: str) -> dict[str, Mapping[str, str]]:
    """Code -> text, per kind of value the review API returns, in ``lang``."""
    from functions import wiring
    from functions.meldpunt import opties, review

    t = wiring.renderer().catalogs.gettext
    onbekend = t(lang, "beheer.meldpunt.onbekend")
    stadsdelen = {s.code: s.naam for s in opties.stadsdelen()}
    return {
        "status": {s: t(lang, f"beheer.meldpunt.status.{s}") for s in review.FILTER_STATUSSEN},
        "categorie": {c: t(lang, f"meldpunt.categorie.{c}") for c in opties.CATEGORIEEN},
        "grond": {g: t(lang, f"meldpunt.grond.{g}") for g in opties.GRONDEN},
        "rol_melder": {r: t(lang, f"beheer.meldpunt.rol.{r}") for r in opties.ROLLEN},
        "dagdeel": {d: t(lang, f"meldpunt.dagdeel.{d}") for d in opties.DAGDELEN},
        "wijk": {**{w.code: w.naam for w in opties.wijken()}, opties.WIJK_ONBEKEND: onbekend},
        "stadsdeel": {**stadsdelen, opties.WIJK_ONBEKEND: onbekend},
        "actie": {a: t(lang, f"beheer.meldpunt.actie.{a}") for a in ACTIES},
        # who wrote a history entry when it was not a token holder, and that role
        "wie": {w: t(lang, f"beheer.meldpunt.wie.{w}") for w in ("melder", "retentie")},
        "rol": {"systeem": t(lang, "beheer.meldpunt.wie.systeem")},
    }


# The history's actions (functions/meldpunt: intake, review, rechten, retentie)
ACTIES = ("created", "status", "contact_bekeken", "withdrawn", "retentie")
