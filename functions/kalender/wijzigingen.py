"""Changes from scripts (Bearer token): cancel, move, annotate, a themaBIJ1komst's theme,
and one-off events.

Who may: role ``bestuur`` any occurrence; a werkgroep role only its own werkgroep's
(its werkgroep meetings, the themaBIJ1komsten it hosts or that have no host yet, and the
one-off events it added); anything else is a 403. Bad input is a 400 naming the field, an
unknown occurrence a 404, a change the occurrence's state does not allow (cancelling twice,
moving a cancelled meeting) a 409; nothing is written on any error.

Every change is one transaction of two puts: the occurrence's new state (``STAAT``, with the
change count that raises its SEQUENCE) and the change itself (``WIJZIGING#<n>``: who, role,
token id, when, what), the latter only if new. Two concurrent changes of one occurrence
cannot both win: the second finds ``WIJZIGING#<n>`` taken and gets a 409.
"""
from __future__ import annotations

import secrets
import unicodedata
from datetime import date, datetime, timedelta, timezone
from typing import Any, Mapping

from functions import fields as kinds
from functions.adapters.dynamo import Table, TransactionConditionFailed, TxPut
from functions.errors import Conflict, Forbidden, ValidationError
from functions.kalender import activiteiten as acts
from functions.kalender.activiteiten import Activiteit
from functions.kalender.gegevens import Kalender
from functions.logs import log_event

BESTUUR = "bestuur"
CANCEL_FIELDS = {"reden": kinds.TEXT}
MOVE_FIELDS = {"start": kinds.TEXT, "eind": kinds.TEXT}
NOTE_FIELDS = {"notitie": kinds.TEXT}
THEME_FIELDS = {"thema": kinds.TEXT, "sprekers": kinds.LIST, "werkgroep": kinds.TEXT}
ONE_OFF_FIELDS = {"titel": kinds.TEXT, "titel_en": kinds.TEXT, "start": kinds.TEXT,
                  "eind": kinds.TEXT, "publiek": kinds.TEXT, "werkgroep": kinds.TEXT,
                  "plaats": kinds.TEXT, "adres": kinds.TEXT, "link": kinds.TEXT,
                  "online": kinds.FLAG, "beschrijving": kinds.TEXT}
MAX_REASON, MAX_NOTE, MAX_THEME, MAX_SPEAKER, MAX_SPEAKERS = 500, 1000, 200, 120, 10
MAX_TITLE, MAX_DESCRIPTION, MAX_PLACE, MAX_LINK = 120, 2000, 200, 300
MAX_DURATION = timedelta(hours=24)
HISTORY = "WIJZIGING#{n:05d}"


# --- who may -------------------------------------------------------------------------------

def check_allowed(principal: Mapping[str, str], a: Activiteit) -> None:
    """Forbidden unless this token may change this occurrence."""
    role = principal.get("role", "")
    if role == BESTUUR:
        return
    if a.soort == "themabij1komst" and a.werkgroep in (None, role):
        return
    if a.soort in ("werkgroepvergadering", acts.EENMALIG) and a.werkgroep == role:
        return
    raise Forbidden(f"role {role} may not change {a.id}")


def may_change(principal: Mapping[str, str], a: Activiteit) -> bool:
    """Whether this token may change this occurrence (:func:`check_allowed` as a yes/no)."""
    try:
        check_allowed(principal, a)
    except Forbidden:
        return False
    return True


def possible(principal: Mapping[str, str], a: Activiteit, now: datetime) -> dict[str, bool]:
    """Which changes this token can make to this occurrence now (the beheer pages show only
    those forms): none once it has begun or for another werkgroep's meeting; no cancel or
    move or theme once cancelled; a theme for a themaBIJ1komst only."""
    open_ = may_change(principal, a) and a.start > now
    return {"annuleren": open_ and not a.geannuleerd, "verplaatsen": open_ and not a.geannuleerd,
            "notitie": open_, "thema": open_ and a.soort == "themabij1komst" and not a.geannuleerd}


# --- parsing -------------------------------------------------------------------------------

