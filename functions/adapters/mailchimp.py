"""Mailchimp Marketing: the Protocol the services use, the real adapter over the official
client (``mailchimp-marketing==3.0.80``) and an in-memory fake.

The client is imported on first use (~70 ms per cold start). Every failure leaves this module
as ``functions.errors.MailchimpError`` with the HTTP status (``None`` when no answer came) and
whether a retry may help. The adapter never retries by itself: the SQS redelivery does, and
``send`` is idempotent so a redelivered message cannot send a campaign twice.
See docs/mailchimp.md.
"""
from __future__ import annotations

import copy
import hashlib
import json
from datetime import datetime, timezone
from itertools import count
from typing import Any, Callable, Iterable, Iterator, Protocol

from functions.config import WERKGROEP_INTEREST_CATEGORY, WERKGROEP_INTEREST_NAMES
from functions.errors import MailchimpError

SENT_STATUSES = ("sent", "sending")
SCHEDULED_OR_SENT = ("schedule", "sent", "sending")
EDITABLE_STATUSES = ("save", "paused")
MEMBER_STATUSES = ("subscribed", "unsubscribed", "cleaned", "pending", "transactional")
QUARTER_HOURS = (0, 15, 30, 45)
PAGE_SIZE = 1000  # Mailchimp's largest ``count``


class Mailchimp(Protocol):
    """What the services may ask of Mailchimp; one audience (``list_id``)."""

    list_id: str

    def get_member(self, email: str) -> dict | None:
        """The member's JSON, or None when the address is not in the audience."""

    def upsert_member(self, email: str, *, status_if_new: str = "pending",
                      merge_fields: dict | None = None, interests: dict[str, bool] | None = None,
                      language: str | None = None) -> dict:
        """Create or update a member by e-mail hash; an existing member keeps their status."""

    def update_tags(self, email: str, tags: dict[str, bool]) -> None:
        """Add (True) or remove (False) tags on an existing member."""

    def werkgroep_interest_ids(self) -> dict[str, str]:
        """Interest name -> interest id within the 'Werkgroepen' interest category."""

    def interest_segment(self, interest_name: str) -> dict:
        """``segment_opts`` for the subscribers who chose this werkgroep interest."""

    def tag_segment(self, tag: str) -> dict:
        """``segment_opts`` for the subscribers who carry this tag."""

    def create_campaign(self, *, title: str, subject: str, segment_opts: dict | None = None,
                        preview_text: str = "") -> str:
        """Create a regular campaign for the audience (or a segment of it); return its id."""

    def set_content(self, campaign_id: str, *, html: str, plain_text: str) -> None:
        """Set the campaign's HTML and plain-text bodies."""

    def update_campaign(self, campaign_id: str, *, subject: str, preview_text: str = "") -> None:
        """Change the subject and preview text of a campaign that is not sent yet."""

    def send_test(self, campaign_id: str, emails: list[str]) -> None:
        """Send the HTML version to these addresses as a test."""

    def checklist(self, campaign_id: str) -> dict:
        """``{"is_ready": bool, "items": [...]}`` from Mailchimp's send checklist."""

    def send(self, campaign_id: str, known_status: str = "") -> str:
        """Send now, at most once: an already sent (or sending) campaign is left alone.
        ``known_status`` is the status the caller read (or created) a moment ago, within the
        same lease; without it the status is read first. Returns the campaign's status."""

    def schedule(self, campaign_id: str, when: datetime) -> str:
        """Schedule delivery at ``when`` (aware; on a quarter hour, else ValueError), at most
        once: a campaign already scheduled or sent is left alone. Returns its status after."""

    def unschedule(self, campaign_id: str) -> str:
        """Take a scheduled campaign back to a draft; a draft is left alone, a sent one raises.
        Returns its status after."""

    def get_campaign(self, campaign_id: str) -> dict:
        """The campaign's JSON."""

    def find_campaign_by_title(self, title: str) -> dict | None:
        """The newest campaign of the audience with this title, or None."""


# -- helpers shared by the real adapter and the fake ------------------------------------------

