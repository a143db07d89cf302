"""Kalender: every route, queue consumer and schedule of the area.

Handlers only translate (request → one entry point in ``paginas`` → response); the services
and ``icalendar`` are imported inside the entry points. API Gateway path parameters are whole
segments, so a feed is ``/kalender/{feed}`` with the value ``bestuur.ics`` (checked there),
and one occurrence's file is ``/kalender/activiteiten/{activiteit}`` with ``<id>.ics``.
"""
from chalice import Blueprint

from functions import auth, authorizers, http, wiring
from functions.batch import process_batch
from functions.beheer import pagina
from functions.events import event_time
from functions.kalender import beheer, paginas

bp = Blueprint(__name__)
access = auth.RouteAccess(bp)
handles_errors = http.handles_errors(lambda: bp.current_request)
handles_json_errors = http.handles_errors(lambda: bp.current_request, json_only=True)


# --- public: pages, feeds, RSVP, op afspraak ------------------------------------------------

@access.public_route("/kalender")
@handles_errors
def kalender_overzicht():
    return paginas.overzicht(bp.current_request)


@access.public_route("/kalender.json")
@handles_json_errors
def kalender_json():
    return paginas.als_json(bp.current_request)


@access.public_route("/kalender.ics")
@handles_json_errors
def kalender_ics():
    return paginas.feed(bp.current_request, None)


@access.public_route("/kalender/{feed}")
@handles_json_errors
def kalender_feed(feed):
    """bestuur.ics, communicatie.ics, politieke-agenda.ics, organizing.ics."""
    return paginas.feed(bp.current_request, feed)


@access.public_route("/kalender/activiteiten/{activiteit}")
@handles_errors
def kalender_activiteit(activiteit):
    """<id>.ics: the "add to my calendar" file; <id>: the occurrence (HTML or JSON)."""
    return paginas.activiteit(bp.current_request, activiteit)


@access.public_route("/kalender/activiteiten/{activiteit}/rsvp")
@handles_errors
def kalender_rsvp_pagina(activiteit):
    return paginas.rsvp_pagina(bp.current_request, activiteit)


@access.public_route("/kalender/activiteiten/{activiteit}/rsvp", methods=["POST"],
                     content_types=http.FORM_CONTENT_TYPES)
@handles_errors
def kalender_rsvp(activiteit):
    """Counts one "ik kom" (a POST: a link prefetch never counts)."""
    return paginas.rsvp_kom(bp.current_request, activiteit)


@access.public_route("/kalender/op-afspraak")
@handles_errors
def kalender_afspraak_formulier():
    return paginas.afspraak_formulier(bp.current_request)


@access.public_route("/kalender/op-afspraak", methods=["POST"], content_types=http.FORM_CONTENT_TYPES)
@handles_errors
def kalender_afspraak():
    return paginas.afspraak_versturen(bp.current_request)


# --- scripts: bestuur any occurrence, a werkgroep its own -----------------------------------

@bp.route("/kalender/activiteiten", authorizer=authorizers.werkgroep_token)
@handles_json_errors
def kalender_beheer_lijst():
    """The occurrences with whether this token may change each (the beheer pages)."""
    return paginas.beheer_lijst(bp.current_request)


@bp.route("/kalender/activiteiten/{activiteit}/staat", authorizer=authorizers.werkgroep_token)
@handles_json_errors
def kalender_staat(activiteit):
    """One occurrence, its cancel reason and the changes this token can make now."""
    return paginas.staat(bp.current_request, activiteit)


@bp.route("/kalender/activiteiten", methods=["POST"], authorizer=authorizers.werkgroep_token,
          content_types=http.FORM_CONTENT_TYPES)
@handles_json_errors
def kalender_nieuw():
    return paginas.nieuw(bp.current_request)


@bp.route("/kalender/activiteiten/{activiteit}/annuleren", methods=["POST"],
          authorizer=authorizers.werkgroep_token, content_types=http.FORM_CONTENT_TYPES)
