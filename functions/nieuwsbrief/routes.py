"""Nieuwsbrief: the signup form (double opt-in through Mailchimp) and its queue consumer; the
monthly newsletter (compiled by itself, approved by eindredactie, sent once, archived)."""
from chalice import Blueprint

from functions import auth, authorizers, http, web, wiring
from functions.batch import process_batch
from functions.beheer import pagina
from functions.config import WERKGROEPEN
from functions.nieuwsbrief import aanmelden

bp = Blueprint(__name__)
access = auth.RouteAccess(bp)
handles_errors = http.handles_errors(lambda: bp.current_request)
handles_json_errors = http.handles_errors(lambda: bp.current_request, json_only=True)


@access.public_route("/nieuwsbrief/aanmelden")
@handles_errors
def nieuwsbrief_aanmelden_form():
    return web.page(bp.current_request, "nieuwsbrief/aanmelden.html", errors={}, values={},
                    werkgroepen=WERKGROEPEN)


@access.public_route("/nieuwsbrief/aanmelden", methods=["POST"],
                     content_types=http.FORM_CONTENT_TYPES)
@handles_errors
def nieuwsbrief_aanmelden():
    return web.submit_form(
        bp.current_request, "nieuwsbrief/aanmelden.html", fields=aanmelden.FIELDS,
        werkgroepen=WERKGROEPEN,
        handle=lambda form, lang: aanmelden.submit(form, lang, wiring.signup_queue()),
        success_template="nieuwsbrief/bedankt.html", json_status=202)


@bp.on_sqs_message(queue="nieuwsbrief-aanmelden", batch_size=10)
def nieuwsbrief_aanmelden_consumer(event):
    return process_batch(event.to_dict()["Records"],
                         lambda m: aanmelden.process_signup(m, wiring.mailchimp()),
                         consumer="nieuwsbrief_aanmelden_consumer", backoff=wiring.retry_backoff())


# --- the monthly newsletter: compile, approve, send, archive (functions/nieuwsbrief/uitgave.py)

def _now():
    from datetime import datetime, timezone
    return datetime.now(timezone.utc)


def _maand(maand):
    from functions.nieuwsbrief.planning import parse_maand
    parse_maand(maand)
    return maand


def _versie(raw, field):
    """A version number (1-999999) or None for nothing sent; 400 naming ``field`` else."""
    from functions.errors import ValidationError
    if raw in (None, ""):
        return None
    if not str(raw).isdigit() or not 1 <= int(raw) <= 999_999:
        raise ValidationError({field: "nieuwsbrief.fout.versie"})
    return int(raw)


@access.public_route("/nieuwsbrief")
@handles_errors
def nieuwsbrief_archief():
    """Every sent issue (HTML; JSON for scripts)."""
    from functions.nieuwsbrief import uitgave
    request = bp.current_request
    issues = uitgave.verzonden(wiring.table())
    if http.wants_json(request):
        return http.json_response({"nieuwsbrieven": issues},
                                  headers={"Cache-Control": "public, max-age=300"})
    return web.page(request, "nieuwsbrief/archief.html", uitgaven=issues)


@access.public_route("/nieuwsbrief.atom")
@handles_errors
def nieuwsbrief_feed():
    from functions.nieuwsbrief import uitgave
    issues = uitgave.verzonden(wiring.table())
    body = wiring.renderer().render("nieuwsbrief/feed.atom", "nl", uitgaven=issues,
                                    base_url=wiring.settings().public_base_url,
                                    bijgewerkt=issues[0]["verzonden_op"] if issues else "2026-12-01T00:00:00Z")
    return http.text_response(body, "application/atom+xml; charset=utf-8",
                              headers={"Cache-Control": "public, max-age=300"})


