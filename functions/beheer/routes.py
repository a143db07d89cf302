"""Beheer: the browser pages of bestuur and werkgroepen, and the session they sign in with.

The pages are public routes that hold no data (``functions/beheer/pagina.py``); the data
come from the JSON API, asked by ``/beheer/beheer.js`` with the session token. Signing in
exchanges a token for a session (``/beheer/sessie``, every role): docs/decisions/012.
"""
from datetime import datetime, timezone

from chalice import Blueprint

from functions import auth, authorizers, http, wiring
from functions.beheer import meldpunt, pagina

bp = Blueprint(__name__)
access = auth.RouteAccess(bp)
handles_json_errors = http.handles_errors(lambda: bp.current_request, json_only=True)


# --- sign in, who is signed in, sign out ------------------------------------------------

@bp.route("/beheer/sessie", methods=["POST"], authorizer=authorizers.werkgroep_token)
@handles_json_errors
def beheer_sessie_start():
    """The token in the Authorization header -> a session token that ends by itself (201)."""
    from functions.beheer import sessie

    request = bp.current_request
    http.parse_body(request, {})  # nothing is sent but the header: any field is a 400
    started = sessie.start(_bearer(request), wiring.table(), _now(),
                           wiring.settings().beheer_sessie_minuten)
    return http.json_response(started, status=201)


@bp.route("/beheer/sessie", authorizer=authorizers.werkgroep_token)
@handles_json_errors
def beheer_sessie():
    from functions.beheer import sessie

    request = bp.current_request
    return http.json_response(sessie.describe(_bearer(request), auth.principal_of(request),
                                              wiring.table(), _now()))


@bp.route("/beheer/sessie", methods=["DELETE"], authorizer=authorizers.werkgroep_token)
@handles_json_errors
def beheer_sessie_stop():
    from functions.beheer import sessie

    request = bp.current_request
    return http.json_response(sessie.stop(_bearer(request), wiring.table(),
                                          auth.principal_of(request)))


@access.public_route("/beheer/beheer.js")
def beheer_script():
    return pagina.script_response(bp.current_request)


# --- pages ---------------------------------------------------------------------------------

@pagina.route(bp, "/beheer", "beheer/overzicht.html", authorizer=authorizers.werkgroep_token,
              titel="beheer.overzicht.titel")
def beheer_overzicht():
    return {"paginas": pagina.in_overzicht()}


@pagina.route(bp, "/beheer/meldpunt", "beheer/meldpunt/lijst.html",
              authorizer=authorizers.meldpunt_review_token, titel="beheer.meldpunt.titel",
              uitleg="beheer.meldpunt.uitleg")
def beheer_meldpunt():
    return meldpunt.lijst(bp.current_request)


@pagina.route(bp, "/beheer/meldpunt/{melding_id}", "beheer/meldpunt/melding.html",
              authorizer=authorizers.meldpunt_review_token, titel="beheer.melding.titel")
def beheer_melding(melding_id):
    return meldpunt.melding(bp.current_request, melding_id)


# --- helpers -------------------------------------------------------------------------------

def _bearer(request) -> str:
    return auth.bearer(request.headers.get("authorization"))


def _now() -> datetime:
    return datetime.now(timezone.utc)
