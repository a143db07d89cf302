"""Meldpunt straatintimidatie: every route, queue consumer and schedule of the area.

Handlers only translate (request → one service call → response). The services are
imported inside the handlers: each Lambda imports its handler's module, and these cost
~100 ms of compiling on a cold start (the zip has no .pyc).
"""
from datetime import datetime, timezone

from chalice import Blueprint

from functions import auth, authorizers, http, web, wiring
from functions.events import event_time
from functions.batch import process_batch
from functions.meldpunt import paginas

bp = Blueprint(__name__)
access = auth.RouteAccess(bp)
handles_errors = http.handles_errors(lambda: bp.current_request)
# JSON-only routes: errors in JSON too, whatever the Accept header asks for
handles_json_errors = http.handles_errors(lambda: bp.current_request, json_only=True)


# --- formulier, intake en rechten van de melder -----------------------------------------

@access.public_route("/meldpunt")
@handles_errors
def meldpunt_formulier():
    return paginas.formulier(bp.current_request)


@access.public_route("/meldpunt", methods=["POST"], content_types=http.FORM_CONTENT_TYPES)
@handles_errors
def meldpunt_melden():
    """Encrypts, enqueues, then answers with the receipt code (spam: the same answer)."""
    return paginas.melden(bp.current_request)


@access.public_route("/meldpunt/bedankt", methods=["POST"], content_types=http.FORM_CONTENT_TYPES)
@handles_errors
def meldpunt_bedankt():
    """The thank-you page in another language: its switch posts the code (never in a URL)."""
    return paginas.bedankt(bp.current_request)


@access.public_route("/meldpunt/opties")
@handles_errors
def meldpunt_opties_json():
    return paginas.opties()


@access.public_route("/meldpunt/token")
@handles_errors
def meldpunt_token():
    return paginas.token()


@access.public_route("/meldpunt/status")
@handles_errors
def meldpunt_status():
    return paginas.status(bp.current_request)


@access.public_route("/meldpunt/status", methods=["POST"], content_types=http.FORM_CONTENT_TYPES)
@handles_errors
def meldpunt_status_post():
    return paginas.status_post(bp.current_request)


@access.public_route("/meldpunt/intrekken")
@handles_errors
def meldpunt_intrekken_formulier():
    return paginas.intrekken_formulier(bp.current_request)


@access.public_route("/meldpunt/intrekken", methods=["POST"], content_types=http.FORM_CONTENT_TYPES)
@handles_errors
def meldpunt_intrekken():
    return paginas.intrekken(bp.current_request)


@bp.on_sqs_message(queue="meldpunt-intake", batch_size=10)
def meldpunt_intake_consumer(event):
    """One transaction per report, idempotent on its id: a redelivery stores nothing twice."""
    return process_batch(event.to_dict()["Records"], paginas.bewaar,
                         consumer="meldpunt_intake_consumer", backoff=wiring.retry_backoff())


# --- review, cijfers, retentie en digest ------------------------------------------------

@bp.route("/meldpunt/meldingen", authorizer=authorizers.meldpunt_review_token)
@handles_json_errors
def meldpunt_meldingen():
    """Filters status, wijk, stadsdeel, van, tot; paging with limit and cursor."""
    from functions.meldpunt import review
    return http.json_response(review.lijst(wiring.table(), http.query(bp.current_request)))


@bp.route("/meldpunt/meldingen.csv", authorizer=authorizers.meldpunt_review_token)
@handles_json_errors
def meldpunt_meldingen_csv():
    from functions.meldpunt import review
    flt = review.parse_filter(http.query(bp.current_request))
    return http.text_response(review.export_csv(wiring.table(), flt), review.CSV_CONTENT_TYPE,
                              headers=review.CSV_HEADERS)


@bp.route("/meldpunt/meldingen/{melding_id}", authorizer=authorizers.meldpunt_review_token)
@handles_json_errors
def meldpunt_melding(melding_id):
    from functions.meldpunt import review
    return http.json_response(review.get_report(wiring.table(), wiring.crypto(), melding_id))


@bp.route("/meldpunt/meldingen/{melding_id}/status", methods=["POST"],
          authorizer=authorizers.meldpunt_review_token, content_types=http.FORM_CONTENT_TYPES)
@handles_json_errors
def meldpunt_melding_status(melding_id):
    from functions.meldpunt import review
    request = bp.current_request
    status, notitie = review.parse_status_change(http.parse_body(request, review.STATUS_FIELDS))
    return http.json_response(review.change_status(
        wiring.table(), melding_id, status, notitie, auth.principal_of(request),
        datetime.now(timezone.utc), wiring.settings().meldpunt_contact_days_after_close))


@bp.route("/meldpunt/meldingen/{melding_id}/contact", authorizer=authorizers.politieke_agenda_token)
@handles_json_errors
def meldpunt_melding_contact(melding_id):
    """Role politieke-agenda only; every viewing is written to the report's history first."""
    from functions.meldpunt import review
    return http.json_response(review.view_contact(
        wiring.table(), wiring.crypto(), melding_id, auth.principal_of(bp.current_request),
        datetime.now(timezone.utc)))


@access.public_route("/meldpunt/cijfers.json")
@handles_json_errors
def meldpunt_cijfers_json():
    from functions.meldpunt import cijfers
    data = cijfers.publiceer(http.query(bp.current_request, cijfers.QUERY), wiring.table(),
                             wiring.settings().meldpunt_k, cijfers.vandaag())
    return http.json_response(data, headers=cijfers.CACHE_HEADERS)


@access.public_route("/meldpunt/cijfers")
@handles_errors
def meldpunt_cijfers_pagina():
    from functions.meldpunt import cijfers
    request, lang, today = bp.current_request, web.language(bp.current_request), cijfers.vandaag()
    data = cijfers.publiceer(http.query(request, cijfers.QUERY), wiring.table(),
                             wiring.settings().meldpunt_k, today)
    return web.page(request, "meldpunt/cijfers.html", lang=lang,
                    **cijfers.page_context(data, wiring.renderer().catalogs, lang, today))


@bp.schedule("cron(15 3 * * ? *)")
def meldpunt_retentie(event):
    """Daily: contact details and descriptions deleted on time (docs/privacy.md)."""
    from functions.meldpunt import retentie
    termijnen = retentie.Termijnen.from_settings(wiring.settings())
    return retentie.run(wiring.table(), event_time(event), termijnen)


@bp.schedule("cron(0 7 ? * MON *)")
def meldpunt_digest(event):
    """Mondays: counts for werkgroep Politieke agenda, once per ISO week."""
    from functions.meldpunt import digest
    settings = wiring.settings()
    return digest.run(wiring.table(), wiring.mailchimp(), wiring.renderer(), event_time(event),
                      k=settings.meldpunt_k,
                      review_url=settings.public_base_url + digest.REVIEW_PAGE)
