"""BIJ1 Den Haag: the table of contents of every route, queue consumer and schedule.

Handlers only translate: parse the request or event, call one service function in
``functions/``, return. Nothing heavy is imported or created here at import time
(boto3, jinja2 and mailchimp_marketing load on first use, in ``functions.wiring``).
Every route is either ``access.public_route`` or guarded by one of the role
authorizers below; ``tests/integration/test_route_access.py`` holds us to that.
"""
from datetime import datetime, timezone

from chalice import Chalice

from functions import auth, http, web, wiring
from functions.batch import process_batch
from functions.config import WERKGROEPEN
from functions.meldpunt import paginas as meldpunt_paginas
from functions.nieuwsbrief import aanmelden

app = Chalice(app_name="bij1-denhaag")
app.api.binary_types = []  # HTML and JSON only; nothing is base64-encoded
access = auth.RouteAccess(app)
handles_errors = http.handles_errors(lambda: app.current_request)
# JSON-only routes: errors in JSON too, whatever the Accept header asks for
handles_json_errors = http.handles_errors(lambda: app.current_request, json_only=True)


# --- Authorizers: one per set of roles (see functions/auth.py) ---------------------

@app.authorizer()
def bestuur_token(auth_request):
    return auth.authorize(auth_request, "bestuur_token", wiring.table())


@app.authorizer()
def meldpunt_review_token(auth_request):
    return auth.authorize(auth_request, "meldpunt_review_token", wiring.table())


@app.authorizer()
def politieke_agenda_token(auth_request):
    return auth.authorize(auth_request, "politieke_agenda_token", wiring.table())



# --- Health and identity --------------------------------------------------------------

@access.public_route("/health")
def health():
    return {"status": "ok", "stage": wiring.settings().stage}


@app.route("/whoami", authorizer=bestuur_token)
def whoami():
    """Lets a board member check a token from a script."""
    return auth.principal_of(app.current_request)


# --- Nieuwsbrief: aanmelden (signup) ----------------------------------------------------

@access.public_route("/nieuwsbrief/aanmelden")
@handles_errors
def nieuwsbrief_aanmelden_form():
    return web.page(app.current_request, "nieuwsbrief/aanmelden.html", errors={}, values={},
                    werkgroepen=WERKGROEPEN)


@access.public_route("/nieuwsbrief/aanmelden", methods=["POST"],
                     content_types=http.FORM_CONTENT_TYPES)
@handles_errors
def nieuwsbrief_aanmelden():
    return web.submit_form(
        app.current_request, "nieuwsbrief/aanmelden.html", werkgroepen=WERKGROEPEN,
        handle=lambda form, lang: aanmelden.submit(form, lang, wiring.signup_queue()),
        success_template="nieuwsbrief/bedankt.html", json_status=202)


@app.on_sqs_message(queue="nieuwsbrief-aanmelden", batch_size=10)
def nieuwsbrief_aanmelden_consumer(event):
    return process_batch(event.to_dict()["Records"],
                         lambda m: aanmelden.process_signup(m, wiring.mailchimp()),
                         consumer="nieuwsbrief_aanmelden_consumer")


# --- Meldpunt: formulier, intake en rechten van de melder -------------------------------

@access.public_route("/meldpunt")
@handles_errors
def meldpunt_formulier():
    return meldpunt_paginas.formulier(app.current_request)


@access.public_route("/meldpunt", methods=["POST"], content_types=http.FORM_CONTENT_TYPES)
@handles_errors
def meldpunt_melden():
    """Encrypts, enqueues, then answers with the receipt code (spam: the same answer)."""
    return meldpunt_paginas.melden(app.current_request)


@access.public_route("/meldpunt/opties")
@handles_errors
def meldpunt_opties_json():
    return meldpunt_paginas.opties()


@access.public_route("/meldpunt/token")
@handles_errors
def meldpunt_token():
    return meldpunt_paginas.token()


@access.public_route("/meldpunt/status")
@handles_errors
def meldpunt_status():
    return meldpunt_paginas.status(app.current_request)


@access.public_route("/meldpunt/intrekken")
@handles_errors
def meldpunt_intrekken_formulier():
    return meldpunt_paginas.intrekken_formulier(app.current_request)


@access.public_route("/meldpunt/intrekken", methods=["POST"], content_types=http.FORM_CONTENT_TYPES)
@handles_errors
def meldpunt_intrekken():
    return meldpunt_paginas.intrekken(app.current_request)


