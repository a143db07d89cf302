"""Validation of the meldpunt form: every field, the contact rules, the date bounds."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from functions.errors import ValidationError
from functions.http import FormData
from functions.meldpunt import opties
from functions.meldpunt.validatie import FIELDS, MAX_BESCHRIJVING, valideer

TODAY = date(2026, 11, 27)


def form(**fields) -> FormData:
    base = {"categorieen": ["nafluiten"], "rol": "getuige", "wijk": "WK051830",
            "datum": "2026-11-20", "dagdeel": "nacht", "beschrijving": "Iemand riep mij na.",
            "toestemming": "ja"}
    base.update(fields)
    data = {}
    for k, v in base.items():
        if v is None:
            continue
        data[k] = v if isinstance(v, list) else [v]
    return FormData(data)


def errors_of(f: FormData, **kw) -> dict[str, str]:
    with pytest.raises(ValidationError) as exc:
        valideer(f, TODAY, **kw)
    return exc.value.errors


def test_a_complete_form_gives_a_report_with_codes_only():
    melding = valideer(form(gronden=["racisme", "seksisme"]), TODAY)
    assert melding.categorieen == ("nafluiten",)
    assert melding.gronden == ("racisme", "seksisme")
    assert melding.wijk == "WK051830" and melding.stadsdeel == "centrum"
    assert melding.maand == "2026-11"
    assert melding.heeft_contact is False


def test_unknown_wijk_is_allowed_as_its_own_code():
    melding = valideer(form(wijk=opties.WIJK_ONBEKEND), TODAY)
    assert melding.stadsdeel == opties.WIJK_ONBEKEND


def test_an_empty_form_names_every_required_field_in_form_order():
    problems = errors_of(FormData({}))
    assert list(problems) == ["categorieen", "rol", "wijk", "datum", "dagdeel", "beschrijving",
                              "toestemming"]
    assert list(problems) == [f for f in FIELDS if f in problems]


@pytest.mark.parametrize("field, value", [
    ("categorieen", ["nafluiten", "stalken"]), ("gronden", ["onbekend"]), ("rol", "dader"),
    ("wijk", "WK051899"), ("wijk", "Transvaal"), ("dagdeel", "schemering"),
])
def test_values_outside_the_lists_are_refused(field, value):
    assert errors_of(form(**{field: value})) == {field: "error.unknown_choice"}


def test_repeated_choices_count_once_and_keep_the_list_order():
    melding = valideer(form(categorieen=["achtervolgen", "nafluiten", "achtervolgen"]), TODAY)
    assert melding.categorieen == ("nafluiten", "achtervolgen")


@pytest.mark.parametrize("value, key", [
    ("", "meldpunt.fout.datum_verplicht"),
    ("27-11-2026", "meldpunt.fout.datum_ongeldig"),
    ("2026-02-30", "meldpunt.fout.datum_ongeldig"),
    ("20261127", "meldpunt.fout.datum_ongeldig"),
    ("2026-11-28", "meldpunt.fout.datum_toekomst"),
    ((TODAY - timedelta(days=800)).isoformat(), "meldpunt.fout.datum_te_oud"),
])
def test_the_date_must_be_real_not_in_the_future_and_not_absurdly_old(value, key):
    assert errors_of(form(datum=value)) == {"datum": key}


def test_today_and_two_years_ago_are_fine():
    assert valideer(form(datum=TODAY.isoformat()), TODAY).datum == TODAY
    old = TODAY - timedelta(days=730)
    assert valideer(form(datum=old.isoformat()), TODAY).datum == old


def test_description_is_required_and_bounded():
    assert errors_of(form(beschrijving="   ")) == {"beschrijving": "meldpunt.fout.beschrijving_verplicht"}
    assert valideer(form(beschrijving="é" * MAX_BESCHRIJVING), TODAY).beschrijving == "é" * MAX_BESCHRIJVING
    assert errors_of(form(beschrijving="x" * (MAX_BESCHRIJVING + 1))) == {
        "beschrijving": "meldpunt.fout.beschrijving_te_lang"}


def test_control_characters_are_removed_but_lines_kept():
    melding = valideer(form(beschrijving="regel een\r\nregel\x00 twee\x07\tklaar"), TODAY)
    assert melding.beschrijving == "regel een\nregel twee\tklaar"


def test_contact_details_are_refused_without_the_explicit_choice():
    problems = errors_of(form(contact_email="a@example.org", contact_telefoon="0612345678"))
    assert problems == {"contact_email": "meldpunt.fout.contact_zonder_keuze",
                        "contact_telefoon": "meldpunt.fout.contact_zonder_keuze"}


def test_the_contact_choice_needs_an_email_or_a_phone():
    assert errors_of(form(contact_gewenst="ja")) == {"contact_email": "meldpunt.fout.contact_ontbreekt"}
    assert valideer(form(contact_gewenst="ja", contact_telefoon="+31 6 1234 5678"), TODAY).heeft_contact
    melding = valideer(form(contact_gewenst="on", contact_email="iemand@example.org"), TODAY)
    assert melding.contact_email == "iemand@example.org" and melding.contact_telefoon == ""


@pytest.mark.parametrize("field, value, key", [
    ("contact_email", "geen-adres", "meldpunt.fout.email_ongeldig"),
    ("contact_email", "a@b", "meldpunt.fout.email_ongeldig"),
    ("contact_telefoon", "bel me", "meldpunt.fout.telefoon_ongeldig"),
    ("contact_telefoon", "12345", "meldpunt.fout.telefoon_ongeldig"),
    ("contact_telefoon", "+31 6 1234 5678 9999 00", "meldpunt.fout.telefoon_ongeldig"),
])
def test_contact_details_must_look_real(field, value, key):
    assert errors_of(form(contact_gewenst="ja", **{field: value})) == {field: key}


def test_consent_is_required():
    assert errors_of(form(toestemming=None)) == {"toestemming": "meldpunt.fout.toestemming"}
    assert errors_of(form(toestemming="nee")) == {"toestemming": "meldpunt.fout.toestemming"}


def test_a_token_problem_is_reported_with_the_other_fields():
    problems = errors_of(form(rol=None), token_fout="meldpunt.fout.token")
    assert problems == {"rol": "meldpunt.fout.rol", "token": "meldpunt.fout.token"}


def test_every_error_key_exists_in_both_catalogs():
    import json
    from pathlib import Path

    import functions.meldpunt.validatie as v
    source = Path(v.__file__).read_text()
    keys = {k for k in __import__("re").findall(r'"(meldpunt\.fout\.[a-z_]+)"', source)}
    keys.add("meldpunt.fout.token")
    root = Path(__file__).resolve().parents[2] / "templates" / "i18n" / "meldpunt"
    for lang in ("nl", "en"):
        catalog = json.loads((root / f"{lang}.json").read_text())
        assert keys <= set(catalog), (lang, keys - set(catalog))
