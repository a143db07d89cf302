"""The beheer pages: their layout, their declaration, and the script they share.

A beheer page is a template that extends ``beheer/basis.html`` and one declaration::

    @pagina.route(bp, "/beheer/nieuwsbrief/{maand}", "beheer/nieuwsbrief.html",
                  authorizer=authorizers.nieuwsbrief_token, titel="beheer.nieuwsbrief.titel")
    def beheer_nieuwsbrief(maand):
        return {"params": {"maand": maand}}

The route itself is public: its HTML is the same for everyone and holds no personal data
(texts, a filter form, empty tables). ``/beheer/beheer.js`` signs in, keeps the session
token and fills the page from the JSON API with ``Authorization: Bearer``, following the
template's ``data-*`` attributes (docs/beheer.md), and always with ``textContent``. So the
role check of every piece of data is the API's own authorizer; ``authorizer=`` names the
one the page's data need, and the page tells people with another role that it is not for
them before it asks anything (docs/decisions/012).
"""
from __future__ import annotations

import base64
import functools
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping

from functions import auth, http
from functions.config import ROLES

STATIC = Path(__file__).resolve().parent / "static"
SCRIPT = STATIC / "beheer.js"
SCRIPT_PATH = "/beheer/beheer.js"

# The beheer pages' policy: scripts only from our own files (no inline script, no eval),
# data only from our own API, and Trusted Types enforced: an assignment of a string to
# innerHTML (or any other HTML/script sink) throws, so nothing the API returns can become
# markup, whatever a later page's code does.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; object-src 'none'; require-trusted-types-for 'script'; "
       "trusted-types 'none'")
# A page that shows HTML from the API (the newsletter's preview) in a sandboxed iframe from
# a Blob URL (``data-voorbeeld``): frames from blob: only, and only on the pages that say so.
FRAME_SRC_BLOB = "frame-src blob:"

# The texts the script shows (catalog keys "beheer.js.<name>"), in the page's language.
SCRIPT_TEXTS = (
    "ja", "nee", "ingelogd", "uitgelogd", "verlopen", "token_leeg", "token_onbekend",
    "token_sessie", "gedownload", "gelukt", "fouten_kop", "fout_0", "fout_400", "fout_403",
    "fout_404", "fout_409", "fout_413", "fout_429", "fout_500",
)


@dataclass(frozen=True)
class Pagina:
    path: str
    template: str
    titel: str                 # catalog key of the title (and of the overview's link)
    rollen: frozenset[str]     # who may use it: the roles of its authorizer
    uitleg: str | None = None  # catalog key of the overview's line; None: not listed there
    blob_frames: bool = False  # shows HTML in a sandboxed iframe from a Blob URL

    @property
    def csp(self) -> str:
        return f"{CSP}; {FRAME_SRC_BLOB}" if self.blob_frames else CSP


# path -> page, for every blueprint that declares beheer pages (the overview lists them)
PAGINAS: dict[str, Pagina] = {}


def route(bp: Any, path: str, template: str, *, authorizer: Any, titel: str,
          uitleg: str | None = None, blob_frames: bool = False) -> Callable:
    """Declare a beheer page. The view returns the template's extra context (or None);
    ``params`` in it are the page's path parameters for the script (``{melding_id}`` in a
    ``data-bron``), ``labels`` and ``keuzes`` code -> text maps for its values.
    ``blob_frames``: the page has an ``iframe[data-voorbeeld]`` (its CSP allows blob: frames)."""
    name = getattr(authorizer, "name", authorizer)
    if name not in auth.AUTHORIZER_ROLES:
        raise ValueError(f"beheer page {path}: unknown authorizer {name!r}")
    pagina = Pagina(path=path, template=template, titel=titel, uitleg=uitleg,
                    rollen=auth.AUTHORIZER_ROLES[name], blob_frames=blob_frames)
    PAGINAS[path] = pagina
    access = auth.RouteAccess(bp)
    handles_errors = http.handles_errors(lambda: bp.current_request)

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def page(*args: Any, **kwargs: Any) -> Any:
            return toon(bp.current_request, pagina, **(view(*args, **kwargs) or {}))

        access.public_route(path)(handles_errors(page))
        return page

    return decorator