def subscriber_hash(email: str) -> str:
    """Mailchimp's member id: the MD5 of the lower-cased e-mail address."""
    return hashlib.md5(email.lower().encode("utf-8")).hexdigest()


def schedule_time(when: datetime) -> str:
    """``when`` as Mailchimp's UTC schedule time; ValueError unless aware and on a quarter hour."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("schedule time must be timezone-aware")
    utc = when.astimezone(timezone.utc)
    if utc.minute not in QUARTER_HOURS or utc.second or utc.microsecond:
        raise ValueError("Mailchimp schedules only on :00, :15, :30 or :45 (UTC)")
    return utc.isoformat()


def interest_segment_opts(category_id: str, interest_id: str) -> dict:
    return {"match": "any", "conditions": [{
        "condition_type": "Interests", "field": f"interests-{category_id}",
        "op": "interestcontains", "value": [interest_id]}]}


def tag_segment_opts(segment_id: int) -> dict:
    return {"match": "any", "conditions": [{
        "condition_type": "StaticSegment", "field": "static_segment",
        "op": "static_is", "value": segment_id}]}


def _retryable(status: int | None) -> bool:
    return status is not None and (status == 429 or status >= 500)


def _maybe_applied(exc: MailchimpError) -> bool:
    """After this failure of ``send`` the campaign may have gone out anyway: no answer (timeout),
    a 5xx after the work, or a 400 because a concurrent send got there first."""
    return exc.status is None or exc.status == 400 or exc.status >= 500


def _problem_fields(text: Any) -> tuple[str, str]:
    """(title, detail) of an ``application/problem+json`` body; ('', '') for anything else."""
    body = text
    if isinstance(text, (str, bytes)):
        try:
            body = json.loads(text)
        except ValueError:
            return "", ""
    if not isinstance(body, dict):
        return "", ""
    detail = str(body.get("detail") or "")
    field_errors = body.get("errors")
    if isinstance(field_errors, list):
        detail += "".join(f"; {e.get('field', '')}: {e.get('message', '')}"
                          for e in field_errors if isinstance(e, dict))
    return str(body.get("title") or ""), detail


def _not_found(what: str) -> MailchimpError:
    return MailchimpError(f"mailchimp: {what} does not exist in the audience", status=404)


# -- the real adapter -------------------------------------------------------------------------

class MailchimpMarketing:
    """The real adapter over ``mailchimp_marketing.Client`` (one audience)."""

    def __init__(self, api_key: str, server: str, list_id: str, base_url: str = "",
                 timeout: float = 10.0, from_name: str = "BIJ1 Den Haag",
                 reply_to: str = "denhaag@bij1.org", client: Any = None):
        self.list_id = list_id
        self.from_name = from_name
        self.reply_to = reply_to
        self.timeout = float(timeout)
        server = server or (api_key.rsplit("-", 1)[-1] if "-" in api_key else "")
        self.base_url = (base_url or f"https://{server}.api.mailchimp.com/3.0").rstrip("/")
        self._api_key = api_key
        self._client = client
        self._werkgroepen: tuple[str, dict[str, str]] | None = None

    def __repr__(self) -> str:  # never the API key
        return f"MailchimpMarketing(list_id={self.list_id!r}, base_url={self.base_url!r})"

    @property
    def client(self) -> Any:
        if self._client is None:
            from mailchimp_marketing import Client  # deferred: ~70 ms

            # An empty "server" stops the client from replacing the word "server" anywhere in
            # the URL (it would mangle a host such as "mailchimp-server.local"); we put the
            # data centre into the host ourselves. There is no base-URL setting: set the host.
            client = Client({"api_key": self._api_key, "server": "", "timeout": self.timeout})
            client.api_client.host = self.base_url
            self._client = client
        return self._client

    # one call, one error type
    def _call(self, operation: str, call: Callable[[], Any]) -> Any:
        """Run one client call: its JSON, None for an empty success, else MailchimpError."""
        import requests
        from mailchimp_marketing.api_client import ApiClientError

        try:
            result = call()
        except ApiClientError as exc:
            raise self._error(operation, exc) from exc
        if isinstance(result, requests.Response):
            # A non-OK answer with an empty body comes back as a Response and raises nothing.
            if not result.ok:
                status = result.status_code
                raise MailchimpError(f"mailchimp {operation}: HTTP {status} with an empty body",
                                     status=status, retryable=_retryable(status))
            return None
        if isinstance(result, str):  # a 2xx that is not JSON: not Mailchimp talking
            raise MailchimpError(f"mailchimp {operation}: answer is not JSON", retryable=True)
        return result

    @staticmethod
    def _error(operation: str, exc: Any) -> MailchimpError:
        import requests

        status = exc.status_code
        if status is None:  # no answer: the client wrapped the requests exception in ``text``
            cause = exc.text
            if isinstance(cause, requests.Timeout):
                what, retryable = "timed out", True
            elif isinstance(cause, requests.ConnectionError):
                what, retryable = "unreachable", True
            else:
                what, retryable = "failed", False
            return MailchimpError(f"mailchimp {operation}: {what} ({type(cause).__name__})",
                                  status=None, retryable=retryable)
        title, detail = _problem_fields(exc.text)
        return MailchimpError(f"mailchimp {operation}: HTTP {status} {title}".rstrip(),
                              status=status, detail=detail, retryable=_retryable(status))

    def _pages(self, operation: str, fetch: Callable[[int], Any], key: str) -> Iterator[dict]:
        """Every item of a paged collection (``count=1000``, by ``offset``)."""
        offset = 0
        while True:
            page = self._call(operation, lambda: fetch(offset)) or {}
            items = page.get(key) or []
            yield from items
            offset += len(items)
            if not items or offset >= int(page.get("total_items") or 0):
                return

    # members
    def get_member(self, email: str) -> dict | None:
        try:
            return self._call("get_member", lambda: self.client.lists.get_list_member(
                self.list_id, subscriber_hash(email)))
        except MailchimpError as exc:
            if exc.status == 404:
                return None
            raise

    def upsert_member(self, email: str, *, status_if_new: str = "pending",
                      merge_fields: dict | None = None, interests: dict[str, bool] | None = None,
                      language: str | None = None) -> dict:
        # No "status": an existing member (also one who unsubscribed) keeps theirs.
        body: dict[str, Any] = {"email_address": email, "status_if_new": status_if_new}
        if merge_fields:
            body["merge_fields"] = dict(merge_fields)
        if interests:
            body["interests"] = {str(k): bool(v) for k, v in interests.items()}
        if language:
            body["language"] = language
        return self._call("upsert_member", lambda: self.client.lists.set_list_member(
            self.list_id, subscriber_hash(email), body)) or {}

    def update_tags(self, email: str, tags: dict[str, bool]) -> None:
        if not tags:
            return
        body = {"tags": [{"name": name, "status": "active" if on else "inactive"}
                         for name, on in tags.items()]}
        self._call("update_tags", lambda: self.client.lists.update_list_member_tags(
            self.list_id, subscriber_hash(email), body))

    # segments
    def _werkgroep_category(self) -> tuple[str, dict[str, str]]:
        if self._werkgroepen is None:
            lists = self.client.lists
            category = next((c for c in self._pages(
                "interest_categories",
                lambda offset: lists.get_list_interest_categories(
                    self.list_id, count=PAGE_SIZE, offset=offset),
                "categories") if c.get("title") == WERKGROEP_INTEREST_CATEGORY), None)
            if category is None:
                raise _not_found(f"interest category {WERKGROEP_INTEREST_CATEGORY!r}")
            interests = self._pages(
                "interests",
                lambda offset: lists.list_interest_category_interests(
                    self.list_id, category["id"], count=PAGE_SIZE, offset=offset),
                "interests")
            self._werkgroepen = (category["id"], {i["name"]: i["id"] for i in interests})
        return self._werkgroepen

    def werkgroep_interest_ids(self) -> dict[str, str]:
        return dict(self._werkgroep_category()[1])

    def interest_segment(self, interest_name: str) -> dict:
        category_id, ids = self._werkgroep_category()
        if interest_name not in ids:
            raise _not_found(f"interest {interest_name!r}")
        return interest_segment_opts(category_id, ids[interest_name])

    def tag_segment(self, tag: str) -> dict:
        # Tags are static segments; Mailchimp treats tag names case-insensitively.
        segments = self._pages("segments", lambda offset: self.client.lists.list_segments(
            self.list_id, type="static", count=PAGE_SIZE, offset=offset), "segments")
        found = next((s for s in segments if str(s.get("name", "")).casefold() == tag.casefold()),
                     None)
        if found is None:
            raise _not_found(f"tag {tag!r}")
        return tag_segment_opts(int(found["id"]))

    # campaigns
    def create_campaign(self, *, title: str, subject: str, segment_opts: dict | None = None,
                        preview_text: str = "") -> str:
        recipients: dict[str, Any] = {"list_id": self.list_id}
        if segment_opts:
            recipients["segment_opts"] = segment_opts
        body = {"type": "regular", "recipients": recipients, "settings": {
            "subject_line": subject, "title": title, "from_name": self.from_name,
            "reply_to": self.reply_to, "inline_css": True, "preview_text": preview_text}}
        campaign = self._call("create_campaign", lambda: self.client.campaigns.create(body)) or {}
        if not campaign.get("id"):
            raise MailchimpError("mailchimp create_campaign: answer has no campaign id")
        return str(campaign["id"])

    def set_content(self, campaign_id: str, *, html: str, plain_text: str) -> None:
        self._call("set_content", lambda: self.client.campaigns.set_content(
            campaign_id, {"html": html, "plain_text": plain_text}))

    def update_campaign(self, campaign_id: str, *, subject: str, preview_text: str = "") -> None:
        body = {"settings": {"subject_line": subject, "preview_text": preview_text,
                             "from_name": self.from_name, "reply_to": self.reply_to}}
        self._call("update_campaign", lambda: self.client.campaigns.update(campaign_id, body))

    def send_test(self, campaign_id: str, emails: list[str]) -> None:
        self._call("send_test", lambda: self.client.campaigns.send_test_email(
            campaign_id, {"test_emails": list(emails), "send_type": "html"}))

    def checklist(self, campaign_id: str) -> dict:
        result = self._call("checklist", lambda: self.client.campaigns.get_send_checklist(
            campaign_id)) or {}
        return {"is_ready": bool(result.get("is_ready")), "items": list(result.get("items") or [])}

    def get_campaign(self, campaign_id: str) -> dict:
        return self._call("get_campaign", lambda: self.client.campaigns.get(campaign_id)) or {}

    def _status(self, campaign_id: str) -> str:
        return str(self.get_campaign(campaign_id).get("status") or "")

    def send(self, campaign_id: str, known_status: str = "") -> str:
        # Mailchimp has no idempotency key and a second send is a 400: its status is the truth.
        # ``known_status``: the status the caller read or created a moment ago (saves a read).
        status = known_status or self._status(campaign_id)
        if status in SENT_STATUSES:
            return status
        try:
            self._call("send", lambda: self.client.campaigns.send(campaign_id))
        except MailchimpError as exc:
            if _maybe_applied(exc):
                try:
                    status = self._status(campaign_id)
                except MailchimpError:
                    status = ""
                if status in SENT_STATUSES:
                    return status
            raise
        return "sending"  # accepted (204): Mailchimp is sending it

    def schedule(self, campaign_id: str, when: datetime) -> str:
        body = {"schedule_time": schedule_time(when)}  # ValueError before any request
        # like send: the status is the truth; a scheduled or sent campaign is left alone
        status = self._status(campaign_id)
        if status in SCHEDULED_OR_SENT:
            return status
        try:
            self._call("schedule", lambda: self.client.campaigns.schedule(campaign_id, body))
        except MailchimpError as exc:
            if _maybe_applied(exc):
                try:
                    status = self._status(campaign_id)
                except MailchimpError:
                    status = ""
                if status in SCHEDULED_OR_SENT:
                    return status
            raise
        return "schedule"

    def unschedule(self, campaign_id: str) -> str:
        status = self._status(campaign_id)
        if status in EDITABLE_STATUSES:
            return status
        if status in SENT_STATUSES:
            raise MailchimpError(f"mailchimp unschedule: campaign is {status}", status=400)
        self._call("unschedule", lambda: self.client.campaigns.unschedule(campaign_id))
        return "save"

    def find_campaign_by_title(self, title: str) -> dict | None:
        # Page through ids and titles only, newest first; fetch the full campaign on a hit.
        campaigns = self._pages("find_campaign", lambda offset: self.client.campaigns.list(
            list_id=self.list_id, count=PAGE_SIZE, offset=offset,
            sort_field="create_time", sort_dir="DESC",
            fields=["campaigns.id", "campaigns.settings.title", "total_items"]), "campaigns")
        for campaign in campaigns:
            if (campaign.get("settings") or {}).get("title") == title:
                return self.get_campaign(campaign["id"])
        return None


# -- the fake ---------------------------------------------------------------------------------

class FakeMailchimp:
    """In-memory Mailchimp for service tests, with the real adapter's semantics.

    ``members``: lower-cased e-mail -> {email_address, status, merge_fields, interests, language,
    tags (names)}; ``campaigns``: id -> campaign; ``sent``: ids in the order they were sent;
    ``calls``: method names. Set ``fail_next`` to a MailchimpError to make the next call raise
    it (only calls of ``fail_method`` when that is set); it is consumed once raised.
    """

    def __init__(self, list_id: str = "fake-list",
                 interests: Iterable[str] = tuple(WERKGROEP_INTEREST_NAMES.values()),
                 from_name: str = "BIJ1 Den Haag", reply_to: str = "denhaag@bij1.org"):
        self.list_id = list_id
        self.from_name = from_name
        self.reply_to = reply_to
        self.members: dict[str, dict[str, Any]] = {}
        self.campaigns: dict[str, dict[str, Any]] = {}
        self.sent: list[str] = []
        self.calls: list[str] = []
        self.fail_next: MailchimpError | None = None
        self.fail_method: str | None = None
        self.category_id = "fake-werkgroepen"
        self.interest_ids = {name: f"fake-interest-{n}" for n, name in enumerate(interests, 1)}
        self.tag_ids: dict[str, int] = {}
        self._ids = count(1)

    # seeding and inspection
    def add_member(self, email: str, *, status: str = "subscribed", tags: Iterable[str] = (),
                   interests: Iterable[str] = (), merge_fields: dict | None = None,
                   language: str = "nl") -> None:
        """Put a member in the audience directly (interests by name)."""
        self.members[email.lower()] = {
            "email_address": email, "status": status, "merge_fields": dict(merge_fields or {}),
            "interests": {self.interest_ids[name]: True for name in interests},
            "language": language, "tags": []}
        for tag in tags:
            self._tag(self.members[email.lower()], tag, True)

    def recipients(self, campaign_id: str) -> list[str]:
        """Who gets (or got) the campaign: subscribed members matching its segment."""
        campaign = self._campaign(campaign_id)
        if campaign["status"] == "sent":
            return list(campaign["recipients"]["emails"])
        return self._resolve(campaign["recipients"].get("segment_opts"))

    # plumbing
    def _enter(self, method: str) -> None:
        self.calls.append(method)
        if self.fail_next is not None and self.fail_method in (None, method):
            error, self.fail_next = self.fail_next, None
            raise error

    def _campaign(self, campaign_id: str) -> dict[str, Any]:
        if campaign_id not in self.campaigns:
            raise MailchimpError("mailchimp: HTTP 404 Resource Not Found", status=404)
        return self.campaigns[campaign_id]

    def _tag(self, member: dict[str, Any], tag: str, on: bool) -> None:
        self.tag_ids.setdefault(tag, 10_000 + len(self.tag_ids) + 1)
        if on and tag not in member["tags"]:
            member["tags"].append(tag)
        if not on and tag in member["tags"]:
            member["tags"].remove(tag)

    def _matches(self, member: dict[str, Any], condition: dict[str, Any]) -> bool:
        if condition["condition_type"] == "Interests":
            chosen = {i for i, on in member["interests"].items() if on}
            wanted = set(condition["value"])
            return {"interestcontains": bool(chosen & wanted),
                    "interestcontainsall": wanted <= chosen,
                    "interestnotcontains": not chosen & wanted}[condition["op"]]
        tag = {i: t for t, i in self.tag_ids.items()}.get(int(condition["value"]))
        return (tag in member["tags"]) == (condition["op"] == "static_is")

    def _resolve(self, segment_opts: dict | None) -> list[str]:
        chosen = []
        for member in self.members.values():
            if member["status"] != "subscribed":
                continue
            conditions = (segment_opts or {}).get("conditions") or []
            hits = [self._matches(member, c) for c in conditions]
            match = all if (segment_opts or {}).get("match") == "all" else any
            if not conditions or match(hits):
                chosen.append(member["email_address"])
        return sorted(chosen)

    def _checklist(self, campaign: dict[str, Any]) -> dict:
        problems = []
        if not campaign["html"]:
            problems.append("content")
        if not campaign["settings"]["subject_line"]:
            problems.append("subject_line")
        if not self._resolve(campaign["recipients"].get("segment_opts")):
            problems.append("recipients")
        return {"is_ready": not problems,
                "items": [{"type": "error", "heading": p, "details": f"{p} missing"}
                          for p in problems]}

    # the Protocol
    def get_member(self, email: str) -> dict | None:
        self._enter("get_member")
        member = self.members.get(email.lower())
        if member is None:
            return None
        body = copy.deepcopy(member)
        body["id"] = subscriber_hash(email)
        body["tags"] = [{"id": self.tag_ids[t], "name": t} for t in member["tags"]]
        return body

    def upsert_member(self, email: str, *, status_if_new: str = "pending",
                      merge_fields: dict | None = None, interests: dict[str, bool] | None = None,
                      language: str | None = None) -> dict:
        self._enter("upsert_member")
        if status_if_new not in MEMBER_STATUSES:
            raise MailchimpError("mailchimp: HTTP 400 Invalid Resource", status=400)
        unknown = set(interests or {}) - set(self.interest_ids.values())
        if unknown:
            raise MailchimpError("mailchimp: HTTP 400 Invalid Resource", status=400,
                                 detail="Invalid interest ID")
        member = self.members.setdefault(email.lower(), {
            "email_address": email, "status": status_if_new, "merge_fields": {},
            "interests": {}, "language": "", "tags": []})
        member["merge_fields"].update(merge_fields or {})
        member["interests"].update({k: bool(v) for k, v in (interests or {}).items()})
        if language:
            member["language"] = language
        return copy.deepcopy(member)

    def update_tags(self, email: str, tags: dict[str, bool]) -> None:
        self._enter("update_tags")
        member = self.members.get(email.lower())
        if member is None:
            raise MailchimpError("mailchimp: HTTP 404 Resource Not Found", status=404)
        for tag, on in tags.items():
            self._tag(member, tag, on)

    def werkgroep_interest_ids(self) -> dict[str, str]:
        self._enter("werkgroep_interest_ids")
        return dict(self.interest_ids)

    def interest_segment(self, interest_name: str) -> dict:
        self._enter("interest_segment")
        if interest_name not in self.interest_ids:
            raise _not_found(f"interest {interest_name!r}")
        return interest_segment_opts(self.category_id, self.interest_ids[interest_name])

    def tag_segment(self, tag: str) -> dict:
        self._enter("tag_segment")
        found = next((i for t, i in self.tag_ids.items() if t.casefold() == tag.casefold()), None)
        if found is None:
            raise _not_found(f"tag {tag!r}")
        return tag_segment_opts(found)

    def create_campaign(self, *, title: str, subject: str, segment_opts: dict | None = None,
                        preview_text: str = "") -> str:
        self._enter("create_campaign")
        campaign_id = f"fake-campaign-{next(self._ids)}"
        self.campaigns[campaign_id] = {
            "id": campaign_id, "type": "regular", "status": "save",
            "create_time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "send_time": "", "emails_sent": 0,
            "recipients": {"list_id": self.list_id,
                           **({"segment_opts": segment_opts} if segment_opts else {})},
            "settings": {"subject_line": subject, "title": title, "preview_text": preview_text,
                         "from_name": self.from_name, "reply_to": self.reply_to,
                         "inline_css": True},
            "html": "", "plain_text": "", "test_emails": []}
        return campaign_id

    def set_content(self, campaign_id: str, *, html: str, plain_text: str) -> None:
        self._enter("set_content")
        campaign = self._campaign(campaign_id)
        if campaign["status"] not in EDITABLE_STATUSES:
            raise MailchimpError("mailchimp: HTTP 400 Bad Request", status=400)
        campaign.update(html=html, plain_text=plain_text)

    def update_campaign(self, campaign_id: str, *, subject: str, preview_text: str = "") -> None:
        self._enter("update_campaign")
        campaign = self._campaign(campaign_id)
        if campaign["status"] not in EDITABLE_STATUSES:
            raise MailchimpError("mailchimp: HTTP 400 Bad Request", status=400)
        campaign["settings"].update(subject_line=subject, preview_text=preview_text)

    def send_test(self, campaign_id: str, emails: list[str]) -> None:
        self._enter("send_test")
        campaign = self._campaign(campaign_id)
        if not self._checklist(campaign)["is_ready"]:
            raise MailchimpError("mailchimp: HTTP 400 Bad Request", status=400)
        campaign["test_emails"].append(list(emails))

    def checklist(self, campaign_id: str) -> dict:
        self._enter("checklist")
        return self._checklist(self._campaign(campaign_id))

    def send(self, campaign_id: str, known_status: str = "") -> str:
        self._enter("send")
        campaign = self._campaign(campaign_id)
        if campaign["status"] in SENT_STATUSES:
            return campaign["status"]
        if campaign["status"] not in EDITABLE_STATUSES or not self._checklist(campaign)["is_ready"]:
            raise MailchimpError("mailchimp: HTTP 400 Bad Request", status=400)
        emails = self._resolve(campaign["recipients"].get("segment_opts"))
        campaign["recipients"]["emails"] = emails
        campaign.update(status="sent", emails_sent=len(emails),
                        send_time=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        self.sent.append(campaign_id)
        return "sending"  # as Mailchimp: accepted, its status reads "sent" afterwards

    def schedule(self, campaign_id: str, when: datetime) -> str:
        at = schedule_time(when)
        self._enter("schedule")
        campaign = self._campaign(campaign_id)
        if campaign["status"] in SCHEDULED_OR_SENT:
            return campaign["status"]
        if campaign["status"] not in EDITABLE_STATUSES or not self._checklist(campaign)["is_ready"]:
            raise MailchimpError("mailchimp: HTTP 400 Bad Request", status=400)
        campaign.update(status="schedule", send_time=at)
        return "schedule"

    def unschedule(self, campaign_id: str) -> str:
        self._enter("unschedule")
        campaign = self._campaign(campaign_id)
        if campaign["status"] in SENT_STATUSES:
            raise MailchimpError("mailchimp: HTTP 400 Bad Request", status=400)
        campaign.update(status="save", send_time="")
        return "save"

    def deliver_scheduled(self, now: datetime) -> list[str]:
        """What Mailchimp does at a scheduled time: send every campaign due by ``now``."""
        done = []
        for campaign_id, campaign in self.campaigns.items():
            if campaign["status"] == "schedule" and campaign["send_time"] <= now.astimezone(
                    timezone.utc).isoformat():
                emails = self._resolve(campaign["recipients"].get("segment_opts"))
                campaign["recipients"]["emails"] = emails
                campaign.update(status="sent", emails_sent=len(emails))
                self.sent.append(campaign_id)
                done.append(campaign_id)
        return done

    def get_campaign(self, campaign_id: str) -> dict:
        self._enter("get_campaign")
        return copy.deepcopy(self._campaign(campaign_id))

    def find_campaign_by_title(self, title: str) -> dict | None:
        self._enter("find_campaign_by_title")
        for campaign in reversed(list(self.campaigns.values())):
            if campaign["settings"]["title"] == title:
                return copy.deepcopy(campaign)
        return None
