"""Entry points of the agenda archive: request -> one service call -> response.

Light at import time (each Lambda of the app imports its routes module): the services, the
Markdown renderer and jinja2 load inside the functions.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from chalice import Response

from functions import auth, http, web, wiring

MAX_DIRECT_BODY = 4 * 1024 * 1024  # the largest direct upload (a PDF); Markdown has its own limit


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _answer(request: Any, template: str, data: dict[str, Any], **context: Any) -> Response:
    if http.wants_html(request):
        return web.page(request, template, data=data, **context)
    return http.json_response(data)


# --- public ------------------------------------------------------------------------------------

def lijst(request: Any) -> Response:
    from functions.agendas import archief

    data = archief.lijst(wiring.table(), http.query(request, ["jaar"]).get("jaar"))
    return _answer(request, "agendas/lijst.html", data)


def document(request: Any, datum: str, stuk: str) -> Response:
    from functions.agendas import archief

    versie = http.query(request, ["versie"]).get("versie")
    return _answer(request, "agendas/stuk.html", archief.document(wiring.table(), datum, stuk, versie),
                   volledig=False)


def versies(request: Any, datum: str) -> Response:
    from functions.agendas import archief

    return _answer(request, "agendas/versies.html", archief.versies(wiring.table(), datum))


def bestand(request: Any, datum: str) -> Response:
    from functions.agendas import archief

    q = http.query(request, ["stuk", "versie"])
    found = archief.bestand(wiring.table(), wiring.archive(), datum, q.get("stuk") or "agenda",
                            q.get("versie"))
    if "url" in found:
        return Response(body="", status_code=302, headers={"Location": found["url"], "Cache-Control": "no-store"})
    return http.text_response(found["markdown"], "text/markdown; charset=utf-8", headers={
        "Content-Disposition": f'inline; filename="{found["bestandsnaam"]}"',
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


def feed(request: Any) -> Response:
    from functions.agendas import archief

    entries = archief.recent(wiring.table())
    base = wiring.settings().public_base_url
    body = wiring.renderer().render("agendas/feed.xml", "nl", entries=entries, base=base,
                                    updated=entries[0]["vastgelegd_op"] if entries else "2000-01-01T00:00:00Z")
    return http.text_response(body, "application/atom+xml; charset=utf-8",
                              headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=300"})


# --- bestuur -----------------------------------------------------------------------------------

def upload(request: Any, datum: str, stuk: str) -> Response:
    from functions.agendas import archief

    body = http.raw_document(request, MAX_DIRECT_BODY)
    receipt = archief.ontvang(wiring.table(), wiring.archive(), datum_raw=datum, stuk=stuk, body=body,
                              headers=request.headers, query=http.query(request, ["openbaar", "titel"]),
                              principal=auth.principal_of(request), now=_now())
    return http.json_response(receipt, status=202)


def upload_aanvragen(request: Any, datum: str) -> Response:
    from functions.agendas import archief

    form = http.parse_body(request, archief.UPLOAD_FIELDS, max_bytes=4096)
    receipt = archief.upload_aanvragen(wiring.table(), wiring.archive(), datum_raw=datum, form=form,
                                       principal=auth.principal_of(request), now=_now())
    return http.json_response(receipt, status=201)


def upload_status(datum: str, upload_id: str) -> Response:
    from functions.agendas import archief

    return http.json_response(archief.upload_status(wiring.table(), datum, upload_id))


def verwerk(message: dict[str, Any]) -> Any:
    """The upload consumer's record handler (one SQS message = one S3 event)."""
    from functions.agendas import archief

    return archief.verwerk_bericht(message, wiring.table(), wiring.archive(), _now())


def volledig(request: Any, datum: str) -> Response:
    from functions.agendas import archief

    q = http.query(request, ["stuk", "versie"])
    data = archief.volledig(wiring.table(), wiring.archive(), datum, q.get("stuk") or "agenda", q.get("versie"))
    return _answer(request, "agendas/stuk.html", data, volledig=True)