@handles_json_errors
def kalender_annuleren(activiteit):
    return paginas.wijzig(bp.current_request, "annuleren", activiteit)


@bp.route("/kalender/activiteiten/{activiteit}/verplaatsen", methods=["POST"],
          authorizer=authorizers.werkgroep_token, content_types=http.FORM_CONTENT_TYPES)
@handles_json_errors
def kalender_verplaatsen(activiteit):
    return paginas.wijzig(bp.current_request, "verplaatsen", activiteit)


@bp.route("/kalender/activiteiten/{activiteit}/notitie", methods=["POST"],
          authorizer=authorizers.werkgroep_token, content_types=http.FORM_CONTENT_TYPES)
@handles_json_errors
def kalender_notitie(activiteit):
    return paginas.wijzig(bp.current_request, "notitie", activiteit)


@bp.route("/kalender/activiteiten/{activiteit}/thema", methods=["POST"],
          authorizer=authorizers.werkgroep_token, content_types=http.FORM_CONTENT_TYPES)
@handles_json_errors
def kalender_thema(activiteit):
    return paginas.wijzig(bp.current_request, "thema", activiteit)


@bp.route("/kalender/activiteiten/{activiteit}/wijzigingen", authorizer=authorizers.werkgroep_token)
@handles_json_errors
def kalender_wijzigingen(activiteit):
    return paginas.geschiedenis(bp.current_request, activiteit)


@bp.route("/kalender/activiteiten/{activiteit}/aanmeldingen", authorizer=authorizers.werkgroep_token)
@handles_json_errors
def kalender_aanmeldingen(activiteit):
    """The RSVP count (never who)."""
    return paginas.rsvp_telling(bp.current_request, activiteit)


@bp.route("/kalender/op-afspraak/verzoeken", authorizer=authorizers.bestuur_token)
@handles_json_errors
def kalender_afspraak_verzoeken():
    return paginas.afspraak_overzicht(bp.current_request)


# --- the beheer pages (docs/beheer.md): static shells, the data from the routes above ------

@pagina.route(bp, "/beheer/kalender", "beheer/kalender/lijst.html",
              authorizer=authorizers.werkgroep_token, titel="beheer.kalender.titel",
              uitleg="beheer.kalender.uitleg")
def beheer_kalender():
    return beheer.lijst(bp.current_request)


@pagina.route(bp, "/beheer/kalender/op-afspraak", "beheer/kalender/op_afspraak.html",
              authorizer=authorizers.bestuur_token, titel="beheer.kalender.afspraak.titel",
              uitleg="beheer.kalender.afspraak.uitleg")
def beheer_kalender_afspraak():
    return beheer.op_afspraak(bp.current_request)


@pagina.route(bp, "/beheer/kalender/{activiteit}", "beheer/kalender/activiteit.html",
              authorizer=authorizers.werkgroep_token, titel="beheer.kalender.activiteit.titel")
def beheer_kalender_activiteit(activiteit):
    return beheer.activiteit(bp.current_request, activiteit)


# --- schedules and the consumer ---------------------------------------------------------------

@bp.schedule("cron(0 7 * * ? *)")
def kalender_uitnodigingen(event):
    """Daily: queue every invitation, reminder and notice that is due (sends nothing)."""
    return paginas.plan(event_time(event))


@bp.schedule("cron(45 3 * * ? *)")
def kalender_retentie(event):
    """Daily: op-afspraak e-mail addresses and requests deleted on time (docs/privacy.md)."""
    return paginas.retentie(event_time(event))


@bp.on_sqs_message(queue="kalender-berichten", batch_size=5)
def kalender_berichten_consumer(event):
    """One campaign per (occurrence, kind), exactly once; op-afspraak confirmations."""
    return process_batch(event.to_dict()["Records"], paginas.bericht,
                         consumer="kalender_berichten_consumer", backoff=wiring.retry_backoff())
