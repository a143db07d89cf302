"""BIJ1 Den Haag: the table of contents of every route, queue consumer and schedule.

Each area is a Chalice Blueprint in ``functions/<area>/routes.py``; its handlers only
translate (parse the request or event, call one service function, return). Nothing heavy
is imported or created at import time (boto3, jinja2 and mailchimp_marketing load on
first use, in ``functions.wiring``). Every route is declared public
(``access.public_route``) or guarded by a role authorizer (``functions/authorizers.py``);
``tests/integration/test_route_access.py`` holds us to that. In production each queue
consumer, schedule and authorizer is its own Lambda whose handler is its blueprint module.
"""
from chalice import Chalice

from functions import authorizers, http
from functions.afdeling import routes as afdeling
from functions.agendas import routes as agendas
from functions.doelen import routes as doelen

from functions.kalender import routes as kalender
from functions.beheer import routes as beheer
from functions.meldpunt import routes as meldpunt
from functions.nieuwsbrief import routes as nieuwsbrief

app = Chalice(app_name="bij1-denhaag")
# Only a PDF upload arrives base64-encoded (API Gateway's binaryMediaTypes); every other body,
# and every answer (HTML, JSON, Markdown; a PDF is served by a presigned S3 link), stays text.
app.api.binary_types = ["application/pdf"]
# Chalice's own answers (415, 405, an unhandled 500) in the app's one error shape
app.register_middleware(http.unify_chalice_errors, "http")

# Who may call what: one built-in authorizer per set of roles (bestuur, meldpunt review, ...)
app.register_blueprint(authorizers.bp)

# /, /favicon.ico, /health, /whoami, /openapi.yaml (the API document, docs/openapi.yaml)
app.register_blueprint(afdeling.bp)

# /nieuwsbrief/aanmelden (form, queue consumer nieuwsbrief_aanmelden_consumer)
app.register_blueprint(nieuwsbrief.bp)

# /meldpunt: form, intake consumer, status, withdrawal, review, cijfers,
# schedules meldpunt_retentie (daily) and meldpunt_digest (Mondays)
app.register_blueprint(meldpunt.bp)

# /agendas: board agenda archive (uploads, versions, besloten parts, draft, check, roster),
# queue consumer agendas_upload_consumer (upload bucket notifications via S3 -> SQS)
app.register_blueprint(agendas.bp)
# /doelen: the branch plan's goals and their progress (public), recorded by the werkgroepen
app.register_blueprint(doelen.bp)

# /kalender (page, .json, .ics feeds, one .ics per occurrence, RSVP, op-afspraak form),
# changes from scripts, consumer kalender_berichten_consumer,
# schedules kalender_uitnodigingen and kalender_retentie (daily)
app.register_blueprint(kalender.bp)

# /beheer: the browser pages of bestuur and werkgroepen (sign in with a token, meldpunt review)
app.register_blueprint(beheer.bp)
