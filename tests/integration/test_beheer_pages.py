"""The beheer pages over the real app: shells without data, one script of ours under a strict
CSP, texts from the page, and every piece of data asked from an API route whose roles are
the page's own (docs/decisions/012)."""
from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest

import app as app_module
from functions import auth, tokens, wiring
from functions.beheer import pagina
from functions.meldpunt import digest
from tests.meldpunt_seed import put_report

HTML = {"accept": "text/html,application/xhtml+xml"}
NOW = datetime.now(timezone.utc)
SECRET = "Hij volgde mij tot aan de voordeur van mijn huis"
EMAIL = "melder.geheim@example.org"
ROOT_JS = pagina.SCRIPT.read_text(encoding="utf-8")


# a value each page's path parameter can take (the pages refuse ids that cannot be one: 404)
EXAMPLES = {"datum": "2026-12-03", "maand": "2027-01", "artikel_id": "a335f45d2b78"}


def concrete(path: str) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: EXAMPLES.get(m.group(1), "m1"), path)


def page(client, path, **headers):
    response = client.http.get(path, headers={**HTML, **headers})
    assert response.status_code == 200, (path, response.status_code)
    return response


def gegevens(html: str) -> dict:
    raw = re.search(r'<script type="application/json" id="beheer-gegevens">(.*?)</script>', html, re.S)
    return json.loads(raw.group(1))


class Elements(HTMLParser):
    """Every start tag with its attributes and the data-rollen of the elements around it."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}

    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, dict, list[str]]] = []
        self._stack: list[tuple[str, str | None]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        around = [r for _, r in self._stack if r] + ([attrs["data-rollen"]] if attrs.get("data-rollen") else [])
        self.found.append((tag, attrs, around))
        if tag not in self.VOID:
            self._stack.append((tag, attrs.get("data-rollen")))

    def handle_endtag(self, tag):
        while self._stack:
            if self._stack.pop()[0] == tag:
                break


def route_of(path: str):
    """The app route a template's path (``/meldpunt/meldingen/{melding_id}``) calls: a fixed
    path (``/agendas/controle``) before a parameter (``/agendas/{datum}``), then the first in
    sorted order, so a literal segment wins over a parameter (``/kalender/activiteiten`` before
    ``/kalender/{feed}``), as in API Gateway and Chalice's local server."""
    asked = concrete(path).partition("?")[0]
    if path in app_module.app.routes:
        return path, app_module.app.routes[path]
    for pattern, methods in sorted(app_module.app.routes.items()):
        if re.fullmatch(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(pattern)), asked):
            return pattern, methods
    raise AssertionError(f"no route for {path}")


@pytest.fixture
def seeded(aws):
    put_report(wiring.table(), "m1", crypto=wiring.crypto(), created_at=NOW - timedelta(days=1),
               beschrijving=SECRET, email=EMAIL)


def test_every_beheer_page_is_one_shell_for_everyone_never_cached_under_its_own_csp(client, seeded):
    token, _ = tokens.issue("politieke-agenda", "Nadine", wiring.table(), NOW)
    for path, declared in pagina.PAGINAS.items():
        anonymous = page(client, concrete(path))
        signed = page(client, concrete(path), authorization=f"Bearer {token}")
        assert anonymous.body == signed.body, path  # the page knows no one: the data come later
        assert anonymous.headers["Cache-Control"] == "no-store"
        assert anonymous.headers["Content-Security-Policy"] == declared.csp
        html = anonymous.body.decode()
        assert SECRET not in html and EMAIL not in html and "Nadine" not in html, path


def test_the_csp_allows_only_our_own_script_and_enforces_trusted_types(client):
    policy = dict(d.strip().split(" ", 1) for d in pagina.CSP.split(";"))
    assert policy["script-src"] == "'self'"
    assert "unsafe" not in policy["script-src"] and "unsafe" not in policy["default-src"]
    assert policy["require-trusted-types-for"] == "'script'" and policy["trusted-types"] == "'none'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    # the public pages need no script at all
    for path in ("/", "/meldpunt", "/meldpunt/cijfers", "/nieuwsbrief/aanmelden"):
        assert "script-src 'none'" in client.http.get(path, headers=HTML).headers["Content-Security-Policy"]


def test_only_pages_that_declare_a_preview_may_frame_blob_urls_and_only_sandboxed(client):
    for path, declared in pagina.PAGINAS.items():
        found = Elements(page(client, concrete(path)).body.decode()).found
        frames = [a for tag, a, _ in found if tag == "iframe"]
        policy = dict(d.strip().split(" ", 1) for d in declared.csp.split(";"))
        if declared.blob_frames:
            # the base policy and frames from blob: only (not even our own pages)
            assert declared.csp == f"{pagina.CSP}; frame-src blob:" and policy["frame-src"] == "blob:"
            assert frames, f"{path} allows frames but has none"
        else:
            assert "frame-src" not in policy and declared.csp == pagina.CSP
            assert not frames, path
        for frame in frames:
            # no script, no same origin, no forms or popups; filled by the script, never srcdoc
            assert frame["sandbox"] == "" and "srcdoc" not in frame and "src" not in frame, path
            assert frame.get("title") and frame.get("data-voorbeeld"), path