def in_overzicht() -> list[Pagina]:
    """The pages the overview links to, in the order they were declared."""
    return [p for p in PAGINAS.values() if p.uitleg]


def toon(request: Any, pagina: Pagina, *, params: Mapping[str, str] | None = None,
         labels: Mapping[str, Mapping[str, str]] | None = None,
         keuzes: Mapping[str, Any] | None = None, teksten: Mapping[str, str] | None = None,
         **context: Any) -> Any:
    """Render a beheer page: the template, and in it (as JSON, read by the script) the
    page's roles, texts, labels and parameters. ``teksten``: the page's own wording of some
    of the script's texts (name in SCRIPT_TEXTS -> catalog key), e.g. what a 404 means here."""
    from functions import afdeling, web, wiring

    catalogs = wiring.renderer().catalogs
    lang = web.language(request)
    rollen = {r: rol_naam(catalogs, lang, r) for r in sorted(pagina.rollen)}
    gegevens = {
        "base": http.base_path(request), "lang": lang, "rollen": sorted(pagina.rollen),
        "teksten": {k: catalogs.gettext(lang, (teksten or {}).get(k, f"beheer.js.{k}"))
                    for k in SCRIPT_TEXTS},
        "labels": _merged({"rol": {r: rol_naam(catalogs, lang, r) for r in ROLES}}, labels or {}),
        "keuzes": dict(keuzes or {}), "params": dict(params or {}),
        "tijdzone": afdeling.current().tijdzone,
        "inactief_minuten": wiring.settings().beheer_inactief_minuten,
    }
    minuten = wiring.settings().beheer_sessie_minuten
    duur = (catalogs.gettext(lang, "beheer.duur.uren", n=minuten // 60) if minuten % 60 == 0
            else catalogs.gettext(lang, "beheer.duur.minuten", n=minuten))
    body = web.render(request, pagina.template, lang=lang, pagina=pagina, gegevens=gegevens,
                      sessie_duur=duur,
                      pagina_rollen=rollen, labels=gegevens["labels"], script=script_info(),
                      **context)
    return http.html_response(body, headers={"Content-Security-Policy": pagina.csp})


def _merged(base: Mapping[str, Mapping[str, str]],
            extra: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    out = {k: dict(v) for k, v in base.items()}
    for kind, texts in extra.items():
        out.setdefault(kind, {}).update(texts)
    return out


def rol_naam(catalogs: Any, lang: str, rol: str) -> str:
    """"bestuur" -> "Bestuur"; a werkgroep's code -> "werkgroep <its name>" (afdeling file)."""
    from functions import afdeling

    try:
        werkgroep = afdeling.current().werkgroep(rol)
    except KeyError:
        return catalogs.gettext(lang, f"beheer.rol.{rol}")
    return catalogs.gettext(lang, "beheer.rol.werkgroep", naam=werkgroep.naam)


@lru_cache(maxsize=1)
def script_info() -> dict[str, str]:
    """The script, its version (for the URL) and its Subresource Integrity hash."""
    data = SCRIPT.read_bytes()
    return {"body": data.decode("utf-8"), "versie": hashlib.sha256(data).hexdigest()[:16],
            "integrity": "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()}


def script_response(request: Any) -> Any:
    """``GET /beheer/beheer.js``: cached for a year under its version, else revalidated."""
    from functions.errors import ValidationError

    info = script_info()
    try:
        fresh = http.query(request, ["v"]).get("v") == info["versie"]
    except ValidationError:  # a `v` no version can be (control characters, ...): just not fresh
        fresh = False
    return http.text_response(info["body"], "text/javascript; charset=utf-8", headers={
        "Cache-Control": "public, max-age=31536000, immutable" if fresh else "no-cache",
        "X-Content-Type-Options": "nosniff"})
