"""Entry points of the meldpunt's public side: request → response for its pages (form,
intake, status, withdrawal) and the intake consumer's record handler (:func:`bewaar`).

The report goes through the shared ``web.submit_form`` flow (400 and 503 re-render the
form with every value kept; JSON clients get the error map) with what the meldpunt needs
on top: a bigger body bound for the 4000-character description, the anti-spam form token
(kept while it is valid, so a quick correction is never mistaken for a bot; spam is
answered exactly like success, inside ``intake.ontvang``), and its own 503 page. Nothing here talks to AWS directly: the services
get their adapters from ``wiring``.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from functions import http, web, wiring
from functions.errors import ValidationError

# The services (and what they import: hmac, secrets, zoneinfo, the table's transaction
# types) load on first use: every Lambda of this app imports app.py, and most of them
# (authorizers, other consumers) never serve a meldpunt page.

FORM = "meldpunt/formulier.html"
UNAVAILABLE = "meldpunt/onbeschikbaar.html"
THANKS = "meldpunt/bedankt.html"
STATUS = "meldpunt/status.html"
WITHDRAW = "meldpunt/intrekken.html"
# 4000 characters of 4-byte UTF-8, percent-encoded (12 bytes each), plus the other fields
MAX_BODY = 64 * 1024
FLAGS = ("contact_gewenst", "toestemming")
TE_SNEL = "meldpunt.fout.te_snel"
# the receipt code's field: "code", or "ontvangstcode" as POST /meldpunt answers it
CODE_NAMES = ("code", "ontvangstcode")
TRUTHY = {"1", "true", "on", "yes", "ja"}


def _now() -> datetime:
    return datetime.now(timezone.utc)


# --- the form ------------------------------------------------------------------------------

def form_context(values: Mapping[str, Any], errors: Mapping[str, str], token: str,
                 now: datetime) -> dict[str, Any]:
    """Everything the form template needs; list fields are always lists."""
    from functions.meldpunt import formtoken, intake, opties, validatie

    kept: dict[str, Any] = {}
    for name, value in values.items():
        if name in validatie.LIST_FIELDS:
            kept[name] = [value] if isinstance(value, str) else list(value or [])
        else:
            kept[name] = value[0] if isinstance(value, list) and value else (value or "")
    for name in FLAGS:  # a ticked box stays ticked, whatever truthy spelling was sent
        kept[name] = str(kept.get(name, "")).strip().lower() in TRUTHY
    today = intake.vandaag(now)
    # error-summary links go to the first control of a group, so a click puts focus there
    anchors = {f: f for f in errors}
    anchors.update({"categorieen": f"categorieen-{opties.CATEGORIEEN[0]}",
                    "gronden": f"gronden-{opties.GRONDEN[0]}",
                    "rol": f"rol-{opties.ROLLEN[0]}",
                    "dagdeel": f"dagdeel-{opties.DAGDELEN[0]}",
                    "token": "verstuur"})
    return {
        "values": kept, "errors": dict(errors), "token": token,
        "anchors": {f: anchors[f] for f in errors},
        "categorieen": opties.CATEGORIEEN, "gronden": opties.GRONDEN, "rollen": opties.ROLLEN,
        "dagdelen": opties.DAGDELEN, "wijkgroepen": opties.wijken_per_stadsdeel(),
        "wijk_onbekend": opties.WIJK_ONBEKEND, "honeypot": formtoken.HONEYPOT_FIELD,
        "vandaag": today.isoformat(),
        "vroegste": (today - timedelta(days=validatie.MAX_DAYS_AGO)).isoformat(),
        "max_beschrijving": validatie.MAX_BESCHRIJVING,
    }


def _token_for(submitted: str, now: datetime) -> str:
    """Keep a still-valid token (its age keeps counting); otherwise issue a fresh one."""
    from functions.meldpunt import formtoken

    try:
        secret = wiring.form_secret()
        if submitted and formtoken.check(submitted, secret, now, 0) is formtoken.Check.OK:
            return submitted
        return formtoken.issue(secret, now)
    except Exception:  # noqa: BLE001 - the secret store is down: keep what the person had
        return submitted


def formulier(request: Any) -> Any:
    """GET /meldpunt: the empty form with a fresh token."""
    from functions.meldpunt import formtoken

    now = _now()
    return web.page(request, FORM, **form_context({}, {}, formtoken.issue(wiring.form_secret(), now), now))


def token() -> Any:
    """GET /meldpunt/token: a token for scripts (wait the minimum age before posting)."""
    from functions.meldpunt import formtoken

    return http.json_response({"token": formtoken.issue(wiring.form_secret(), _now())})


def melden(request: Any) -> Any:
    """POST /meldpunt: form-urlencoded or JSON, through the shared form flow."""
    from functions.meldpunt import intake

    now = _now()
    settings = wiring.settings()

    def handle(form: Any, lang: str) -> dict[str, str]:
        result = intake.ontvang(form, now, secret=wiring.form_secret(),
                                min_age_seconds=settings.meldpunt_min_form_age,
                                queue=wiring.meldpunt_queue(), crypto=wiring.crypto(),
                                table=wiring.table())
        return {"ontvangstcode": result.ontvangstcode}

    def again(form: Any, errors: Mapping[str, str], keys: Mapping[str, str]) -> dict[str, Any]:
        # a too-young token is kept (its age keeps counting); a used or bad one is replaced
        replace = keys.get("token") not in (None, TE_SNEL)
        token = _token_for("" if replace else form.first("token"), now)
        return form_context(form.kept(), {k: v for k, v in errors.items() if k != "_form"}, token, now)

    return web.submit_form(request, FORM, fields=validatie_fields(), handle=handle,
                           success_template=THANKS, max_bytes=MAX_BODY,
                           unavailable_template=UNAVAILABLE, form_context=again,
                           success_context=bedankt_context)


def validatie_fields() -> Mapping[str, str]:
    from functions.meldpunt import validatie

    return validatie.BODY_FIELDS


def bedankt_context(result: Mapping[str, str]) -> dict[str, Any]:
    """The thank-you page switches language by posting its code again (never in a URL)."""
    return {"lang_post": {"action": "/meldpunt/bedankt",
                          "fields": {"code": result["ontvangstcode"]}}}


def bedankt(request: Any) -> Any:
    """POST /meldpunt/bedankt: the thank-you page again, in another language, for the code
    it showed. Stores and checks nothing: it only shows a well-formed code back."""
    from functions.meldpunt import ontvangstcode

    form = http.parse_body(request, {"code": http.TEXT})
    code = form.first("code").strip()
    if not ontvangstcode.is_geldig(code):
        raise ValidationError({"code": "meldpunt.fout.code_verplicht"})
    code = ontvangstcode.opgemaakt(code)
    result = {"ontvangstcode": code}
    return web.page(request, THANKS, result=result, **bedankt_context(result))


def opties() -> Any:
    """GET /meldpunt/opties."""
    from functions.meldpunt import opties as options

    return http.json_response(options.als_json())


def bewaar(message: dict[str, Any]) -> str:
    """The intake consumer's record handler: store one queued report."""
    from functions.meldpunt import intake

    settings = wiring.settings()
    return intake.bewaar(message, wiring.table(), text_max_days=settings.meldpunt_text_max_days,
                         contact_max_days=settings.meldpunt_contact_max_days)


