""""Op afspraak": any member asks to attend a board meeting (name, e-mail, which meeting,
topic). The board's meetings are open to every member by appointment (afdelingsplan).

- The public form (NL/EN, no JavaScript) goes through ``web.submit_form``; anti-spam is the
  meldpunt's signed form token (a minimum age) and honeypot, without any tracking.
- A request is stored (``AFSPRAAK#<activiteit>`` / ``VERZOEK#<id>``), then its confirmation
  is queued (the message holds the item's key only, no personal data); the thank-you page
  comes only after both. If the queue is down the request is removed again and the form
  answers 503 with every value kept.
- One request per e-mail address and meeting (the id is a hash of both): sending the form
  again gives the same answer and no second mail, so the form cannot be used to mail an
  address more than once per meeting.
- The confirmation goes by Amazon SES (transactional, to this one person; not Mailchimp:
  the requester need not be in the audience and did not ask for marketing mail).
- Retention (docs/privacy.md): the e-mail address is deleted ``email_days`` (14) days after
  the meeting, the whole request ``max_days`` (365) days after it, by the daily
  ``kalender_retentie``; DynamoDB's TTL is a backstop a week later.
"""
from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Mapping

from functions import fields as kinds
from functions.adapters.dynamo import Table, TransactionConditionFailed, TxDelete, TxUpdate
from functions.errors import AlreadyExists, NotFound, TemporarilyUnavailable, TooEarly, ValidationError
from functions.kalender import activiteiten as acts
from functions.kalender.activiteiten import Activiteit
from functions.kalender.gegevens import Kalender
from functions.logs import log_event

PK = "AFSPRAAK#{id}"
SK = "VERZOEK#{id}"
GSI_PK = "AFSPRAKEN"
MESSAGE_KIND = "kalender.afspraak"
HONEYPOT = "website"
FIELDS = {"naam": kinds.TEXT, "email": kinds.TEXT, "activiteit": kinds.TEXT,
          "onderwerp": kinds.TEXT, "token": kinds.TEXT, HONEYPOT: kinds.TEXT}
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,252}\.[^@\s.]{2,63}$")
MAX_NAAM, MAX_ONDERWERP = 80, 1000
CHOICES = 6   # upcoming board meetings offered on the form
TTL_SLACK = timedelta(days=7)


def keuzes(kalender: Kalender, table: Table, now: datetime) -> list[Activiteit]:
    """The upcoming board meetings one can ask to attend (not cancelled, not begun)."""
    today = acts.vandaag(kalender, now)
    found = [a for a in acts.tussen(kalender, table, today, today + timedelta(days=kalender.vooruit_dagen))
             if a.op_afspraak and not a.geannuleerd and a.start > now]
    return found[:CHOICES]


def request_id(email: str, activiteit_id: str) -> str:
    return hashlib.sha256(f"{email.strip().lower()}|{activiteit_id}".encode("utf-8")).hexdigest()[:24]


def validate(form: Any, choices: list[Activiteit]) -> dict[str, str]:
    problems: dict[str, str] = {}
    naam = form.first("naam").strip()
    if not naam:
        problems["naam"] = "kalender.fout.naam_verplicht"
    elif len(naam) > MAX_NAAM:
        problems["naam"] = "error.too_long"
    email = form.first("email").strip()
    if not email:
        problems["email"] = "error.email_required"
    elif len(email) > 254 or not EMAIL_RE.match(email):
        problems["email"] = "error.email_invalid"
    activiteit = form.first("activiteit").strip()
    if not activiteit:
        problems["activiteit"] = "kalender.fout.vergadering_kiezen"
    elif activiteit not in {a.id for a in choices}:
        problems["activiteit"] = "kalender.fout.vergadering_onbekend"
    onderwerp = form.first("onderwerp").strip()
    if not onderwerp:
        problems["onderwerp"] = "kalender.fout.onderwerp_verplicht"
    elif len(onderwerp) > MAX_ONDERWERP:
        problems["onderwerp"] = "error.too_long"
    if problems:
        raise ValidationError(problems)
    return {"naam": naam, "email": email, "activiteit": activiteit, "onderwerp": onderwerp}


def check_token(form: Any, secret: str, now: datetime, min_age: int) -> None:
    from functions.meldpunt import formtoken

    token = form.first("token")
    result = formtoken.check(token, secret, now, min_age)
    if result is formtoken.Check.TOO_YOUNG:
        wait = formtoken.seconds_until_old_enough(token, now, min_age)
        raise TooEarly("form sent too soon", retry_after=wait,
                       errors={"token": "kalender.fout.te_snel"})
    if result is not formtoken.Check.OK:
        raise ValidationError({"token": "kalender.fout.token"})