def test_the_only_scripts_are_our_file_with_its_integrity_and_the_page_data(client):
    info = pagina.script_info()
    integrity = "sha384-" + base64.b64encode(hashlib.sha384(ROOT_JS.encode()).digest()).decode()
    for path in pagina.PAGINAS:
        found = Elements(page(client, concrete(path)).body.decode()).found
        scripts = [a for tag, a, _ in found if tag == "script"]
        assert scripts == [{"type": "application/json", "id": "beheer-gegevens"},
                           {"src": f"/beheer/beheer.js?v={info['versie']}", "integrity": integrity,
                            "defer": None}], path
        handlers = [(tag, k) for tag, a, _ in found for k in a if k.startswith("on")]
        assert handlers == [], path
        assert not [a for _, a, _ in found if "javascript:" in (a.get("href") or "")], path


def test_the_token_field_has_no_name_so_a_form_without_the_script_sends_nothing(client):
    found = Elements(page(client, "/beheer").body.decode()).found
    (field,) = [a for tag, a, _ in found if a.get("id") == "beheer-token"]
    assert "name" not in field and field["type"] == "password" and field["autocomplete"] == "off"
    (form,) = [a for tag, a, _ in found if a.get("id") == "beheer-inlogformulier"]
    assert form["method"] == "post"


def test_the_script_is_cached_a_year_under_its_version_and_revalidated_otherwise(client):
    info = pagina.script_info()
    current = client.http.get(f"/beheer/beheer.js?v={info['versie']}")
    assert current.status_code == 200 and current.body.decode() == ROOT_JS
    assert current.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert current.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert current.headers["X-Content-Type-Options"] == "nosniff"
    assert client.http.get("/beheer/beheer.js?v=oud").headers["Cache-Control"] == "no-cache"
    assert client.http.get("/beheer/beheer.js").headers["Cache-Control"] == "no-cache"


def test_the_script_puts_values_in_as_text_and_never_as_markup_or_code():
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", ROOT_JS, flags=re.S)  # comments may name them
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function", "srcdoc", "setTimeout(\"", "setInterval(\"", "localStorage.set",
                 "document.cookie", "location.hash"):
        assert sink not in code, sink
    assert "textContent" in code


def test_every_text_the_script_shows_comes_from_the_page_in_its_language(client):
    used = set(re.findall(r"\bT\.([a-z_0-9]+)", ROOT_JS))
    used |= {f"fout_{n}" for n in (0, 400, 403, 404, 409, 413, 429, 500)}  # T["fout_" + status]
    used |= {"uitgelogd", "verlopen"}  # T[reden]
    assert used == set(pagina.SCRIPT_TEXTS)
    nl = gegevens(page(client, "/beheer").body.decode())
    en = gegevens(page(client, "/beheer?lang=en").body.decode())
    assert set(nl["teksten"]) == set(en["teksten"]) == used
    assert nl["lang"] == "nl" and en["lang"] == "en"
    assert nl["teksten"]["uitgelogd"] != en["teksten"]["uitgelogd"]
    assert en == gegevens(page(client, "/beheer", **{"accept-language": "en-GB"}).body.decode())


def test_the_beheer_catalogs_have_every_key_in_dutch_and_english():
    from pathlib import Path

    folder = Path(pagina.__file__).resolve().parents[2] / "templates" / "i18n" / "beheer"
    nl = json.loads((folder / "nl.json").read_text(encoding="utf-8"))
    en = json.loads((folder / "en.json").read_text(encoding="utf-8"))
    assert set(nl) == set(en)
    assert all(v.strip() for v in list(nl.values()) + list(en.values()))