@access.public_route("/nieuwsbrief/{maand}")
@handles_errors
def nieuwsbrief_uitgave(maand):
    """One sent issue as it went out (merge tags removed, nothing personal)."""
    from functions.nieuwsbrief import uitgave
    found = uitgave.archief(wiring.table(), _maand(maand))
    return http.html_response(found["archief_html"], headers={"Cache-Control": "public, max-age=300"})


@bp.route("/nieuwsbrief/{maand}/voorbeeld", authorizer=authorizers.nieuwsbrief_token)
@handles_errors
def nieuwsbrief_voorbeeld(maand):
    """The issue as members will see it: as approved, or as a compile now would make it."""
    from functions.nieuwsbrief import paginas
    versie = _versie(http.query(bp.current_request, ["versie"]).get("versie"), "versie")
    return http.html_response(paginas.voorbeeld(_maand(maand), _now(), versie))


@bp.route("/nieuwsbrief/{maand}/status", authorizer=authorizers.nieuwsbrief_token)
@handles_json_errors
def nieuwsbrief_status(maand):
    """Where the issue is, what may be done with it now, and its history."""
    from functions.nieuwsbrief import uitgave
    from functions.nieuwsbrief.planning import Planning
    table, maand = wiring.table(), _maand(maand)
    return http.json_response({**uitgave.status(table, maand, Planning.from_afdeling(), _now()),
                               "geschiedenis": uitgave.geschiedenis(table, maand)})


@bp.route("/nieuwsbrief/{maand}/samenstellen", methods=["POST"],
          authorizer=authorizers.nieuwsbrief_token)
@handles_json_errors
def nieuwsbrief_samenstellen_nu(maand):
    """Compile (again) now, e.g. after editing articles: a new test mail follows (202)."""
    from functions.nieuwsbrief import paginas
    http.no_body(bp.current_request)
    return http.json_response(paginas.vraag_samenstellen(_maand(maand), auth.principal_of(bp.current_request)),
                              status=202)


@bp.route("/nieuwsbrief/{maand}/goedkeuren", methods=["POST"], authorizer=authorizers.nieuwsbrief_token)
@handles_json_errors
def nieuwsbrief_goedkeuren(maand):
    """Approve; ``{"versie": n}`` (optional): only when version n is the one stored (409)."""
    from functions import fields
    from functions.nieuwsbrief import uitgave
    from functions.nieuwsbrief.planning import Planning
    request = bp.current_request
    versie = None
    if request.raw_body:
        versie = _versie(http.parse_body(request, {"versie": fields.INTEGER}).first("versie"), "versie")
    maand = _maand(maand)
    return http.json_response(uitgave.goedkeuren(
        wiring.table(), wiring.mailchimp(), wiring.nieuwsbrief_queue(), maand,
        Planning.from_afdeling(), auth.principal_of(request), _now(), versie=versie), status=202)


@bp.route("/nieuwsbrief/{maand}/intrekken", methods=["POST"], authorizer=authorizers.nieuwsbrief_token)
@handles_json_errors
def nieuwsbrief_intrekken(maand):
    from functions.nieuwsbrief import uitgave
    from functions.nieuwsbrief.planning import Planning
    http.no_body(bp.current_request)
    maand = _maand(maand)
    return http.json_response(uitgave.intrekken(
        wiring.table(), wiring.mailchimp(), maand, Planning.from_afdeling(),
        auth.principal_of(bp.current_request), _now()))


@bp.route("/nieuwsbrief/{maand}/artikelen", methods=["GET", "POST"],
          authorizer=authorizers.nieuwsbrief_token, content_types=http.FORM_CONTENT_TYPES)
@handles_json_errors
def nieuwsbrief_artikelen(maand):
    from functions.nieuwsbrief import artikelen
    request, table = bp.current_request, wiring.table()
    if request.method == "GET":
        maand = _maand(maand)
        return http.json_response({"artikelen": artikelen.lijst(table, maand),
                                   "bewerkbaar": artikelen.bewerkbaar(table, maand)})
    data = artikelen.parse(http.parse_body(request, artikelen.FIELDS, max_bytes=artikelen.MAX_BODY))
    return http.json_response(artikelen.toevoegen(table, _maand(maand), data,
                                                  auth.principal_of(request), _now()), status=201)