def ontvang(form: Any, lang: str, *, kalender: Kalender, table: Table, queue: Any, now: datetime,
            secret: str, min_age: int, email_days: int, max_days: int) -> dict[str, str]:
    """Validate, store and queue the confirmation of one request; the thank-you context."""
    choices = keuzes(kalender, table, now)
    values = validate(form, choices)
    check_token(form, secret, now, min_age)
    a = next(c for c in choices if c.id == values["activiteit"])
    result = {"status": "ontvangen", "activiteit": a.id, "datum": a.dag.isoformat()}
    if form.first(HONEYPOT).strip():
        log_event("kalender.afspraak_spam")
        return result  # answered like success, nothing stored or sent
    rid = request_id(values["email"], a.id)
    pk, sk = PK.format(id=a.id), SK.format(id=rid)
    item = {"pk": pk, "sk": sk, "id": rid, "activiteit": a.id, "datum": a.dag.isoformat(),
            "naam": values["naam"], "email": values["email"], "onderwerp": values["onderwerp"],
            "lang": lang, "created_at": _iso(now),
            "email_weg_na": (a.dag + timedelta(days=email_days)).isoformat(),
            "expires_at": int(datetime.combine(a.dag + timedelta(days=max_days) + TTL_SLACK,
                                               datetime.min.time(), tzinfo=timezone.utc).timestamp()),
            "gsi1pk": GSI_PK, "gsi1sk": f"{a.dag.isoformat()}#{a.id}#{rid}"}
    try:
        table.put(item, if_new=True)
    except AlreadyExists:
        log_event("kalender.afspraak_bestond_al", activiteit=a.id)
        return result  # the same person for the same meeting: no second mail
    try:
        queue.send({"kind": MESSAGE_KIND, "pk": pk, "sk": sk})
    except TemporarilyUnavailable:
        try:
            table.transact_write([TxDelete(pk, sk)])
        finally:
            log_event("kalender.afspraak_niet_in_wachtrij", activiteit=a.id)
        raise
    log_event("kalender.afspraak_ontvangen", activiteit=a.id)
    return result


def bevestig(message: Mapping[str, Any], *, kalender: Kalender, table: Table, mail: Any,
             renderer: Any, base_url: str, now: datetime) -> str:
    """The consumer's record handler: mail the confirmation once (at least once: SES has no
    idempotency key, so a crash right after sending could send it a second time).

    The mail holds nothing the sender typed (no name, no subject): anyone can enter anyone's
    address, and our domain must not carry a stranger's words into someone's inbox."""
    item = table.get(str(message["pk"]), str(message["sk"]))
    if not item or item.get("bevestigd_at") or not item.get("email"):
        return "niets"
    try:
        a = acts.een(kalender, table, item["activiteit"])
    except NotFound:  # the series changed meanwhile: confirm what was asked anyway
        a = None
    lang = item.get("lang") or "nl"
    from functions.kalender import teksten

    catalogs = renderer.catalogs
    wanneer = teksten.wanneer(a.start, a.eind, lang, catalogs) if a else item["datum"]
    context = {"wanneer": wanneer,
               "kalender_url": f"{base_url}/kalender?lang={lang}",
               "contact": kalender_contact()}
    subject = catalogs.gettext(lang, "kalender.afspraak.mail_onderwerp", wanneer=wanneer)
    text = renderer.render("kalender/afspraak_bevestiging.txt", lang, **context)
    mail.send(to=item["email"], subject=subject, text=text)
    table.transact_write([TxUpdate(item["pk"], item["sk"], set={"bevestigd_at": _iso(now)})])
    log_event("kalender.afspraak_bevestigd", activiteit=item["activiteit"])
    return "bevestigd"


def kalender_contact() -> str:
    from functions import afdeling

    return afdeling.current().contact_email


def verzoeken(table: Table, activiteit_id: str) -> list[dict[str, Any]]:
    items, _ = table.query(PK.format(id=activiteit_id), sk_prefix="VERZOEK#")
    return sorted(items, key=lambda i: i.get("created_at", ""))


def verzoeken_voor(table: Table, datum: date, kalender: Kalender | None = None) -> list[dict[str, str]]:
    """The op-afspraak requests for the board meeting(s) on ``datum``, oldest first, each
    ``{"naam", "onderwerp", "created_at"}`` (never the e-mail address). For the board's
    draft agenda (issue 9)."""
    from functions.kalender import gegevens

    kalender = kalender or gegevens.huidig()
    meetings = [a for a in acts.tussen(kalender, table, datum, datum + timedelta(days=1))
                if a.op_afspraak]
    out = []
    for a in meetings:
        out += [{"naam": i["naam"], "onderwerp": i["onderwerp"], "created_at": i["created_at"]}
                for i in verzoeken(table, a.id)]
    return out


def overzicht(kalender: Kalender, table: Table, van: date, tot: date) -> list[dict[str, Any]]:
    """For role bestuur: every board meeting in [van, tot) with its requests (e-mail while kept)."""
    out = []
    for a in acts.tussen(kalender, table, van, tot):
        if not a.op_afspraak:
            continue
        out.append({"activiteit": a.id, "start": a.start.isoformat(), "status": a.status,
                    "verzoeken": [{"naam": i["naam"], "email": i.get("email"),
                                   "onderwerp": i["onderwerp"], "created_at": i["created_at"],
                                   "bevestigd": bool(i.get("bevestigd_at"))}
                                  for i in verzoeken(table, a.id)]})
    return out


def retentie(table: Table, today: date, *, email_days: int, max_days: int) -> dict[str, int]:
    """Daily: e-mail addresses gone ``email_days`` after the meeting, requests ``max_days``
    after it. Walks the requests oldest meeting first and stops at the first one too recent."""
    stats = {"email_verwijderd": 0, "verzoek_verwijderd": 0}
    start = None
    while True:
        items, start = table.query(GSI_PK, index="gsi1", limit=100, start_after=start)
        for item in items:
            meeting = date.fromisoformat(item["datum"])
            if meeting + timedelta(days=email_days) >= today:
                log_event("kalender.afspraak_retentie", **stats)
                return stats
            try:
                if meeting + timedelta(days=max_days) < today:
                    table.transact_write([TxDelete(item["pk"], item["sk"])])
                    stats["verzoek_verwijderd"] += 1
                elif item.get("email"):
                    table.transact_write([TxUpdate(item["pk"], item["sk"], set={
                        "email_verwijderd_at": today.isoformat()}, remove=("email",))])
                    stats["email_verwijderd"] += 1
            except TransactionConditionFailed:
                continue  # gone meanwhile (TTL)
        if not start:
            log_event("kalender.afspraak_retentie", **stats)
            return stats


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
