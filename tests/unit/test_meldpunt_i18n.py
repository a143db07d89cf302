"""Adding a language is adding a catalog: a third, test-only catalog renders the whole form."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from functions.i18n import CATALOG_DIR, Catalogs
from functions.meldpunt import opties
from functions.meldpunt.paginas import form_context
from functions.rendering import TEMPLATE_DIR, Renderer

NOW = datetime(2026, 11, 27, 12, tzinfo=timezone.utc)
MELDPUNT_CATALOGS = CATALOG_DIR / "meldpunt"
TEMPLATES = ["formulier.html", "onbeschikbaar.html", "bedankt.html", "status.html", "intrekken.html"]

PAPIAMENTU = {
    "_language_name": "Papiamentu",
    "meldpunt.titel": "Reportá hostigamentu na caya",
    "meldpunt.categorieen": "Kiko a pasa?",
    "meldpunt.categorie.nafluiten": "Fluit òf grita tras di bo",
    "meldpunt.wijk": "Den ki bario e ta a pasa?",
    "meldpunt.wijk_onbekend": "Mi no sa",
    "meldpunt.verstuur": "Manda e reportahe",
    "meldpunt.fout.rol": "Skohe si e ta a pasa ku bo.",
}


def catalog(lang: str) -> dict[str, str]:
    return json.loads((MELDPUNT_CATALOGS / f"{lang}.json").read_text(encoding="utf-8"))


@pytest.fixture
def with_papiamentu(tmp_path: Path) -> Renderer:
    (tmp_path / "pap.json").write_text(json.dumps(PAPIAMENTU), encoding="utf-8")
    return Renderer(Catalogs([CATALOG_DIR, tmp_path]))


def render_form(renderer: Renderer, lang: str, errors: dict | None = None) -> str:
    ctx = form_context({}, errors or {}, "v1.1.aa.bb", NOW)
    return renderer.render("meldpunt/formulier.html", lang, base="", **ctx)


def test_a_third_catalog_renders_the_form_in_that_language(with_papiamentu):
    html = render_form(with_papiamentu, "pap")
    assert '<html lang="pap">' in html
    for text in ("Reportá hostigamentu na caya", "Kiko a pasa?", "Fluit òf grita tras di bo",
                 "Den ki bario e ta a pasa?", "Mi no sa", "Manda e reportahe"):
        assert text in html
    # keys the new catalog lacks fall back to Dutch, never to an error
    assert "Aanraken of betasten" in html


def test_the_language_switch_offers_every_catalog(with_papiamentu):
    html = render_form(with_papiamentu, "pap")
    switch = html.split('<nav class="lang"', 1)[1].split("</nav>", 1)[0]
    assert 'href="?lang=nl"' in switch and 'href="?lang=en"' in switch
    assert "Papiamentu" not in switch  # the current language is not a link
    assert "Papiamentu" in render_form(with_papiamentu, "nl").split('<nav class="lang"', 1)[1]


def test_the_new_language_is_negotiated_like_the_others(with_papiamentu):
    catalogs = with_papiamentu.catalogs
    assert catalogs.negotiate("pap", None) == "pap"
    assert catalogs.negotiate(None, "pap-CW, nl;q=0.5") == "pap"
    assert catalogs.negotiate(None, "fr") == "nl"


def test_error_messages_come_from_the_new_catalog(with_papiamentu):
    message = with_papiamentu.catalogs.gettext("pap", "meldpunt.fout.rol")
    html = render_form(with_papiamentu, "pap", errors={"rol": message})
    assert 'href="#rol-slachtoffer"' in html and html.count("Skohe si e ta a pasa ku bo.") == 2


def test_dutch_and_english_catalogs_have_the_same_keys():
    assert set(catalog("nl")) == set(catalog("en"))


def test_every_key_the_templates_use_exists_in_dutch():
    nl = {**json.loads((CATALOG_DIR / "nl.json").read_text()), **catalog("nl")}
    used: set[str] = set()
    for name in TEMPLATES:
        source = (TEMPLATE_DIR / "meldpunt" / name).read_text(encoding="utf-8")
        used |= {k for k in re.findall(r'\bt\("([a-z_.\-]+)"', source) if not k.endswith(".")}
    used |= {f"meldpunt.categorie.{c}" for c in opties.CATEGORIEEN}
    used |= {f"meldpunt.grond.{g}" for g in opties.GRONDEN}
    used |= {f"meldpunt.rol.{r}" for r in opties.ROLLEN}
    used |= {f"meldpunt.dagdeel.{d}" for d in opties.DAGDELEN}
    assert used - set(nl) == set()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_page_renders_in_both_languages(lang):
    renderer = Renderer()
    ctx = form_context({}, {}, "t", NOW)
    for name in ("formulier.html", "onbeschikbaar.html"):
        assert f'<html lang="{lang}">' in renderer.render(f"meldpunt/{name}", lang, base="", **ctx)
    assert "7KQ2" in renderer.render("meldpunt/bedankt.html", lang, base="",
                                     result={"ontvangstcode": "7KQ2-M9XD-40ZT-81BW"})
    for name in ("status.html", "intrekken.html"):
        html = renderer.render(f"meldpunt/{name}", lang, base="", code="", resultaat="onbekend",
                               errors={}, status_tekst="")
        assert catalog(lang)["meldpunt.code_onbekend"] in html
