"""The afdeling's public home page, the favicon, health and identity."""
from chalice import Blueprint

from functions import auth, authorizers, http, web, wiring
from functions.afdeling import home

bp = Blueprint(__name__)
access = auth.RouteAccess(bp)
handles_errors = http.handles_errors(lambda: bp.current_request)


@access.public_route("/")
@handles_errors
def afdeling_home():
    """What this site offers, NL/EN; each area links in once its page exists."""
    request = bp.current_request
    return web.page(request, "afdeling/home.html",
                    onderdelen=home.onderdelen(bp.current_app.routes))


@access.public_route("/favicon.ico")
def favicon_ico():
    return home.favicon()


@access.public_route("/favicon.svg")
def favicon_svg():
    return home.favicon()


@access.public_route("/openapi.yaml")
def openapi_document():
    """This API's OpenAPI document (docs/openapi.yaml): for the docs and for clients."""
    return home.openapi_document(bp.current_request.headers.get("if-none-match"))


@access.public_route("/health")
def health():
    return {"status": "ok", "stage": wiring.settings().stage}


@bp.route("/whoami", authorizer=authorizers.bestuur_token)
def whoami():
    """Lets a board member check a token from a script."""
    return auth.principal_of(bp.current_request)