def test_every_page_asks_only_routes_its_roles_may_use_and_links_only_to_pages(client):
    for path, declared in pagina.PAGINAS.items():
        asked = 0
        for tag, attrs, around in Elements(page(client, concrete(path)).body.decode()).found:
            # the roles that see this element: the page's, narrowed by any data-rollen around it
            roles = set(declared.rollen)
            for names in around:
                roles &= set(names.split())
            for attr, method in (("data-bron", "GET"), ("data-download", "GET"), ("data-actie", None),
                                 ("data-upload", "PUT"), ("data-pad", "PUT"), ("data-proef", "POST"),
                                 ("data-ophalen", None), ("data-link-van", "GET"), ("data-verstuur", None),
                                 ("data-voorbeeld", "GET")):
                if attr not in attrs:
                    continue
                asked += 1
                _, methods = route_of(attrs[attr])
                default = {"data-ophalen": "GET", "data-verstuur": "PUT"}.get(attr, "POST")
                entry = methods[method or attrs.get("data-methode", default).upper()]
                assert entry.authorizer is not None, (path, attrs[attr])
                allowed = auth.AUTHORIZER_ROLES[entry.authorizer.name]
                assert roles <= allowed, (path, attrs[attr], roles - allowed)
            for link in ("data-href", "data-ga-naar"):
                if link in attrs:
                    assert route_of(attrs[link])[0] in pagina.PAGINAS, (path, attrs[link])
        assert asked, f"{path} asks no API at all"


def test_the_contact_details_are_only_for_the_roles_of_their_route(client):
    found = Elements(page(client, "/beheer/meldpunt/m1").body.decode()).found
    (form,) = [(a, around) for tag, a, around in found if a.get("id") == "contactformulier"]
    assert set(form[1][-1].split()) == auth.AUTHORIZER_ROLES["politieke_agenda_token"]


def test_the_list_page_keeps_the_urls_filters_in_its_form(client):
    html = page(client, "/beheer/meldpunt?status=nieuw&wijk=WK051828&van=2026-01-01&lang=en").body.decode()
    assert '<option value="nieuw" selected>' in html and '<option value="WK051828" selected>' in html
    assert 'name="van" value="2026-01-01"' in html
    months = page(client, "/beheer/meldpunt?van=2026-02&tot=2026-02").body.decode()
    assert 'name="van" value="2026-02-01"' in months and 'name="tot" value="2026-02-28"' in months
    assert "Back to the newest" not in html  # the first page already
    later = page(client, "/beheer/meldpunt?status=nieuw&cursor=abc&lang=en").body.decode()
    assert 'href="/beheer/meldpunt?status=nieuw&amp;lang=en">Back to the newest' in later


def test_a_report_page_for_an_id_that_cannot_be_one_is_a_404_page(client):
    response = client.http.get("/beheer/meldpunt/een%20melding", headers=HTML)
    assert response.status_code == 404 and response.headers["Content-Type"].startswith("text/html")


def test_the_home_page_links_to_the_sign_in_discreetly(client):
    html = page(client, "/").body.decode()
    assert '<p class="hint"><a href="/beheer?lang=nl">Inloggen voor bestuur en werkgroepen</a></p>' in html
    onderdelen = html.split('<ul class="onderdelen">')[1].split("</ul>")[0]
    assert "/beheer" not in onderdelen


def test_the_digest_links_to_the_review_page_of_the_new_reports():
    path, _, query = digest.REVIEW_PAGE.partition("?")
    assert "GET" in app_module.app.routes[path] and path in pagina.PAGINAS
    assert query == "status=nieuw"


def test_every_element_a_page_points_at_is_on_that_page(client):
    """data-vernieuw, data-herlaad, data-wacht, data-resultaat, data-fouten-in and
    data-fout-in name elements by id: a typo would silently do nothing in the browser."""
    for path in pagina.PAGINAS:
        found = Elements(page(client, concrete(path)).body.decode()).found
        ids = {a["id"]: a for _, a, _ in found if a.get("id")}
        for _, attrs, _ in found:
            for attr in ("data-vernieuw", "data-herlaad", "data-wacht", "data-resultaat",
                         "data-fouten-in", "data-fout-in", "data-formulier"):
                for target in (attrs.get(attr) or "").split():
                    if target.startswith("#"):
                        assert target[1:] in ids, (path, attr, target)
                        if attr in ("data-vernieuw", "data-herlaad", "data-wacht"):  # reloadable
                            assert "data-bron" in ids[target[1:]], (path, attr, target)
            if "data-wacht" in attrs:
                assert len(attrs["data-wacht"].split()) == 2, (path, attrs["data-wacht"])


def test_the_script_parses():
    """The pages' one script is plain JavaScript in one closure: a name declared twice (two
    blocks added side by side) is a SyntaxError that leaves every beheer page empty."""
    import shutil
    import subprocess

    node = shutil.which("node")
    assert node, "Node.js is needed to check beheer.js (it is on every machine of this kind)"
    result = subprocess.run([node, "--check", str(pagina.SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("query", ["v=a%1Fb", "v=%00", "v=x&v=y", "v=" + "9" * 5000])
def test_the_script_answers_whatever_its_version_parameter_holds(client, query):
    """Found by schemathesis: a control character in ``v`` was a 500 (the route has no error
    handler: it answers the script, revalidated, whatever the query)."""
    response = client.http.get(f"/beheer/beheer.js?{query}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache"
    assert response.body.decode("utf-8") == pagina.script_info()["body"]
