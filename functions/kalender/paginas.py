"""Entry points of the kalender: request (or event) → one service call → response.

Nothing here talks to AWS directly; the services get their adapters from ``wiring``. The
services and ``icalendar`` load on first use, inside these functions.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, Mapping

from functions import auth, http, web, wiring
from functions.errors import NotFound, ValidationError

OVERVIEW_WEEKS = 10
CACHE = "public, max-age=900"
FEEDS = ("bestuur",)  # plus every werkgroep code (see feed_names)
MAX_RANGE_DAYS = 400


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _kalender() -> Any:
    from functions.kalender import gegevens

    return gegevens.huidig()


def _labels(lang: str = "nl") -> dict[str, str]:
    t = wiring.renderer().catalogs.gettext
    return {k: t(lang, f"kalender.ics.{k}") for k in
            ("afgelast", "afgelast_kort", "thema", "sprekers", "op_afspraak")}


def _cached(request: Any, body: str | bytes, content_type: str) -> Any:
    """The body with an ETag; 304 when the client has it already."""
    from functions.kalender import ics

    raw = body if isinstance(body, bytes) else body.encode("utf-8")
    tag = ics.etag(raw)
    headers = {"ETag": tag, "Cache-Control": CACHE, "X-Content-Type-Options": "nosniff"}
    sent = [t.strip() for t in (request.headers.get("if-none-match") or "").split(",")]
    if tag in sent or "*" in sent:
        return http.text_response("", content_type, status=304, headers=headers)
    return http.text_response(raw.decode("utf-8"), content_type, headers=headers)


# --- public views ----------------------------------------------------------------------------

def _window(request: Any, kalender: Any, span: timedelta | None = None) -> tuple[date, date]:
    """``?van=&tot=`` (dates; default today to the horizon, or ``span`` after ``van``; at
    most ``MAX_RANGE_DAYS``)."""
    from functions.kalender import activiteiten as acts

    params = http.query(request, ("van", "tot"))
    today = acts.vandaag(kalender, _now())
    defaults = {"van": today, "tot": today + timedelta(days=kalender.vooruit_dagen)}
    days: dict[str, date] = {}
    problems = {}
    for name in ("van", "tot"):
        try:
            day = date.fromisoformat(params[name]) if params.get(name) else defaults[name]
        except ValueError:
            problems[name] = "kalender.fout.datum"
            continue
        if not acts.FIRST_YEAR <= day.year <= acts.LAST_YEAR:
            problems[name] = "kalender.fout.datum"
        days[name] = day
    if problems:
        raise ValidationError(problems)
    van, tot = days["van"], days["tot"]
    if span is not None and not params.get("tot"):
        tot = van + span
    if tot <= van:
        raise ValidationError({"tot": "kalender.fout.tot_voor_van"})
    if (tot - van).days > MAX_RANGE_DAYS:
        raise ValidationError({"tot": "kalender.fout.bereik"})
    return van, tot


def overzicht(request: Any) -> Any:
    """GET /kalender: the coming weeks, NL/EN, grouped by ISO week (odd/even)."""
    from functions.kalender import activiteiten as acts
    from functions.kalender import teksten

    kalender = _kalender()
    lang = web.language(request)
    now = _now()
    today = acts.vandaag(kalender, now)
    monday = today - timedelta(days=today.isoweekday() - 1)
    found = acts.tussen(kalender, wiring.table(), today, monday + timedelta(weeks=OVERVIEW_WEEKS))
    catalogs = wiring.renderer().catalogs
    weeks: list[dict[str, Any]] = []
    for a in found:
        year, week, _ = a.start.isocalendar()
        if not weeks or (weeks[-1]["jaar"], weeks[-1]["week"]) != (year, week):
            weeks.append({"jaar": year, "week": week, "oneven": week % 2 == 1, "items": []})
        weeks[-1]["items"].append({"a": a, "tekst": teksten.beschrijf(a, lang, catalogs)})
    reces = [r for r in kalender.reces if r.tot >= today and r.van <= monday + timedelta(weeks=OVERVIEW_WEEKS)]
    return web.page(request, "kalender/overzicht.html", lang=lang, weken=weeks, reces=reces,
                    feeds=abonnementen(wiring.settings().public_base_url), now=now)


def abonnementen(public_base_url: str) -> list[dict[str, str]]:
    """Each feed's full address (what a calendar app's "subscribe from URL" needs: a path
    alone cannot be pasted there) and its ``webcal://`` link, which opens the calendar app
    with the subscription filled in."""
    paths = [("alles", "/kalender.ics")] + [(f, f"/kalender/{f}.ics") for f in feed_names()]
    base = public_base_url.rstrip("/")
    webcal = "webcal://" + base.split("://", 1)[-1]
    return [{"code": code, "url": base + path, "webcal": webcal + path} for code, path in paths]


def als_json(request: Any) -> Any:
    """GET /kalender.json?van=&tot=: the public occurrences in [van, tot)."""
    from functions.kalender import activiteiten as acts

    kalender = _kalender()
    van, tot = _window(request, kalender)
    base = wiring.settings().public_base_url
    body = {"van": van.isoformat(), "tot": tot.isoformat(), "tijdzone": kalender.tijdzone.key,
            "activiteiten": [acts.als_json(a, base) for a in acts.tussen(kalender, wiring.table(), van, tot)]}
    import json

    return _cached(request, json.dumps(body, ensure_ascii=False, default=str),
                   "application/json; charset=utf-8")


def feed_names() -> tuple[str, ...]:
    from functions import afdeling

    return FEEDS + afdeling.current().werkgroep_codes


def _in_feed(a: Any, feed: str | None) -> bool:
    if feed is None:
        return True
    if feed == "bestuur":
        return a.soort == "bestuursvergadering"
    return a.werkgroep == feed


def feed(request: Any, name: str | None) -> Any:
    """GET /kalender.ics (``name`` None) or /kalender/<feed>.ics."""
    from functions import afdeling
    from functions.kalender import activiteiten as acts
    from functions.kalender import ics

    if name is not None:
        if not name.endswith(".ics") or name[:-4] not in feed_names():
            raise NotFound("no such calendar")
        name = name[:-4]
    kalender = _kalender()
    van, tot = acts.horizon(kalender, acts.vandaag(kalender, _now()))
    items = [a for a in acts.tussen(kalender, wiring.table(), van, tot) if _in_feed(a, name)]
    t = wiring.renderer().catalogs.gettext
    naam = afdeling.current().naam + " · " + (t("nl", f"kalender.feed.{name}") if name else t("nl", "kalender.feed.alles"))
    body = ics.calendar(kalender, items, naam=naam, base_url=wiring.settings().public_base_url,
                        labels=_labels(), afdeling=afdeling.current().naam, years=(van.year, tot.year))
    return _cached(request, body, ics.CONTENT_TYPE)


def activiteit(request: Any, bestand: str) -> Any:
    """GET /kalender/activiteiten/<id>.ics (one event) or /kalender/activiteiten/<id>."""
    from functions import afdeling
    from functions.kalender import activiteiten as acts
    from functions.kalender import ics, rsvp, teksten

    kalender = _kalender()
    want_ics = bestand.endswith(".ics")
    a = acts.een(kalender, wiring.table(), bestand[:-4] if want_ics else bestand)
    base = wiring.settings().public_base_url
    if want_ics:
        body = ics.calendar(kalender, [a], naam=a.titel["nl"], base_url=base, labels=_labels(),
                            afdeling=afdeling.current().naam)
        return _cached(request, body, ics.CONTENT_TYPE)
    if http.wants_json(request):
        return http.json_response(acts.als_json(a, base))
    lang = web.language(request)
    return web.page(request, "kalender/activiteit.html", lang=lang, a=a,
                    tekst=teksten.beschrijf(a, lang, wiring.renderer().catalogs),
                    rsvp_open=rsvp.open_voor_rsvp(a, _now()), now=_now())


# --- RSVP --------------------------------------------------------------------------------------

def rsvp_pagina(request: Any, activiteit_id: str) -> Any:
    return _rsvp_page(request, activiteit_id, gedaan=False)


def _rsvp_page(request: Any, activiteit_id: str, *, gedaan: bool, status: int = 200,
               errors: Mapping[str, str] | None = None) -> Any:
    from functions.kalender import activiteiten as acts
    from functions.kalender import rsvp, teksten

    a = acts.een(_kalender(), wiring.table(), activiteit_id)
    lang = web.language(request)
    return web.page(request, "kalender/rsvp.html", status=status, lang=lang, a=a, gedaan=gedaan,
                    open=gedaan or rsvp.open_voor_rsvp(a, _now()), token=_token(),
                    errors=web.translate_errors(dict(errors or {}), lang),
                    tekst=teksten.beschrijf(a, lang, wiring.renderer().catalogs))


def rsvp_kom(request: Any, activiteit_id: str) -> Any:
    """POST: one "ik kom" per page (its form token); a token that is missing or too old gets
    the button again, so the person only clicks once more."""
    from functions.kalender import rsvp

    form = http.parse_body(request, {"token": http.TEXT})
    try:
        a = rsvp.kom(_kalender(), wiring.table(), activiteit_id, _now(), form.first("token"),
                     wiring.form_secret())
    except ValidationError as error:
        if http.wants_json(request):
            raise
        return _rsvp_page(request, activiteit_id, gedaan=False, status=400, errors=error.errors)
    if http.wants_json(request):
        return http.json_response({"activiteit": a.id, "status": "geteld"}, status=201)
    return _rsvp_page(request, activiteit_id, gedaan=True)


def rsvp_telling(request: Any, activiteit_id: str) -> Any:
    from functions.kalender import rsvp

    return http.json_response(rsvp.telling(_kalender(), wiring.table(), activiteit_id,
                                           auth.principal_of(request)))


# --- op afspraak -------------------------------------------------------------------------------

FORM = "kalender/op_afspraak.html"
THANKS = "kalender/op_afspraak_bedankt.html"


def _form_context(values: Mapping[str, Any], errors: Mapping[str, str], lang: str,
                  token: str) -> dict[str, Any]:
    from functions.kalender import afspraak, teksten

    catalogs = wiring.renderer().catalogs
    choices = afspraak.keuzes(_kalender(), wiring.table(), _now())
    kept = {k: (v[0] if isinstance(v, list) and v else (v or "")) for k, v in values.items()}
    return {"values": kept, "errors": dict(errors), "token": token, "honeypot": afspraak.HONEYPOT,
            "keuzes": [{"id": a.id, "tekst": teksten.beschrijf(a, lang, catalogs)} for a in choices],
            "max_onderwerp": afspraak.MAX_ONDERWERP}


def _token(submitted: str = "") -> str:
    from functions.meldpunt import formtoken

    now = _now()
    secret = wiring.form_secret()
    if submitted and formtoken.check(submitted, secret, now, 0) is formtoken.Check.OK:
        return submitted  # a still-valid token keeps its age
    return formtoken.issue(secret, now)


def afspraak_formulier(request: Any) -> Any:
    """GET /kalender/op-afspraak[?activiteit=<id>]: the form, the meeting preselected."""
    params = http.query(request, ("activiteit",))
    lang = web.language(request)
    context = _form_context({"activiteit": params.get("activiteit", "")}, {}, lang, _token())
    return web.page(request, FORM, lang=lang, **context)


def afspraak_versturen(request: Any) -> Any:
    """POST /kalender/op-afspraak: through the shared form flow."""
    from functions.kalender import afspraak

    settings = wiring.settings()
    now = _now()

    def handle(form: Any, lang: str) -> dict[str, str]:
        return afspraak.ontvang(form, lang, kalender=_kalender(), table=wiring.table(),
                                queue=wiring.kalender_queue(), now=now, secret=wiring.form_secret(),
                                min_age=settings.meldpunt_min_form_age,
                                email_days=settings.kalender_afspraak_email_days,
                                max_days=settings.kalender_afspraak_max_days)

    def again(form: Any, errors: Mapping[str, str], keys: Mapping[str, str]) -> dict[str, Any]:
        lang = web.language(request)
        keep = keys.get("token") in (None, "kalender.fout.te_snel")
        return _form_context(form.kept(), errors, lang, _token(form.first("token") if keep else ""))

    def thanks(result: Mapping[str, str]) -> dict[str, Any]:
        from functions.kalender import activiteiten as acts
        from functions.kalender import teksten

        lang = web.language(request)
        a = acts.een(_kalender(), wiring.table(), result["activiteit"])
        return {"tekst": teksten.beschrijf(a, lang, wiring.renderer().catalogs)}

    return web.submit_form(request, FORM, fields=afspraak.FIELDS, handle=handle,
                           success_template=THANKS, form_context=again, success_context=thanks,
                           json_status=201)


def afspraak_overzicht(request: Any) -> Any:
    """GET /kalender/op-afspraak/verzoeken?van=&tot= (bestuur)."""
    from functions.kalender import afspraak

    kalender = _kalender()
    van, tot = _window(request, kalender)
    return http.json_response({"van": van.isoformat(), "tot": tot.isoformat(),
                               "vergaderingen": afspraak.overzicht(kalender, wiring.table(), van, tot)})


# --- changes from scripts -----------------------------------------------------------------------

def wijzig(request: Any, actie: str, activiteit_id: str) -> Any:
    """POST /kalender/activiteiten/<id>/<actie> (werkgroep_token)."""
    from functions import afdeling
    from functions.kalender import activiteiten as acts
    from functions.kalender import uitnodigingen, wijzigingen

    services = {"annuleren": (wijzigingen.annuleer, wijzigingen.CANCEL_FIELDS),
                "verplaatsen": (wijzigingen.verplaats, wijzigingen.MOVE_FIELDS),
                "notitie": (wijzigingen.annoteer, wijzigingen.NOTE_FIELDS),
                "thema": (wijzigingen.zet_thema, wijzigingen.THEME_FIELDS)}
    service, fields = services[actie]
    form = http.parse_body(request, fields)
    kalender, table, now = _kalender(), wiring.table(), _now()
    extra = {"werkgroepen": afdeling.current().werkgroep_codes} if actie == "thema" else {}
    a = service(kalender, table, activiteit_id, form, auth.principal_of(request), now, **extra)
    queued = []
    if actie in ("annuleren", "verplaatsen"):
        queued = uitnodigingen.na_wijziging(kalender, table, wiring.kalender_queue(), a, now)
    base = wiring.settings().public_base_url
    return http.json_response({**acts.als_json(a, base), "berichten": queued})


def nieuw(request: Any) -> Any:
    """POST /kalender/activiteiten: a one-off event (werkgroep_token)."""
    from functions import afdeling
    from functions.kalender import activiteiten as acts
    from functions.kalender import wijzigingen

    form = http.parse_body(request, wijzigingen.ONE_OFF_FIELDS)
    a = wijzigingen.voeg_toe(_kalender(), wiring.table(), form, auth.principal_of(request), _now(),
                             afdeling.current().werkgroep_codes)
    return http.json_response(acts.als_json(a, wiring.settings().public_base_url), status=201)


def beheer_lijst(request: Any) -> Any:
    """GET /kalender/activiteiten?van=&tot=&wijzigbaar=ja (werkgroep_token): the occurrences
    of /kalender.json, each with the cancel reason and whether this token may change it;
    ``wijzigbaar=ja`` keeps only those. Without ``tot``: the ten weeks from ``van`` (today),
    as the public /kalender page."""
    from functions.kalender import activiteiten as acts
    from functions.kalender import wijzigingen

    kalender = _kalender()
    van, tot = _window(request, kalender, span=timedelta(weeks=OVERVIEW_WEEKS))
    alleen = http.query(request, ("wijzigbaar",)).get("wijzigbaar", "")
    if alleen not in ("", "ja", "nee"):
        raise ValidationError({"wijzigbaar": "error.unknown_choice"})
    principal = auth.principal_of(request)
    base = wiring.settings().public_base_url
    out = []
    for a in acts.tussen(kalender, wiring.table(), van, tot):
        mag = wijzigingen.may_change(principal, a)
        if alleen == "ja" and not mag:
            continue
        out.append({**acts.als_json(a, base), "reden": a.reden, "mag_wijzigen": mag})
    return http.json_response({"van": van.isoformat(), "tot": tot.isoformat(),
                               "tijdzone": kalender.tijdzone.key, "activiteiten": out})


def staat(request: Any, activiteit_id: str) -> Any:
    """GET /kalender/activiteiten/<id>/staat (werkgroep_token): the occurrence as in
    /kalender.json, its cancel reason, and which changes this token can make now."""
    from functions.kalender import activiteiten as acts
    from functions.kalender import wijzigingen

    a = acts.een(_kalender(), wiring.table(), activiteit_id)
    principal = auth.principal_of(request)
    now = _now()
    mag = wijzigingen.may_change(principal, a)
    return http.json_response({**acts.als_json(a, wiring.settings().public_base_url),
                               "reden": a.reden, "begonnen": a.start <= now, "mag_wijzigen": mag,
                               "beschrijving": a.beschrijving,
                               # the meeting link the invitation carries: for who may change it
                               "link_uitnodiging": (a.link or None) if mag else None,
                               "kan": wijzigingen.possible(principal, a, now)})


def geschiedenis(request: Any, activiteit_id: str) -> Any:
    from functions.kalender import wijzigingen

    return http.json_response({"activiteit": activiteit_id, "wijzigingen": wijzigingen.geschiedenis(
        _kalender(), wiring.table(), activiteit_id, auth.principal_of(request))})


# --- schedules and the consumer --------------------------------------------------------------

def plan(now: datetime) -> dict[str, Any]:
    from functions.kalender import uitnodigingen

    return uitnodigingen.plan(_kalender(), wiring.table(), wiring.kalender_queue(), now)


def retentie(now: datetime) -> dict[str, int]:
    from functions.kalender import activiteiten as acts
    from functions.kalender import afspraak

    settings = wiring.settings()
    return afspraak.retentie(wiring.table(), acts.vandaag(_kalender(), now),
                             email_days=settings.kalender_afspraak_email_days,
                             max_days=settings.kalender_afspraak_max_days)


def bericht(message: dict[str, Any]) -> str:
    """The consumer's record handler: an invitation/reminder/notice, or a confirmation."""
    from functions import afdeling
    from functions.config import WERKGROEP_INTEREST_NAMES
    from functions.kalender import afspraak, uitnodigingen

    settings = wiring.settings()
    if message.get("kind") == afspraak.MESSAGE_KIND:
        return afspraak.bevestig(message, kalender=_kalender(), table=wiring.table(),
                                 mail=wiring.mail(), renderer=wiring.renderer(),
                                 base_url=settings.public_base_url, now=_now())
    if message.get("kind") != uitnodigingen.MESSAGE_KIND:
        raise ValueError("unknown message kind")
    a = afdeling.current()
    return uitnodigingen.verwerk(
        message, kalender=_kalender(), table=wiring.table(), mailchimp=wiring.mailchimp(),
        renderer=wiring.renderer(), now=_now(), base_url=settings.public_base_url,
        tags={"bestuur": a.tag("bestuur"), "leden": a.tag("leden")},
        interests=WERKGROEP_INTEREST_NAMES)