def parse_moment(value: str, field: str, kalender: Kalender) -> datetime:
    """A local wall-clock time ``YYYY-MM-DDTHH:MM`` (or with an offset) as an aware time;
    400 for a date that does not exist or a time the clocks skip."""
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: "kalender.fout.tijd_verplicht"})
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        raise ValidationError({field: "kalender.fout.tijd_ongeldig"}) from None
    if ("T" not in text and " " not in text) or not acts.FIRST_YEAR <= parsed.year <= acts.LAST_YEAR:
        raise ValidationError({field: "kalender.fout.tijd_ongeldig"})
    parsed = parsed.replace(second=0, microsecond=0)  # meetings are planned to the minute
    if parsed.tzinfo is not None:
        return parsed.astimezone(kalender.tijdzone)
    local = parsed.replace(tzinfo=kalender.tijdzone)
    back = local.astimezone(timezone.utc).astimezone(kalender.tijdzone)
    if back.replace(tzinfo=None) != parsed:
        raise ValidationError({field: "kalender.fout.tijd_bestaat_niet"})
    return local


def parse_end(value: str, start: datetime, kalender: Kalender) -> datetime:
    """The end: a full time, or ``HH:MM`` on the start's day."""
    text = (value or "").strip()
    if len(text) == 5 and text[2] == ":":
        text = f"{start.date().isoformat()}T{text}"
    end = parse_moment(text, "eind", kalender)
    if end <= start:
        raise ValidationError({"eind": "kalender.fout.eind_voor_start"})
    if end - start > MAX_DURATION:
        raise ValidationError({"eind": "kalender.fout.te_lang"})
    return end


# Text that reaches the .ics feeds (RFC 5545 TEXT holds no control characters: a calendar
# app refuses a feed with one) and the mails' subject lines: one-line fields hold no control
# character at all, multi-line ones (a description, a note, a reason) line breaks and tabs only.
MULTILINE = frozenset({"beschrijving", "notitie", "reden"})


def _controls(value: str, multiline: bool) -> bool:
    allowed = "\n\t" if multiline else ""
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in value)


def _short(form: Any, name: str, limit: int, problems: dict[str, str], required: bool = False) -> str:
    value = form.first(name).strip()
    if required and not value:
        problems[name] = "error.required"
    elif len(value) > limit:
        problems[name] = "error.too_long"
    elif _controls(value, name in MULTILINE):
        problems[name] = "error.invalid_characters"
    return value


# --- the changes ---------------------------------------------------------------------------

def _future(a: Activiteit, now: datetime) -> None:
    if a.start <= now:
        raise ValidationError({"activiteit": "kalender.fout.voorbij"})


def _write(table: Table, a: Activiteit, state: dict[str, Any], principal: Mapping[str, str],
           now: datetime, actie: str, velden: Mapping[str, Any]) -> None:
    n = a.wijzigingen + 1
    at = _iso(now)
    pk = acts.PK.format(id=a.id)
    day = acts.original_day(a.id)
    state.update({"pk": pk, "sk": acts.STATE, "id": a.id, "wijzigingen": n,
                  "laatst_gewijzigd": at, "gsi1pk": acts.GSI_PK.format(year=day.year),
                  "gsi1sk": f"{day.isoformat()}#{a.id}"})
    history = {"pk": pk, "sk": HISTORY.format(n=n), "at": at, "wie": principal.get("name", ""),
               "rol": principal.get("role", ""), "token_id": principal.get("token_id", ""),
               "actie": actie, "velden": dict(velden), "sequence_na": a.sequence + 1}
    try:
        table.transact_write([TxPut(state), TxPut(history, if_new=True)])
    except TransactionConditionFailed as exc:
        raise Conflict("the occurrence changed meanwhile; read it and try again") from exc
    log_event("kalender.gewijzigd", activiteit=a.id, actie=actie, sequence=a.sequence + 1,
              token_id=principal.get("token_id"))


def _state_of(table: Table, a: Activiteit) -> dict[str, Any]:
    return dict(table.get(acts.PK.format(id=a.id), acts.STATE) or {})


