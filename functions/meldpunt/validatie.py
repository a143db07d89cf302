"""Validation of the meldpunt form: the same field names for the browser form and JSON.

Errors are catalog keys per field, in the order of the form (the error summary lists
them in that order); :class:`ValidationError` carries the entered values back so a
re-rendered form keeps every one of them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from functions import fields as kinds
from functions.errors import ValidationError
from functions.meldpunt import opties

MAX_BESCHRIJVING = 4000
MAX_EMAIL = 254
MAX_DAYS_AGO = 731  # "not absurdly old": two years back
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,252}\.[^@\s.]{2,63}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,22}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# every form field, in form order (also the order of the error summary)
FIELDS = ("categorieen", "gronden", "rol", "wijk", "datum", "dagdeel", "beschrijving",
          "contact_gewenst", "contact_email", "contact_telefoon", "toestemming", "token")
LIST_FIELDS = ("categorieen", "gronden")
# What the body of POST /meldpunt may hold, and of which type (functions.http.parse_body).
BODY_FIELDS = {name: (kinds.LIST if name in LIST_FIELDS
                      else kinds.FLAG if name in ("contact_gewenst", "toestemming") else kinds.TEXT)
               for name in FIELDS}
BODY_FIELDS["website"] = kinds.TEXT  # the honeypot (functions.meldpunt.formtoken)


@dataclass(frozen=True)
class Melding:
    """A valid report, before it gets an id (plain values; the text is still plaintext)."""
    categorieen: tuple[str, ...]
    gronden: tuple[str, ...]
    rol: str
    wijk: str
    datum: date
    dagdeel: str
    beschrijving: str
    contact_gewenst: bool = False
    contact_email: str = ""
    contact_telefoon: str = ""

    @property
    def stadsdeel(self) -> str:
        return opties.stadsdeel_van(self.wijk)

    @property
    def maand(self) -> str:
        return self.datum.strftime("%Y-%m")

    @property
    def heeft_contact(self) -> bool:
        return self.contact_gewenst and bool(self.contact_email or self.contact_telefoon)


def _choices(form: Any, name: str, allowed: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
    chosen = tuple(dict.fromkeys(v.strip() for v in form.all(name)))
    return tuple(c for c in allowed if c in chosen), all(c in allowed for c in chosen)


def _clean_text(value: str) -> str:
    # no NULs or other C0 controls except newline and tab; normalised line ends
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in value if ch in "\n\t" or ch >= " ").strip()


def _check_date(raw: str, vandaag: date) -> tuple[date | None, str | None]:
    if not raw:
        return None, "meldpunt.fout.datum_verplicht"
    if not DATE_RE.match(raw):
        return None, "meldpunt.fout.datum_ongeldig"
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        return None, "meldpunt.fout.datum_ongeldig"
    if value > vandaag:
        return None, "meldpunt.fout.datum_toekomst"
    if value < vandaag - timedelta(days=MAX_DAYS_AGO):
        return None, "meldpunt.fout.datum_te_oud"
    return value, None


def valideer(form: Any, vandaag: date, *, token_fout: str | None = None) -> Melding:
    """Check every field; raise ValidationError naming each wrong field (catalog keys).

    ``vandaag`` is today's date in Den Haag; ``token_fout`` is the anti-spam token's
    problem, if any, so that it is reported together with the other fields.
    """
    problems: dict[str, str] = {}

    categorieen, ok = _choices(form, "categorieen", opties.CATEGORIEEN)
    if not ok:
        problems["categorieen"] = "error.unknown_choice"
    elif not categorieen:
        problems["categorieen"] = "meldpunt.fout.categorieen"

    gronden, ok = _choices(form, "gronden", opties.GRONDEN)
    if not ok:
        problems["gronden"] = "error.unknown_choice"

    rol = form.first("rol").strip()
    if rol not in opties.ROLLEN:
        problems["rol"] = "meldpunt.fout.rol" if not rol else "error.unknown_choice"

    wijk = form.first("wijk").strip()
    if wijk not in opties.wijk_codes():
        problems["wijk"] = "meldpunt.fout.wijk" if not wijk else "error.unknown_choice"

    datum, fout = _check_date(form.first("datum").strip(), vandaag)
    if fout:
        problems["datum"] = fout

    dagdeel = form.first("dagdeel").strip()
    if dagdeel not in opties.DAGDELEN:
        problems["dagdeel"] = "meldpunt.fout.dagdeel" if not dagdeel else "error.unknown_choice"

    beschrijving = _clean_text(form.first("beschrijving"))
    if not beschrijving:
        problems["beschrijving"] = "meldpunt.fout.beschrijving_verplicht"
    elif len(beschrijving) > MAX_BESCHRIJVING:
        problems["beschrijving"] = "meldpunt.fout.beschrijving_te_lang"

    contact_gewenst = form.flag("contact_gewenst")
    email = form.first("contact_email").strip()
    telefoon = form.first("contact_telefoon").strip()
    if not contact_gewenst:
        # contact details only with the explicit choice: never stored "just in case"
        if email:
            problems["contact_email"] = "meldpunt.fout.contact_zonder_keuze"
        if telefoon:
            problems["contact_telefoon"] = "meldpunt.fout.contact_zonder_keuze"
    else:
        if not email and not telefoon:
            problems["contact_email"] = "meldpunt.fout.contact_ontbreekt"
        if email and (len(email) > MAX_EMAIL or not EMAIL_RE.match(email)):
            problems["contact_email"] = "meldpunt.fout.email_ongeldig"
        digits = sum(ch.isdigit() for ch in telefoon)
        if telefoon and (not PHONE_RE.match(telefoon) or not 8 <= digits <= 15):
            problems["contact_telefoon"] = "meldpunt.fout.telefoon_ongeldig"

    if not form.flag("toestemming"):
        problems["toestemming"] = "meldpunt.fout.toestemming"

    if token_fout:
        problems["token"] = token_fout

    if problems:
        ordered = {f: problems[f] for f in FIELDS if f in problems}
        raise ValidationError(ordered)
    assert datum is not None
    return Melding(categorieen=categorieen, gronden=gronden, rol=rol, wijk=wijk, datum=datum,
                   dagdeel=dagdeel, beschrijving=beschrijving, contact_gewenst=contact_gewenst,
                   contact_email=email if contact_gewenst else "",
                   contact_telefoon=telefoon if contact_gewenst else "")
