"""Board agenda archive: every route and the upload consumer (docs/agendas.md, docs/api.md).

Members read (``/agendas``, one meeting's documents, every version with its hashes, an Atom
feed); role ``bestuur`` uploads (Markdown or PDF, or a presigned upload for a large PDF),
reads the full documents with their besloten parts, drafts an agenda, checks the archive,
and keeps the board roster. Handlers only translate; ``paginas`` holds the request glue and
imports the services on first use.
"""
from chalice import Blueprint

from functions import auth, authorizers, http, wiring
from functions.agendas import paginas
from functions.batch import process_batch
from functions.beheer import pagina

bp = Blueprint(__name__)
access = auth.RouteAccess(bp)
handles_errors = http.handles_errors(lambda: bp.current_request)
handles_json_errors = http.handles_errors(lambda: bp.current_request, json_only=True)
DOCUMENT_TYPES = ["text/markdown", "application/pdf"]
for _path in ("/agendas/{datum}", "/agendas/{datum}/notulen", "/agendas/{datum}/besluitenlijst"):
    http.ACCEPTED_TYPES[(_path, "PUT")] = tuple(DOCUMENT_TYPES)
http.ACCEPTED_TYPES[("/agendas/proef", "POST")] = ("text/markdown",)


# --- public: read ------------------------------------------------------------------------

@access.public_route("/agendas")
@handles_errors
def agendas_lijst():
    return paginas.lijst(bp.current_request)


@access.public_route("/agendas.atom")
@handles_errors
def agendas_feed():
    return paginas.feed(bp.current_request)


@access.public_route("/agendas/{datum}")
@handles_errors
def agendas_agenda(datum):
    return paginas.document(bp.current_request, datum, "agenda")


@access.public_route("/agendas/{datum}/notulen")
@handles_errors
def agendas_notulen(datum):
    return paginas.document(bp.current_request, datum, "notulen")


@access.public_route("/agendas/{datum}/besluitenlijst")
@handles_errors
def agendas_besluitenlijst(datum):
    return paginas.document(bp.current_request, datum, "besluitenlijst")


@access.public_route("/agendas/{datum}/versies")
@handles_errors
def agendas_versies(datum):
    return paginas.versies(bp.current_request, datum)


@access.public_route("/agendas/{datum}/bestand")
@handles_errors
def agendas_bestand(datum):
    """The public Markdown of a version, or a five-minute link to its PDF (302)."""
    return paginas.bestand(bp.current_request, datum)


# --- bestuur: upload ---------------------------------------------------------------------

@bp.route("/agendas/{datum}", methods=["PUT"], authorizer=authorizers.bestuur_token,
          content_types=DOCUMENT_TYPES)
@handles_json_errors
def agendas_upload_agenda(datum):
    return paginas.upload(bp.current_request, datum, "agenda")


@bp.route("/agendas/{datum}/notulen", methods=["PUT"], authorizer=authorizers.bestuur_token,
          content_types=DOCUMENT_TYPES)
@handles_json_errors
def agendas_upload_notulen(datum):
    return paginas.upload(bp.current_request, datum, "notulen")


@bp.route("/agendas/{datum}/besluitenlijst", methods=["PUT"], authorizer=authorizers.bestuur_token,
          content_types=DOCUMENT_TYPES)
@handles_json_errors
def agendas_upload_besluitenlijst(datum):
    return paginas.upload(bp.current_request, datum, "besluitenlijst")


@bp.route("/agendas/{datum}/upload", methods=["POST"], authorizer=authorizers.bestuur_token,
          content_types=http.FORM_CONTENT_TYPES)
@handles_json_errors
def agendas_upload_aanvragen(datum):
    """A presigned S3 POST for a PDF over 4 MiB (up to 50 MiB)."""
    return paginas.upload_aanvragen(bp.current_request, datum)


@bp.route("/agendas/{datum}/uploads/{upload_id}", authorizer=authorizers.bestuur_token)
@handles_json_errors
def agendas_upload_status(datum, upload_id):
    return paginas.upload_status(datum, upload_id)