@bp.route("/nieuwsbrief/{maand}/artikelen/{artikel_id}", methods=["GET", "PUT", "DELETE"],
          authorizer=authorizers.nieuwsbrief_token, content_types=http.FORM_CONTENT_TYPES)
@handles_json_errors
def nieuwsbrief_artikel(maand, artikel_id):
    from functions.nieuwsbrief import artikelen
    request, table = bp.current_request, wiring.table()
    if request.method == "GET":
        maand = _maand(maand)
        return http.json_response({"artikel": artikelen.artikel(table, maand, artikel_id),
                                   "bewerkbaar": artikelen.bewerkbaar(table, maand)})
    if request.method == "DELETE":
        weg = artikelen.verwijderen(table, _maand(maand), artikel_id, auth.principal_of(request))
        return http.json_response({"id": artikel_id, "titel": weg["titel"], "verwijderd": True})
    data = artikelen.parse(http.parse_body(request, artikelen.FIELDS, max_bytes=artikelen.MAX_BODY),
                           partial=True)
    return http.json_response(artikelen.wijzigen(table, _maand(maand), artikel_id, data,
                                                 auth.principal_of(request), _now()))


# --- the beheer pages (functions/beheer/nieuwsbrief.py, templates/beheer/nieuwsbrief/) -------

@pagina.route(bp, "/beheer/nieuwsbrief", "beheer/nieuwsbrief/overzicht.html",
              authorizer=authorizers.nieuwsbrief_token, titel="beheer.nieuwsbrief.titel",
              uitleg="beheer.nieuwsbrief.uitleg")
def beheer_nieuwsbrief():
    from functions.beheer import nieuwsbrief
    return nieuwsbrief.overzicht(bp.current_request, _now())


@pagina.route(bp, "/beheer/nieuwsbrief/{maand}", "beheer/nieuwsbrief/uitgave.html",
              authorizer=authorizers.nieuwsbrief_token, titel="beheer.nieuwsbrief.uitgave.titel",
              blob_frames=True)
def beheer_nieuwsbrief_uitgave(maand):
    from functions.beheer import nieuwsbrief
    return nieuwsbrief.uitgave(bp.current_request, maand)


@pagina.route(bp, "/beheer/nieuwsbrief/{maand}/artikelen/{artikel_id}",
              "beheer/nieuwsbrief/artikel.html", authorizer=authorizers.nieuwsbrief_token,
              titel="beheer.nieuwsbrief.artikel.titel")
def beheer_nieuwsbrief_artikel(maand, artikel_id):
    from functions.beheer import nieuwsbrief
    return nieuwsbrief.artikel(bp.current_request, maand, artikel_id)


@bp.on_sqs_message(queue="nieuwsbrief", batch_size=1)
def nieuwsbrief_consumer(event):
    """Compile or send one issue; each step idempotent (functions/nieuwsbrief/uitgave.py)."""
    from functions.nieuwsbrief import paginas
    return process_batch(event.to_dict()["Records"], paginas.verwerk, consumer="nieuwsbrief_consumer",
                         backoff=wiring.retry_backoff())


@bp.schedule("cron(0 7,8 * * ? *)")
def nieuwsbrief_samenstellen(event):
    """Daily at 07:00 and 08:00 UTC: acts at 09:00 Den Haag time (functions/nieuwsbrief/planning.py)."""
    from functions.events import event_time
    from functions.nieuwsbrief import uitgave
    from functions.nieuwsbrief.planning import Planning
    return uitgave.dagelijks(wiring.table(), wiring.mailchimp(), wiring.nieuwsbrief_queue(),
                             Planning.from_afdeling(), event_time(event))