def annuleer(kalender: Kalender, table: Table, activiteit_id: str, form: Any,
             principal: Mapping[str, str], now: datetime) -> Activiteit:
    a = acts.een(kalender, table, activiteit_id)
    check_allowed(principal, a)
    problems: dict[str, str] = {}
    reden = _short(form, "reden", MAX_REASON, problems)
    if problems:
        raise ValidationError(problems)
    _future(a, now)
    if a.geannuleerd:
        raise Conflict("already cancelled")
    state = _state_of(table, a)
    state.update(status=acts.GEANNULEERD, reden=reden)
    _write(table, a, state, principal, now, "annuleren", {"reden": reden})
    return acts.een(kalender, table, activiteit_id)


def verplaats(kalender: Kalender, table: Table, activiteit_id: str, form: Any,
              principal: Mapping[str, str], now: datetime) -> Activiteit:
    a = acts.een(kalender, table, activiteit_id)
    check_allowed(principal, a)
    start = parse_moment(form.first("start"), "start", kalender)
    eind = parse_end(form.first("eind") or (start + (a.eind - a.start)).isoformat(), start, kalender)
    if start <= now:
        raise ValidationError({"start": "kalender.fout.verleden"})
    original = acts.original_day(a.id)
    if abs((start.date() - original).days) > acts.MAX_MOVE_DAYS:
        raise ValidationError({"start": "kalender.fout.te_ver"})
    _future(a, now)
    if a.geannuleerd:
        raise Conflict("a cancelled occurrence cannot be moved")
    if start == a.start and eind == a.eind:
        raise Conflict("the occurrence already takes place then")
    state = _state_of(table, a)
    # the notice of this move is keyed by the sequence it made (docs/decisions/006)
    state.update(start=start.isoformat(), eind=eind.isoformat(), verplaatst_sequence=a.sequence + 1)
    if a.soort == acts.EENMALIG:
        state["verplaatst"] = True
    _write(table, a, state, principal, now, "verplaatsen",
           {"van": a.start.isoformat(), "naar": start.isoformat(), "eind": eind.isoformat()})
    return acts.een(kalender, table, activiteit_id)


def annoteer(kalender: Kalender, table: Table, activiteit_id: str, form: Any,
             principal: Mapping[str, str], now: datetime) -> Activiteit:
    a = acts.een(kalender, table, activiteit_id)
    check_allowed(principal, a)
    problems: dict[str, str] = {}
    notitie = _short(form, "notitie", MAX_NOTE, problems)
    if problems:
        raise ValidationError(problems)
    _future(a, now)
    state = _state_of(table, a)
    state["notitie"] = notitie
    _write(table, a, state, principal, now, "notitie", {"notitie": notitie})
    return acts.een(kalender, table, activiteit_id)


def zet_thema(kalender: Kalender, table: Table, activiteit_id: str, form: Any,
              principal: Mapping[str, str], now: datetime, werkgroepen: tuple[str, ...]) -> Activiteit:
    a = acts.een(kalender, table, activiteit_id)
    check_allowed(principal, a)
    if a.soort != "themabij1komst":
        raise ValidationError({"thema": "kalender.fout.geen_themabij1komst"})
    if a.geannuleerd:
        raise Conflict("a cancelled themaBIJ1komst takes no theme (a note still can be added)")
    problems: dict[str, str] = {}
    thema = _short(form, "thema", MAX_THEME, problems, required=True)
    sprekers = [s.strip() for s in form.all("sprekers") if s.strip()]
    if len(sprekers) > MAX_SPEAKERS or any(len(s) > MAX_SPEAKER for s in sprekers):
        problems["sprekers"] = "error.too_long"
    elif any(_controls(s, multiline=False) for s in sprekers):
        problems["sprekers"] = "error.invalid_characters"
    role = principal.get("role", "")
    # no host named and none yet: a werkgroep that sets the theme hosts it itself
    host = form.first("werkgroep").strip() or a.werkgroep or (role if role != BESTUUR else "")
    if host and host not in werkgroepen:
        problems["werkgroep"] = "error.unknown_choice"
    elif role != BESTUUR and host != role:
        raise Forbidden("a werkgroep may host a themaBIJ1komst itself only")
    if problems:
        raise ValidationError(problems)
    _future(a, now)
    state = _state_of(table, a)
    state.update(thema=thema, sprekers=sprekers, host=host or None)
    _write(table, a, state, principal, now, "thema",
           {"thema": thema, "sprekers": sprekers, "werkgroep": host})
    return acts.een(kalender, table, activiteit_id)


