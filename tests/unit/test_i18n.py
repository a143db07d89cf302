import json

from functions.i18n import CATALOG_DIR, Catalogs


def test_every_catalog_has_every_dutch_key():
    dutch_keys = set()
    for path in CATALOG_DIR.rglob("nl.json"):
        dutch_keys |= set(json.loads(path.read_text()))
    for lang_file in CATALOG_DIR.rglob("*.json"):
        keys = set(json.loads(lang_file.read_text()))
        siblings = set(json.loads((lang_file.parent / "nl.json").read_text()))
        assert siblings - keys == set(), f"{lang_file} lacks {sorted(siblings - keys)}"
    assert dutch_keys


def test_language_comes_from_query_then_accept_language_then_dutch():
    catalogs = Catalogs()
    assert catalogs.negotiate("en", "nl") == "en"
    assert catalogs.negotiate(None, "en-GB,en;q=0.9,nl;q=0.5") == "en"
    assert catalogs.negotiate(None, "fr-FR, nl;q=0.8, en;q=0.9") == "en"
    assert catalogs.negotiate("xx", "fr") == "nl"
    assert catalogs.negotiate(None, None) == "nl"


def test_dutch_comes_first_in_the_language_switch():
    assert Catalogs().languages[0] == "nl"


def test_a_missing_key_falls_back_to_dutch(tmp_path):
    (tmp_path / "pap.json").write_text(json.dumps({"_language_name": "Papiamentu"}))
    catalogs = Catalogs([CATALOG_DIR, tmp_path])
    assert catalogs.gettext("pap", "nieuwsbrief.submit") == catalogs.gettext("nl", "nieuwsbrief.submit")
    assert "pap" in catalogs.languages
