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
from functions.nieuwsbrief import aanmelden

app = Chalice(app_name="bij1-denhaag")
app.api.binary_types = []  # HTML and JSON only; nothing is base64-encoded
access = auth.RouteAccess(app)
handles_errors = http.handles_errors(lambda: app.current_request)


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


@app.authorizer()
def communicatie_token(auth_request):
    return auth.authorize(auth_request, "communicatie_token", wiring.table())


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


# --- helpers ---------------------------------------------------------------------------

def _event_time(event) -> datetime:
    """'now' of a scheduled run: EventBridge's own firing time, so runs are replayable."""
    raw = event.to_dict().get("time")
    if raw:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return datetime.now(timezone.utc)
