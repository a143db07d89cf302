"""Newsletter signup: validate the form, queue it, and upsert the member in Mailchimp.

Mailchimp's double opt-in does the confirming (``status_if_new: pending``); someone who
unsubscribed (or was cleaned) is never subscribed again by us.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from functions import fields as kinds
from functions.adapters.queue import Queue
from functions.config import WERKGROEP_INTEREST_NAMES, WERKGROEPEN
from functions.errors import ValidationError
from functions.logs import log_event

MESSAGE_KIND = "nieuwsbrief.aanmelden"
# Pragmatic check: one @, a dot in the domain, no spaces; Mailchimp has the last word.
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,252}\.[^@\s.]{2,63}$")
NEVER_RESUBSCRIBE = {"unsubscribed", "cleaned"}
FIELDS = {"email": kinds.TEXT, "voornaam": kinds.TEXT, "werkgroepen": kinds.LIST}


@dataclass(frozen=True)
class Signup:
    email: str
    voornaam: str = ""
    werkgroepen: tuple[str, ...] = field(default_factory=tuple)
    lang: str = "nl"


def validate(form: Any, lang: str) -> Signup:
    """Check the form fields (``email``, ``voornaam``, ``werkgroepen``); errors are i18n keys."""
    problems = {}
    email = form.first("email").strip()
    if not email:
        problems["email"] = "error.email_required"
    elif len(email) > 254 or not EMAIL_RE.match(email):
        problems["email"] = "error.email_invalid"
    voornaam = form.first("voornaam").strip()
    if len(voornaam) > 80:
        problems["voornaam"] = "error.too_long"
    werkgroepen = tuple(dict.fromkeys(form.all("werkgroepen")))
    if any(w not in WERKGROEPEN for w in werkgroepen):
        problems["werkgroepen"] = "error.unknown_choice"
    if problems:
        raise ValidationError(problems)
    return Signup(email=email, voornaam=voornaam, werkgroepen=werkgroepen, lang=lang)


def request_signup(signup: Signup, queue: Queue) -> str:
    """Queue the signup durably; the thank-you page may be shown only after this returns."""
    message_id = queue.send({"kind": MESSAGE_KIND, **asdict(signup)})
    log_event("nieuwsbrief.signup_queued", message_id=message_id,
              werkgroepen=len(signup.werkgroepen))
    return message_id


def submit(form: Any, lang: str, queue: Queue) -> dict[str, str]:
    """Validate and queue one signup form; the success context for the thank-you page."""
    request_signup(validate(form, lang), queue)
    return {"status": "pending"}


def process_signup(message: dict[str, Any], mailchimp: Any) -> str:
    """Upsert one member (idempotent: a PUT by e-mail hash). Returns what was done."""
    email = message["email"]
    existing = mailchimp.get_member(email)
    if existing and existing.get("status") in NEVER_RESUBSCRIBE:
        log_event("nieuwsbrief.signup_skipped", reason=existing["status"])
        return "skipped"
    interests = {}
    if message.get("werkgroepen"):
        ids = mailchimp.werkgroep_interest_ids()
        interests = {ids[WERKGROEP_INTEREST_NAMES[w]]: True for w in message["werkgroepen"]}
    merge_fields = {"FNAME": message["voornaam"]} if message.get("voornaam") else {}
    mailchimp.upsert_member(email, status_if_new="pending", merge_fields=merge_fields,
                            interests=interests, language=message.get("lang", "nl"))
    log_event("nieuwsbrief.signup_upserted", new=existing is None, interests=len(interests))
    return "upserted"
