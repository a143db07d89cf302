"""Nieuwsbrief: the signup form (double opt-in through Mailchimp) and its queue consumer."""
from chalice import Blueprint

from functions import auth, http, web, wiring
from functions.batch import process_batch
from functions.config import WERKGROEPEN
from functions.nieuwsbrief import aanmelden

bp = Blueprint(__name__)
access = auth.RouteAccess(bp)
handles_errors = http.handles_errors(lambda: bp.current_request)


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
                         consumer="nieuwsbrief_aanmelden_consumer")
