"""Intake of a report: accept the form, encrypt, enqueue; the consumer stores it.

The API side (:func:`ontvang`) encrypts the description and the contact details with
KMS *before* enqueueing, so plaintext never sits in SQS or its dead-letter queue; the
receipt code is returned only after the queue accepted the message. The consumer side
(:func:`bewaar`) writes report, contact, receipt and history in one
DynamoDB transaction conditioned on the report's absence: a redelivered message
changes nothing. A stored report is not yet in the figures: it counts once the werkgroep
has reviewed it (functions.meldpunt.telling). Item layouts: ``docs/data-model.md``.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from functions.adapters.dynamo import TransactionConditionFailed, TxPut
from functions.errors import AlreadyExists, TooEarly, ValidationError
from functions.logs import log_event
from functions.meldpunt import formtoken, ontvangstcode, opties, telling, validatie

MESSAGE_KIND = "meldpunt.melding"
MESSAGE_VERSION = 1
PURPOSE_BESCHRIJVING = "meldpunt-beschrijving"
PURPOSE_CONTACT = "meldpunt-contact"
TZ = ZoneInfo("Europe/Amsterdam")
TTL_GRACE_DAYS = 30  # the TTL is a backstop behind the daily retention job
TOKEN_FOUT = "meldpunt.fout.token"


@dataclass(frozen=True)
class Ontvangen:
    """What the person sees: the receipt code (also for dropped spam, which looks the same)."""
    ontvangstcode: str


def vandaag(now: datetime) -> date:
    """Today in Den Haag (a report's date may not be later)."""
    return now.astimezone(TZ).date()


def context(purpose: str, melding_id: str) -> dict[str, str]:
    """The KMS encryption context of one field of one report."""
    return {"purpose": purpose, "melding": melding_id}


def ontvang(form: Any, now: datetime, *, secret: str, min_age_seconds: int, queue: Any,
            crypto: Any, table: Any) -> Ontvangen:
    """Handle one submitted form; the code is returned only once the report is queued.

    A filled honeypot (only bots see it) gets a receipt code like anyone else, is dropped
    and only counted. A form sent sooner than ``min_age_seconds`` after its token was
    issued raises TooEarly (nothing is kept; the form or script sends again). Invalid input
    raises ValidationError; an outage of KMS, SQS or the table raises
    TemporarilyUnavailable (nothing was queued).

    A form token is good for one report: it is claimed with a conditional write before the
    report is queued, and the report's id and receipt code are derived from it. The same
    form sent again (a double click, a script retrying after a timeout or a 503) gets the
    same receipt code, and the consumer stores its report once; a different report with a
    used token is refused with a ValidationError on ``token``.
    """
    if formtoken.honeypot_filled(form):
        return _spam("honeypot", now, table)
    token = form.first("token").strip()
    token_check = formtoken.check(token, secret, now, min_age_seconds)
    melding = validatie.valideer(
        form, vandaag(now),
        token_fout=None if token_check in (formtoken.Check.OK, formtoken.Check.TOO_YOUNG)
        else TOKEN_FOUT)
    if token_check is formtoken.Check.TOO_YOUNG:
        wait = formtoken.seconds_until_old_enough(token, now, min_age_seconds)
        log_event("meldpunt.too_early", wait=wait)
        raise TooEarly("form token too young", retry_after=wait,
                       errors={"token": "meldpunt.fout.te_snel"})
    _claim_token(table, token, _fingerprint(melding, secret), now)
    code = plaats(melding, now, queue=queue, crypto=crypto,
                  code=ontvangstcode.voor_token(token, secret),
                  melding_id=melding_id_voor_token(token, secret))
    return Ontvangen(code)


TOKEN_SK = "FORMTOKEN"


def melding_id_voor_token(token: str, secret: str) -> str:
    """The report id of the report sent with this form token (128 bits of HMAC): a resend
    queues the same id again, and the consumer stores it once."""
    return hmac.new(secret.encode("utf-8"), b"melding-id\x00" + token.encode("utf-8"),
                    hashlib.sha256).hexdigest()[:32]


def _token_pk(token: str) -> str:
    return "FORMTOKEN#" + hashlib.sha256(token.encode("utf-8")).hexdigest()


def _fingerprint(melding: validatie.Melding, secret: str) -> str:
    """A keyed hash of the report's content: tells a resend from a different report without
    keeping anything readable (a plain hash of a phone number could be brute-forced)."""
    canonical = json.dumps([list(melding.categorieen), list(melding.gronden), melding.rol,
                            melding.wijk, melding.datum.isoformat(), melding.dagdeel,
                            melding.beschrijving, melding.contact_gewenst, melding.contact_email,
                            melding.contact_telefoon], ensure_ascii=False)
    return hmac.new(secret.encode("utf-8"), b"melding\x00" + canonical.encode("utf-8"),
                    hashlib.sha256).hexdigest()


def _claim_token(table: Any, token: str, fingerprint: str, now: datetime) -> None:
    """Claim the form token for this report (a conditional put, kept until the token
    expires). The same report may come again with it; another report may not."""
    item = {"pk": _token_pk(token), "sk": TOKEN_SK, "fingerprint": fingerprint,
            "claimed_at": int(now.timestamp()), "expires_at": formtoken.expires_at(token)}
    try:
        table.put(item, if_new=True)
        return
    except AlreadyExists:
        pass
    existing = table.get(item["pk"], TOKEN_SK) or {}
    if existing.get("fingerprint") != fingerprint:
        log_event("meldpunt.token_reused")
        raise ValidationError({"token": "meldpunt.fout.token_gebruikt"})
    log_event("meldpunt.resent")


def plaats(melding: validatie.Melding, now: datetime, *, queue: Any, crypto: Any,
           code: str | None = None, melding_id: str | None = None) -> str:
    """Encrypt and enqueue one valid report; return its receipt code (shown once)."""
    melding_id = melding_id or secrets.token_hex(16)  # 128 random bits: ids never collide
    code = code or ontvangstcode.nieuw()
    message = bericht(melding, melding_id, ontvangstcode.hash_van(code), now, crypto)
    message_id = queue.send(message)
    log_event("meldpunt.queued", melding_id=melding_id, message_id=message_id,
              categorieen=list(melding.categorieen), contact=melding.heeft_contact)
    return code


def bericht(melding: validatie.Melding, melding_id: str, receipt_hash: str, now: datetime,
            crypto: Any) -> dict[str, Any]:
    """The queue message: codes and ciphertexts only, never plaintext text or contact."""
    contact_enc = None
    if melding.heeft_contact:
        contact = {"email": melding.contact_email or None, "telefoon": melding.contact_telefoon or None}
        contact_enc = crypto.encrypt(json.dumps(contact, ensure_ascii=False),
                                     context(PURPOSE_CONTACT, melding_id))
    return {
        "kind": MESSAGE_KIND,
        "v": MESSAGE_VERSION,
        "id": melding_id,
        "receipt_hash": receipt_hash,
        "created_at": _iso(now),
        "categorieen": list(melding.categorieen),
        "gronden": list(melding.gronden),
        "rol": melding.rol,
        "wijk": melding.wijk,
        "stadsdeel": melding.stadsdeel,
        "datum": melding.datum.isoformat(),
        "dagdeel": melding.dagdeel,
        "contact_gewenst": melding.contact_gewenst,
        "beschrijving_enc": crypto.encrypt(melding.beschrijving,
                                           context(PURPOSE_BESCHRIJVING, melding_id)),
        "contact_enc": contact_enc,
    }


def _spam(reason: str, now: datetime, table: Any) -> Ontvangen:
    try:
        table.add(f"SPAM#{now.astimezone(TZ):%Y-%m}", "meldpunt", {"count": 1})
    except Exception as exc:  # noqa: BLE001 - a lost spam count must not reveal the filter
        log_event("meldpunt.spam_count_failed", error=type(exc).__name__)
    log_event("meldpunt.spam", reason=reason)
    return Ontvangen(ontvangstcode.nieuw())


# --- consumer -------------------------------------------------------------------------------

def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


REQUIRED = ("id", "receipt_hash", "created_at", "categorieen", "rol", "wijk", "datum", "dagdeel",
            "beschrijving_enc")


def _checked(message: Mapping[str, Any]) -> Mapping[str, Any]:
    if message.get("kind") != MESSAGE_KIND or message.get("v") != MESSAGE_VERSION:
        raise ValueError("not a meldpunt message of a known version")
    missing = [k for k in REQUIRED if not message.get(k)]
    if missing:
        raise ValueError(f"meldpunt message lacks {missing}")
    if message["wijk"] not in opties.wijk_codes():
        raise ValueError("meldpunt message has an unknown wijk")
    return message


def bewaar(message: Mapping[str, Any], table: Any, *, text_max_days: int,
           contact_max_days: int) -> str:
    """Store one queued report (idempotent on its id). Returns "stored" or "duplicate"."""
    m = _checked(message)
    melding_id = m["id"]
    created = _parse_iso(m["created_at"])
    pk = f"MELDING#{melding_id}"
    report = {
        "pk": pk, "sk": "MELDING",
        "id": melding_id,
        "status": opties.STATUS_NIEUW,
        "categorieen": list(m["categorieen"]),
        "gronden": list(m.get("gronden") or []),
        "rol": m["rol"],
        "wijk": m["wijk"],
        "stadsdeel": m.get("stadsdeel") or opties.stadsdeel_van(m["wijk"]),
        "datum": m["datum"],
        "maand": m["datum"][:7],
        "dagdeel": m["dagdeel"],
        "created_at": m["created_at"],
        "beschrijving_enc": m["beschrijving_enc"],
        "contact_gewenst": bool(m.get("contact_gewenst")),
        "heeft_contact": bool(m.get("contact_enc")),
        "receipt_hash": m["receipt_hash"],
        # the cell key method's secret key; the report counts only once reviewed (telling)
        telling.RECORD_KEY: telling.new_record_key(),
        "gsi1pk": "MELDINGEN",
        "gsi1sk": f"{m['created_at']}#{melding_id}",
        "expires_at": int((created + timedelta(days=text_max_days + TTL_GRACE_DAYS)).timestamp()),
    }
    actions: list[Any] = [TxPut(report, if_new=True)]
    if m.get("contact_enc"):
        actions.append(TxPut({
            "pk": pk, "sk": "CONTACT", "contact_enc": m["contact_enc"],
            "expires_at": int((created + timedelta(days=contact_max_days)).timestamp()),
        }))
    actions += [
        TxPut({"pk": f"ONTVANGST#{m['receipt_hash']}", "sk": "ONTVANGST", "melding_id": melding_id}),
        TxPut({"pk": pk, "sk": f"HIST#{m['created_at']}#0", "at": m["created_at"], "who": "melder",
               "action": "created", "to": opties.STATUS_NIEUW}),
    ]
    try:
        table.transact_write(actions)
    except TransactionConditionFailed as exc:
        if 0 in exc.failed:  # the report is already there: an earlier delivery stored it
            log_event("meldpunt.duplicate", melding_id=melding_id)
            return "duplicate"
        raise
    log_event("meldpunt.stored", melding_id=melding_id, wijk=report["wijk"],
              categorieen=report["categorieen"])
    return "stored"