def concept(request: Any, datum: str) -> Response:
    from functions import afdeling
    from functions.agendas import concept as drafts
    from functions.agendas import stukken

    if request.raw_body:
        http.parse_body(request, {}, max_bytes=1024)  # takes no fields: no body, or {}
    settings = wiring.settings()
    ctx = drafts.context(wiring.table(), stukken.parse_datum(datum), _now(), base_url=settings.public_base_url,
                         meldpunt_k=settings.meldpunt_k, afdeling=afdeling.current())
    text = drafts.maak(wiring.renderer(), ctx)
    if "application/json" in (request.headers.get("accept") or ""):
        return http.json_response({"datum": datum, "markdown": text})
    return http.text_response(text, "text/markdown; charset=utf-8", headers={"Cache-Control": "no-store"})


def rooster_lijst() -> Response:
    from functions import afdeling
    from functions.agendas import rooster
    from zoneinfo import ZoneInfo

    today = _now().astimezone(ZoneInfo(afdeling.current().tijdzone)).date()
    return http.json_response({"leden": rooster.aftreden(rooster.lijst(wiring.table()), today)})


def rooster_zet(request: Any, lid: str) -> Response:
    from functions.agendas import rooster

    form = http.parse_body(request, rooster.FIELDS, max_bytes=4096)
    values = {name: form.first(name) if name in form else None for name in rooster.FIELDS}
    return http.json_response(rooster.zet(wiring.table(), lid, values, auth.principal_of(request), _now()))


def rooster_verwijder(request: Any, lid: str) -> Response:
    from functions.agendas import rooster

    return http.json_response(rooster.verwijder(wiring.table(), lid, auth.principal_of(request), _now()))


# --- the board's overviews (the beheer pages ask these) ---------------------------------------

def overzicht() -> Response:
    from functions.agendas import bestuur

    table = wiring.table()
    today, gepland = bestuur.geplande_vergaderingen(table, _now())
    return http.json_response(bestuur.vergaderingen(table, today, gepland))


def vergadering(datum: str) -> Response:
    from functions.agendas import bestuur

    return http.json_response(bestuur.vergadering(wiring.table(), wiring.archive(), datum))


def proef(request: Any) -> Response:
    from functions.agendas import bestuur, stukken

    from functions.errors import BadRequest

    if stukken.content_type_of(request.headers) != stukken.MARKDOWN:  # a PDF has no parts to withhold
        raise BadRequest(f"gebruik / use Content-Type {stukken.MARKDOWN}", status=415)
    return http.json_response(bestuur.proef(http.raw_document(request, stukken.MAX_MARKDOWN)))


def beheer_context(request: Any, datum: str | None = None) -> dict[str, Any]:
    """The beheer pages' context: the meeting's date (a page for a date that cannot be one is
    a 404) and the labels of the documents' kinds, in the page's language."""
    from functions.agendas import rooster, stukken
    from functions.errors import NotFound, ValidationError

    lang = web.language(request)
    t = wiring.renderer().catalogs.gettext
    out: dict[str, Any] = {
        "stukken": stukken.STUKKEN,
        "labels": {"stuk": {s: t(lang, f"agendas.stuk.{s}") for s in stukken.STUKKEN},
                   "upload": {s: t(lang, f"beheer.vergadering.upload.{s}")
                              for s in ("ontvangen", "opgenomen", "geweigerd")}},
        "max_markdown": stukken.MAX_MARKDOWN, "max_pdf": stukken.MAX_PDF_DIRECT,
        "max_titel": stukken.MAX_TITLE, "max_tekst": rooster.MAX_TEXT,
    }
    if datum is not None:
        try:
            parsed = stukken.parse_datum(datum)
        except ValidationError as exc:
            raise NotFound("no such meeting date") from exc
        out.update(params={"datum": parsed.isoformat()}, datum=parsed.isoformat(),
                   lange_datum=f"{parsed.day} {t(lang, f'agendas.maand.{parsed.month:02d}')} {parsed.year}")
    return out


def rooster_context(request: Any) -> dict[str, Any]:
    """The roster page's context: the werkgroepen to choose from and their names."""
    from functions import afdeling
    from functions.agendas import rooster

    current = afdeling.current()
    werkgroepen = [(code, current.werkgroep(code).naam) for code in current.werkgroep_codes]
    t = wiring.renderer().catalogs.gettext
    lang = web.language(request)
    return {"werkgroepen": werkgroepen, "max_tekst": rooster.MAX_TEXT,
            "labels": {"werkgroep": dict(werkgroepen),
                       "signaal": {s: t(lang, f"beheer.rooster.signaal.{s}") for s in ("afgelopen", "binnenkort")}}}