# --- the reporter's rights -----------------------------------------------------------------

def status(request: Any) -> Any:
    """GET /meldpunt/status?code=... (scripts; the page's form posts instead): the status only."""
    params = http.query(request, CODE_NAMES)
    return _status(request, (params.get("code") or params.get("ontvangstcode") or "").strip())


def status_post(request: Any) -> Any:
    """POST /meldpunt/status: the form sends the code in the body, so it stays out of the
    address bar, the browser's history and any log of URLs; the answer does not repeat it."""
    form = http.parse_body(request, {name: http.TEXT for name in CODE_NAMES})
    return _status(request, (form.first("code") or form.first("ontvangstcode")).strip(),
                   echo=False)


def _status(request: Any, code: str, echo: bool = True) -> Any:
    from functions.meldpunt import rechten

    lang = web.language(request)
    if not code:
        if http.wants_json(request):
            raise ValidationError({"code": "meldpunt.fout.code_verplicht"})
        if request.method == "POST":
            return web.page(request, STATUS, status=400, lang=lang, code="", resultaat=None,
                            errors=web.translate_errors({"code": "meldpunt.fout.code_verplicht"}, lang))
        return web.page(request, STATUS, code="", resultaat=None, errors={})
    result = rechten.status(code, wiring.table())
    if http.wants_json(request):
        return http.json_response({"status": result})
    return web.page(request, STATUS, lang=lang, code=code if echo else "", resultaat=result,
                    errors={}, status_tekst=status_tekst(result, lang))


def status_tekst(status: str, lang: str) -> str:
    """The status in words; a status code without a catalog entry is shown as it is."""
    key = "meldpunt.status." + status.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return wiring.renderer().catalogs.gettext(lang, key)
    except KeyError:
        return status


def intrekken_formulier(request: Any) -> Any:
    """GET /meldpunt/intrekken."""
    return web.page(request, WITHDRAW, code="", resultaat=None, errors={})


def intrekken(request: Any) -> Any:
    """POST /meldpunt/intrekken: form or JSON with ``code``."""
    from functions.meldpunt import rechten

    lang = web.language(request)
    form = http.parse_body(request, {name: http.TEXT for name in CODE_NAMES})
    code = (form.first("code") or form.first("ontvangstcode")).strip()
    if not code:
        if http.wants_json(request):
            raise ValidationError({"code": "meldpunt.fout.code_verplicht"})
        return web.page(request, WITHDRAW, status=400, lang=lang, code="", resultaat=None,
                        errors=web.translate_errors({"code": "meldpunt.fout.code_verplicht"}, lang))
    result = rechten.trek_in(code, wiring.table(), _now())
    if http.wants_json(request):
        return http.json_response({"resultaat": result})
    return web.page(request, WITHDRAW, lang=lang, code="", resultaat=result, errors={})