def voeg_toe(kalender: Kalender, table: Table, form: Any, principal: Mapping[str, str],
             now: datetime, werkgroepen: tuple[str, ...]) -> Activiteit:
    """A one-off event (a demonstration, an action) with its audience."""
    problems: dict[str, str] = {}
    titel = _short(form, "titel", MAX_TITLE, problems, required=True)
    titel_en = _short(form, "titel_en", MAX_TITLE, problems)
    beschrijving = _short(form, "beschrijving", MAX_DESCRIPTION, problems)
    plaats = _short(form, "plaats", MAX_PLACE, problems)
    adres = _short(form, "adres", MAX_PLACE, problems)
    link = _short(form, "link", MAX_LINK, problems)
    if link and not link.startswith("https://"):
        problems["link"] = "kalender.fout.link"
    online = form.flag("online")
    if not (plaats or adres or online or link):
        problems["plaats"] = "kalender.fout.plaats_verplicht"
    role = principal.get("role", "")
    publiek = form.first("publiek").strip() or "iedereen"
    werkgroep = form.first("werkgroep").strip() or (role if role != BESTUUR else "")
    if publiek not in ("bestuur", "werkgroep", "leden", "iedereen"):
        problems["publiek"] = "error.unknown_choice"
    elif publiek == "bestuur" and role != BESTUUR:
        raise Forbidden("only the board invites the board")
    if werkgroep and werkgroep not in werkgroepen:
        problems["werkgroep"] = "error.unknown_choice"
    elif role != BESTUUR and werkgroep != role:
        raise Forbidden("a werkgroep adds events for itself only")
    elif publiek == "werkgroep" and not werkgroep:
        problems["werkgroep"] = "error.required"
    start = eind = None
    try:
        start = parse_moment(form.first("start"), "start", kalender)
    except ValidationError as exc:
        problems.update(exc.errors)
    if start is not None:
        try:
            eind = parse_end(form.first("eind"), start, kalender)
        except ValidationError as exc:
            problems.update(exc.errors)
        if start <= now:
            problems["start"] = "kalender.fout.verleden"
        elif start.date() > acts.vandaag(kalender, now) + timedelta(days=kalender.vooruit_dagen):
            problems["start"] = "kalender.fout.te_ver"
    if problems:
        raise ValidationError(problems)
    day: date = start.date()
    activiteit_id = f"{acts.EENMALIG}-{day.isoformat()}-{secrets.token_hex(3)}"
    state = {"eenmalig": True, "titel": {"nl": titel, "en": titel_en or titel},
             "start": start.isoformat(), "eind": eind.isoformat(),
             "oorspronkelijke_start": start.isoformat(), "publiek": publiek,
             "werkgroep": werkgroep or None, "plaats_naam": plaats, "adres": adres,
             "online": online, "link": link, "link_openbaar": publiek == "iedereen",
             "beschrijving": beschrijving, "status": acts.GEPLAND,
             "aangemaakt_door": principal.get("name", "")}
    placeholder = Activiteit(id=activiteit_id, uid="", serie=None, soort=acts.EENMALIG, titel={},
                             start=start, eind=eind, oorspronkelijke_start=start, plaats=None,
                             publiek=publiek, werkgroep=werkgroep or None,
                             sequence=kalender.versie_nummer - 1, wijzigingen=-1)
    # the first write is change 0: the state and WIJZIGING#00000 (who added it, when)
    _write(table, placeholder, state, principal, now, "toevoegen",
           {"titel": titel, "start": start.isoformat(), "publiek": publiek})
    return acts.een(kalender, table, activiteit_id)


def geschiedenis(kalender: Kalender, table: Table, activiteit_id: str,
                 principal: Mapping[str, str]) -> list[dict[str, Any]]:
    """Every change of one occurrence, oldest first (who, role, when, what)."""
    a = acts.een(kalender, table, activiteit_id)
    check_allowed(principal, a)
    items, _ = table.query(acts.PK.format(id=a.id), sk_prefix="WIJZIGING#")
    return [{k: i.get(k) for k in ("at", "wie", "rol", "actie", "velden", "sequence_na")}
            for i in items]


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
