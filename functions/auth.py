"""Route access: every route is declared public or guarded by a role authorizer.

The authorizers are Chalice built-in authorizers (their own Lambda in production,
enforced by ``chalice local`` and ``chalice.test.Client`` too): no Authorization
header gives 401 (API Gateway's identity source check), an unknown, revoked or
wrong-role token gives 403, and the principal reaches the view as
``app.current_request.context["authorizer"]`` (``name``, ``role``, ``token_id``).
"""
from __future__ import annotations

from typing import Any, Callable

from functions import afdeling
from functions.config import BESTUUR
from functions.logs import log_event

# The werkgroep that reviews the meldpunt and may see contact details (afdeling file).
MELDPUNT_WERKGROEP = str(afdeling.current().section("meldpunt").get("werkgroep") or "")

# The werkgroep that makes the newsletter (afdeling file).
NIEUWSBRIEF_WERKGROEP = str(afdeling.current().section("nieuwsbrief").get("werkgroep") or "")

# authorizer function name (functions/authorizers.py) -> roles it lets through
AUTHORIZER_ROLES: dict[str, frozenset[str]] = {
    "bestuur_token": frozenset({BESTUUR}),
    "meldpunt_review_token": frozenset({MELDPUNT_WERKGROEP, BESTUUR}),
    "politieke_agenda_token": frozenset({MELDPUNT_WERKGROEP}),
    "werkgroep_token": frozenset({BESTUUR, *afdeling.current().werkgroep_codes}),
    "nieuwsbrief_token": frozenset({NIEUWSBRIEF_WERKGROEP, BESTUUR}),
}


def bearer(header: str | None) -> str:
    if not header:
        return ""
    scheme, _, value = header.strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def authorize(auth_request: Any, authorizer_name: str, table: Any) -> Any:
    """Decide one request: allow (with the principal as context) or deny."""
    from chalice import AuthResponse

    from functions import tokens

    principal = tokens.authenticate(bearer(auth_request.token), table)
    roles = AUTHORIZER_ROLES[authorizer_name]
    if principal is None or principal.role not in roles:
        log_event("auth.denied", authorizer=authorizer_name,
                  token_id=principal.token_id if principal else None)
        return AuthResponse(routes=[], principal_id="denied")
    # "*" is safe: API Gateway caches this policy per authorizer, and this authorizer
    # guards only routes that these roles may use.
    return AuthResponse(routes=["*"], principal_id=principal.name,
                        context={"name": principal.name, "role": principal.role,
                                 "token_id": principal.token_id})


# (path, method) of every route declared public, by any blueprint
PUBLIC_ROUTES: set[tuple[str, str]] = set()


class RouteAccess:
    """Registers public routes so that a test can prove every route made a decision.

    One per blueprint (``access = RouteAccess(bp)``); they share :data:`PUBLIC_ROUTES`.
    """

    def __init__(self, target: Any):
        self._target = target

    @property
    def public(self) -> set[tuple[str, str]]:
        return PUBLIC_ROUTES

    def public_route(self, path: str, **kwargs: Any) -> Callable:
        if "authorizer" in kwargs:
            raise ValueError(f"public route {path} cannot have an authorizer")
        for method in kwargs.get("methods", ["GET"]):
            PUBLIC_ROUTES.add((path, method.upper()))
        return self._target.route(path, **kwargs)


def principal_of(request: Any) -> dict[str, str]:
    """The authorizer context of a guarded request (name, role, token_id)."""
    return dict((request.context or {}).get("authorizer") or {})
