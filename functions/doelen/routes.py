"""The branch plan's goals: progress recorded from scripts by the werkgroepen, public page."""
from datetime import datetime, timezone

from chalice import Blueprint

from functions import auth, authorizers, http, web, wiring

bp = Blueprint(__name__)
access = auth.RouteAccess(bp)
handles_errors = http.handles_errors(lambda: bp.current_request)
handles_json_errors = http.handles_errors(lambda: bp.current_request, json_only=True)


def _today():
    from functions.meldpunt.cijfers import vandaag
    return vandaag()


@access.public_route("/doelen")
@handles_errors
def doelen_pagina():
    from functions.doelen import voortgang
    request = bp.current_request
    jaar = voortgang.parse_jaar(http.query(request, ["jaar"]), _today())
    return web.page(request, "doelen/index.html", overzicht=voortgang.overzicht(wiring.table(), jaar))


@access.public_route("/doelen.json")
@handles_json_errors
def doelen_json():
    from functions.doelen import voortgang
    jaar = voortgang.parse_jaar(http.query(bp.current_request, ["jaar"]), _today())
    return http.json_response(voortgang.overzicht(wiring.table(), jaar),
                              headers={"Cache-Control": "public, max-age=300"})


@bp.route("/doelen/voortgang", methods=["POST"], authorizer=authorizers.werkgroep_token,
          content_types=http.FORM_CONTENT_TYPES)
@handles_json_errors
def doelen_voortgang():
    """A werkgroep records progress on one of its goals (the board on any)."""
    from functions.doelen import voortgang
    request = bp.current_request
    entry = voortgang.parse_entry(http.parse_body(request, voortgang.FIELDS), _today())
    return http.json_response(voortgang.record(wiring.table(), entry, auth.principal_of(request),
                                               datetime.now(timezone.utc)), status=201)


@bp.route("/doelen/voortgang/{entry_id}", methods=["DELETE"], authorizer=authorizers.werkgroep_token)
@handles_json_errors
def doelen_voortgang_weg(entry_id):
    from functions.doelen import voortgang
    voortgang.remove(wiring.table(), entry_id, auth.principal_of(bp.current_request),
                     datetime.now(timezone.utc))
    return http.json_response({"id": entry_id, "verwijderd": True})