@bp.on_sqs_message(queue="agendas-uploads", batch_size=5)
def agendas_upload_consumer(event):
    """Upload bucket notifications (S3 -> SQS): validate, archive, record; once per upload."""
    return process_batch(event.to_dict()["Records"], paginas.verwerk,
                         consumer="agendas_upload_consumer", backoff=wiring.retry_backoff())


# --- bestuur: read everything, draft, check ------------------------------------------------

@bp.route("/agendas/{datum}/volledig", authorizer=authorizers.bestuur_token)
@handles_errors
def agendas_volledig(datum):
    """Everything, besloten parts included (``?stuk=``, ``?versie=``)."""
    return paginas.volledig(bp.current_request, datum)


@bp.route("/agendas/{datum}/concept", methods=["POST"], authorizer=authorizers.bestuur_token,
          content_types=http.FORM_CONTENT_TYPES)
@handles_json_errors
def agendas_concept(datum):
    return paginas.concept(bp.current_request, datum)


@bp.route("/agendas/controle", authorizer=authorizers.bestuur_token)
@handles_json_errors
def agendas_controle():
    """Recompute the manifest chain and every object's hash; name every break."""
    from functions.agendas import verificatie
    return http.json_response(verificatie.controleer(wiring.table(), wiring.archive()))


@bp.route("/agendas/overzicht", authorizer=authorizers.bestuur_token)
@handles_json_errors
def agendas_overzicht():
    """Every meeting (archive and kalender) with its documents and what is missing."""
    return paginas.overzicht()


@bp.route("/agendas/{datum}/overzicht", authorizer=authorizers.bestuur_token)
@handles_json_errors
def agendas_vergadering(datum):
    """One meeting: each document in full beside what members see, every version."""
    return paginas.vergadering(datum)


@bp.route("/agendas/proef", methods=["POST"], authorizer=authorizers.bestuur_token,
          content_types=["text/markdown"])
@handles_json_errors
def agendas_proef():
    """What members would see of a Markdown text, and the warnings; nothing is stored."""
    return paginas.proef(bp.current_request)


@bp.route("/bestuur/rooster", authorizer=authorizers.bestuur_token)
@handles_json_errors
def bestuur_rooster():
    """The roster, each member with ``signaal``: term ``afgelopen``, ``binnenkort`` (six months) or null."""
    return paginas.rooster_lijst()


@bp.route("/bestuur/rooster/{lid}", methods=["PUT"], authorizer=authorizers.bestuur_token,
          content_types=http.FORM_CONTENT_TYPES)
@handles_json_errors
def bestuur_rooster_zet(lid):
    return paginas.rooster_zet(bp.current_request, lid)


@bp.route("/bestuur/rooster/{lid}", methods=["DELETE"], authorizer=authorizers.bestuur_token)
@handles_json_errors
def bestuur_rooster_verwijder(lid):
    return paginas.rooster_verwijder(bp.current_request, lid)


# --- beheer pages (static shells: the script fills them from the routes above) --------------

@pagina.route(bp, "/beheer/agendas", "beheer/agendas/lijst.html", authorizer=authorizers.bestuur_token,
              titel="beheer.agendas.titel", uitleg="beheer.agendas.uitleg")
def beheer_agendas():
    return paginas.beheer_context(bp.current_request)


@pagina.route(bp, "/beheer/agendas/{datum}", "beheer/agendas/vergadering.html",
              authorizer=authorizers.bestuur_token, titel="beheer.vergadering.titel")
def beheer_vergadering(datum):
    return paginas.beheer_context(bp.current_request, datum)



@pagina.route(bp, "/beheer/bestuur/rooster", "beheer/agendas/rooster.html",
              authorizer=authorizers.bestuur_token, titel="beheer.rooster.titel",
              uitleg="beheer.rooster.uitleg")
def beheer_rooster():
    return paginas.rooster_context(bp.current_request)
