"""The role authorizers: one Chalice built-in authorizer per set of roles.

Each is its own small Lambda in production (it can read token hashes and nothing else);
route modules import the one they need (``authorizer=authorizers.bestuur_token``). The
roles each lets through are in ``functions.auth.AUTHORIZER_ROLES``.
"""
from chalice import Blueprint

from functions import auth, wiring

bp = Blueprint(__name__)


@bp.authorizer()
def bestuur_token(auth_request):
    return auth.authorize(auth_request, "bestuur_token", wiring.table())


@bp.authorizer()
def meldpunt_review_token(auth_request):
    return auth.authorize(auth_request, "meldpunt_review_token", wiring.table())


@bp.authorizer()
def politieke_agenda_token(auth_request):
    return auth.authorize(auth_request, "politieke_agenda_token", wiring.table())


@bp.authorizer()
def beheer_token(auth_request):
    """Every role: signing in to the beheer pages and asking who is signed in."""
    return auth.authorize(auth_request, "beheer_token", wiring.table())