@app.on_sqs_message(queue="meldpunt-intake", batch_size=10)
def meldpunt_intake_consumer(event):
    """One transaction per report, idempotent on its id: a redelivery stores nothing twice."""
    return process_batch(event.to_dict()["Records"], meldpunt_paginas.bewaar,
                         consumer="meldpunt_intake_consumer")


# --- Meldpunt: review, cijfers, retentie en digest ---------------------------------------
# The services are imported inside the handlers: every Lambda of the app imports app.py,
# and these modules cost ~100 ms of compiling on a cold start (the zip has no .pyc).

@app.route("/meldpunt/meldingen", authorizer=meldpunt_review_token)
@handles_json_errors
def meldpunt_meldingen():
    """Filters status, wijk, stadsdeel, van, tot; paging with limit and cursor."""
    from functions.meldpunt import review
    return http.json_response(review.lijst(wiring.table(), app.current_request.query_params))


@app.route("/meldpunt/meldingen.csv", authorizer=meldpunt_review_token)
@handles_json_errors
def meldpunt_meldingen_csv():
    from functions.meldpunt import review
    flt = review.parse_filter(app.current_request.query_params)
    return http.text_response(review.export_csv(wiring.table(), flt), review.CSV_CONTENT_TYPE,
                              headers=review.CSV_HEADERS)


@app.route("/meldpunt/meldingen/{melding_id}", authorizer=meldpunt_review_token)
@handles_json_errors
def meldpunt_melding(melding_id):
    from functions.meldpunt import review
    return http.json_response(review.get_report(wiring.table(), wiring.crypto(), melding_id))


@app.route("/meldpunt/meldingen/{melding_id}/status", methods=["POST"],
           authorizer=meldpunt_review_token, content_types=http.FORM_CONTENT_TYPES)
@handles_json_errors
def meldpunt_melding_status(melding_id):
    from functions.meldpunt import review
    request = app.current_request
    status, notitie = review.parse_status_change(http.parse_body(request))
    return http.json_response(review.change_status(
        wiring.table(), melding_id, status, notitie, auth.principal_of(request),
        datetime.now(timezone.utc), wiring.settings().meldpunt_contact_days_after_close))


@app.route("/meldpunt/meldingen/{melding_id}/contact", authorizer=politieke_agenda_token)
@handles_json_errors
def meldpunt_melding_contact(melding_id):
    """Role politieke-agenda only; every viewing is written to the report's history first."""
    from functions.meldpunt import review
    return http.json_response(review.view_contact(
        wiring.table(), wiring.crypto(), melding_id, auth.principal_of(app.current_request),
        datetime.now(timezone.utc)))


@access.public_route("/meldpunt/cijfers.json")
@handles_json_errors
def meldpunt_cijfers_json():
    from functions.meldpunt import cijfers
    data = cijfers.publiceer(app.current_request.query_params, wiring.table(),
                             wiring.settings().meldpunt_k, cijfers.vandaag())
    return http.json_response(data, headers=cijfers.CACHE_HEADERS)


@access.public_route("/meldpunt/cijfers")
@handles_errors
def meldpunt_cijfers_pagina():
    from functions.meldpunt import cijfers
    request, lang = app.current_request, web.language(app.current_request)
    data = cijfers.publiceer(request.query_params, wiring.table(), wiring.settings().meldpunt_k,
                             cijfers.vandaag())
    return web.page(request, "meldpunt/cijfers.html", lang=lang,
                    **cijfers.page_context(data, wiring.renderer().catalogs, lang))


@app.schedule("cron(15 3 * * ? *)")
def meldpunt_retentie(event):
    """Daily: contact details and descriptions deleted on time (docs/privacy.md)."""
    from functions.meldpunt import retentie
    termijnen = retentie.Termijnen.from_settings(wiring.settings())
    return retentie.run(wiring.table(), _event_time(event), termijnen)


@app.schedule("cron(0 7 ? * MON *)")
def meldpunt_digest(event):
    """Mondays: counts for werkgroep Politieke agenda, once per ISO week."""
    from functions.meldpunt import digest
    settings = wiring.settings()
    return digest.run(wiring.table(), wiring.mailchimp(), wiring.renderer(), _event_time(event),
                      k=settings.meldpunt_k,
                      review_url=settings.public_base_url + "/meldpunt/meldingen")


# --- helpers ---------------------------------------------------------------------------

def _event_time(event) -> datetime:
    """'now' of a scheduled run: EventBridge's own firing time, so runs are replayable."""
    raw = event.to_dict().get("time")
    if raw:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return datetime.now(timezone.utc)
