"""Invitations, reminders and cancellation/move notices: found by the daily schedule, sent
by the queue consumer, one Mailchimp campaign per occurrence and kind, exactly once.

**Finding** (:func:`plan`, handler ``kalender_uitnodigingen``, daily): for every occurrence
from today up to the longest invitation lead time (plus the furthest a move can take one)
it decides what is due, writes a marker ``KALENDER#<id>`` / ``MAIL#<key>`` (conditional:
only if new) and queues one message per marker. It sends nothing itself, so it returns in
well under a second. Due means:

- ``uitnodiging``: not cancelled, not begun, and its invitation day (local date minus the
  series' ``uitnodiging_dagen``) is today or has passed: a day the schedule missed is caught
  up on its next run, and an occurrence that has begun is never invited;
- ``herinnering``: the series asks for one, the invitation went out on an earlier day, and
  the occurrence is ``herinnering_dagen`` (default 1: tomorrow) days away or nearer;
- ``afgelast``: cancelled after its invitation went out;
- ``verplaatst-<sequence>``: moved after its invitation went out (each move its own notice).

A marker whose message got lost (still not sent ``REQUEUE_AFTER`` later) is queued again.

**Sending** (:func:`verwerk`, the consumer): per marker, under a lease (``bezig``, taken with a
conditional update; a stale lease is taken over with a compare-and-swap), it checks that the
mail still makes sense (an invitation of a meanwhile cancelled meeting is skipped), renders
the mail, and then: the campaign id stored in the marker, or a campaign with the marker's
title found in Mailchimp (a crash between create and store), or a new one, whose id is stored
at once; content set while the campaign is a draft; ``send`` reads the status first. A
duplicate message, a second trigger and a crash anywhere therefore give one campaign, sent
once. Decision: docs/decisions/006-invitations-exactly-once-and-mail-channels.md.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, Mapping

from functions.adapters.dynamo import Table, TransactionConditionFailed, TxUpdate
from functions.errors import AlreadyExists, NotFound, TemporarilyUnavailable
from functions.kalender import activiteiten as acts
from functions.kalender import teksten
from functions.kalender.activiteiten import Activiteit
from functions.kalender.gegevens import Kalender
from functions.logs import log_event

MESSAGE_KIND = "kalender.bericht"
UITNODIGING, HERINNERING, AFGELAST, VERPLAATST = "uitnodiging", "herinnering", "afgelast", "verplaatst"
KINDS = (UITNODIGING, HERINNERING, AFGELAST, VERPLAATST)
MARKER = "MAIL#{key}"
WACHTRIJ, AANGEMAAKT, VERSTUURD, OVERGESLAGEN = "wachtrij", "aangemaakt", "verstuurd", "overgeslagen"
DONE = (VERSTUURD, OVERGESLAGEN)
REQUEUE_AFTER = timedelta(hours=6)
LEASE = timedelta(minutes=5)   # longer than the consumer's Lambda timeout (120 s)
EDITABLE = ("save", "paused")
LANG = "nl"
# The board's agenda archive (issue 9) writes this item once a public agenda exists.
AGENDA_PK, AGENDA_SK = "AGENDA#{day}", "PUBLIC"


# --- what is due -----------------------------------------------------------------------------

def markers_of(table: Table, activiteit_id: str) -> dict[str, dict[str, Any]]:
    items, _ = table.query(acts.PK.format(id=activiteit_id), sk_prefix="MAIL#")
    return {i["key"]: i for i in items if "key" in i}


def _sent_before(marker: Mapping[str, Any] | None, today: date, kalender: Kalender) -> bool:
    if not marker or marker.get("status") != VERSTUURD or not marker.get("sent_at"):
        return False
    return acts._time(marker["sent_at"]).astimezone(kalender.tijdzone).date() < today


def due(kalender: Kalender, a: Activiteit, markers: Mapping[str, Mapping[str, Any]],
        now: datetime) -> list[tuple[str, str]]:
    """(kind, key) of every mail due for this occurrence now that is not yet marked."""
    if a.start <= now:
        return []
    today = acts.vandaag(kalender, now)
    invited = markers.get(UITNODIGING)
    sent = bool(invited and invited.get("status") == VERSTUURD)
    out: list[tuple[str, str]] = []
    if a.geannuleerd:
        if sent:
            out.append((AFGELAST, AFGELAST))
    else:
        if a.dag - timedelta(days=a.uitnodiging_dagen) <= today:
            out.append((UITNODIGING, UITNODIGING))
        if (a.herinnering and a.dag - timedelta(days=a.herinnering_dagen) <= today
                and _sent_before(invited, today, kalender)):
            out.append((HERINNERING, HERINNERING))
        if sent and a.verplaatst_sequence and a.verplaatst_sequence > int(invited.get("sequence") or 0):
            out.append((VERPLAATST, f"{VERPLAATST}-{a.verplaatst_sequence}"))
    return [(kind, key) for kind, key in out
            if key not in markers or _stale(markers[key], now)]


def _stale(marker: Mapping[str, Any], now: datetime) -> bool:
    """Queued long ago and still not sent: its message may be lost (or in the DLQ)."""
    if marker.get("status") in DONE or not marker.get("queued_at"):
        return False
    return acts._time(marker["queued_at"]) < now - REQUEUE_AFTER


def _queue_one(table: Table, queue: Any, a: Activiteit, kind: str, key: str,
               existing: Mapping[str, Any] | None, now: datetime) -> bool:
    pk = acts.PK.format(id=a.id)
    at = _iso(now)
    try:
        if existing is None:
            table.put({"pk": pk, "sk": MARKER.format(key=key), "key": key, "kind": kind,
                       "activiteit": a.id, "status": WACHTRIJ, "queued_at": at}, if_new=True)
        else:  # a stale marker: queue again, unless another run just did
            table.transact_write([TxUpdate(pk, MARKER.format(key=key), set={"queued_at": at},
                                           when={"queued_at": existing["queued_at"]})])
    except AlreadyExists:
        return False  # another run queued it a moment ago
    queue.send({"kind": MESSAGE_KIND, "activiteit": a.id, "soort": kind, "sleutel": key})
    return True


def plan_een(kalender: Kalender, table: Table, queue: Any, a: Activiteit, now: datetime) -> list[str]:
    """Queue whatever is due for one occurrence; the keys queued."""
    markers = markers_of(table, a.id)
    queued = []
    for kind, key in due(kalender, a, markers, now):
        if _queue_one(table, queue, a, kind, key, markers.get(key), now):
            queued.append(key)
    return queued


def plan(kalender: Kalender, table: Table, queue: Any, now: datetime) -> dict[str, Any]:
    """The daily run: queue one message per occurrence and kind that is due."""
    today = acts.vandaag(kalender, now)
    until = today + timedelta(days=kalender.langste_uitnodiging + acts.MAX_MOVE_DAYS + 1)
    queued: list[str] = []
    looked = 0
    for a in acts.tussen(kalender, table, today, until):
        if a.start <= now:
            continue
        looked += 1
        queued += [f"{a.id}/{key}" for key in plan_een(kalender, table, queue, a, now)]
    log_event("kalender.uitnodigingen_gepland", bekeken=looked, in_wachtrij=len(queued))
    return {"datum": today.isoformat(), "bekeken": looked, "in_wachtrij": queued}


def na_wijziging(kalender: Kalender, table: Table, queue: Any, a: Activiteit,
                 now: datetime) -> list[str]:
    """After a cancel or move from a script: queue its notice at once (the daily run would
    catch it up anyway, so a queue outage here changes nothing that is already stored)."""
    try:
        return plan_een(kalender, table, queue, a, now)
    except TemporarilyUnavailable:
        log_event("kalender.melding_later", activiteit=a.id)
        return []


# --- the mail --------------------------------------------------------------------------------

def agenda_link(table: Table, day: date, base_url: str) -> str | None:
    """The public agenda of the board meeting on ``day``, once the archive has one."""
    item = table.get(AGENDA_PK.format(day=day.isoformat()), AGENDA_SK)
    return f"{base_url}/agendas/{day.isoformat()}" if item else None


def segment_for(a: Activiteit, mailchimp: Any, tags: Mapping[str, str],
                interests: Mapping[str, str]) -> dict | None:
    """Who the mail goes to: never the whole audience unless the occurrence is for everyone."""
    if a.publiek == "bestuur":
        return mailchimp.tag_segment(tags["bestuur"])
    if a.publiek == "werkgroep":
        return mailchimp.interest_segment(interests[a.werkgroep])
    if a.publiek == "leden":
        return mailchimp.tag_segment(tags["leden"])
    return None


def title_for(a: Activiteit, key: str) -> str:
    """The campaign's title: what a crashed run's campaign is found by."""
    return f"kalender {a.id} {key}"


def render(renderer: Any, kalender: Kalender, a: Activiteit, kind: str, *, base_url: str,
           agenda: str | None, oud: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Subject, preview, HTML and plain text (Dutch first, an English summary after)."""
    catalogs = renderer.catalogs
    context = {"a": a, "soort": kind, "agenda_url": agenda, "base_url": base_url,
               "t_en": lambda key, **p: catalogs.gettext("en", key, **p),
               "ics_url": f"{base_url}/kalender/activiteiten/{a.id}.ics",
               "rsvp_url": f"{base_url}/kalender/activiteiten/{a.id}/rsvp" if a.rsvp else None,
               "afspraak_url": f"{base_url}/kalender/op-afspraak?activiteit={a.id}"
               if a.op_afspraak else None,
               "pagina_url": f"{base_url}/kalender/activiteiten/{a.id}",
               "nl": teksten.beschrijf(a, "nl", catalogs), "en": teksten.beschrijf(a, "en", catalogs),
               "oud_nl": teksten.wanneer(oud["start"], oud["eind"], "nl", catalogs) if oud else "",
               "oud_en": teksten.wanneer(oud["start"], oud["eind"], "en", catalogs) if oud else ""}
    nl, en = context["nl"], context["en"]
    subject = (catalogs.gettext("nl", f"kalender.mail.onderwerp.{kind}", titel=nl["titel"], wanneer=nl["kort"])
               + " / " + catalogs.gettext("en", f"kalender.mail.onderwerp.{kind}", titel=en["titel"],
                                          wanneer=en["kort"]))
    return {"subject": subject,
            "preview_text": catalogs.gettext("nl", f"kalender.mail.voorvertoning.{kind}", wanneer=nl["wanneer"]),
            "html": renderer.render("kalender/mail.html", LANG, **context),
            "plain_text": renderer.render("kalender/mail.txt", LANG, **context)}


# --- the consumer ----------------------------------------------------------------------------

class Busy(TemporarilyUnavailable):
    """Another consumer holds this marker's lease; the message is retried later."""


def _claim(table: Table, pk: str, sk: str, marker: Mapping[str, Any], now: datetime) -> None:
    at = _iso(now)
    try:
        table.transact_write([TxUpdate(pk, sk, set={"bezig": at}, unless=("bezig",))])
        return
    except TransactionConditionFailed:
        pass
    current = table.get(pk, sk) or {}
    held = current.get("bezig")
    if held and acts._time(held) > now - LEASE:
        raise Busy(f"{pk} {sk} is being sent by another consumer")
    try:  # a crashed consumer's lease: take it over, unless someone else just did
        table.transact_write([TxUpdate(pk, sk, set={"bezig": at}, when={"bezig": held})])
    except TransactionConditionFailed as exc:
        raise Busy(f"{pk} {sk} was just taken over") from exc


def _update(table: Table, pk: str, sk: str, **changes: Any) -> None:
    table.transact_write([TxUpdate(pk, sk, set=changes)])


def still_wanted(a: Activiteit, kind: str, now: datetime) -> bool:
    if a.start <= now:
        return False
    if kind == AFGELAST:
        return a.geannuleerd
    return not a.geannuleerd


def verwerk(message: Mapping[str, Any], *, kalender: Kalender, table: Table, mailchimp: Any,
            renderer: Any, now: datetime, base_url: str, tags: Mapping[str, str],
            interests: Mapping[str, str]) -> str:
    """Send the one campaign of one (occurrence, kind), at most once. Returns what happened."""
    activiteit_id, kind, key = message["activiteit"], message["soort"], message["sleutel"]
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    pk, sk = acts.PK.format(id=activiteit_id), MARKER.format(key=key)
    marker = table.get(pk, sk)
    if marker is None:  # queued without a marker (should not happen): make one
        try:
            table.put({"pk": pk, "sk": sk, "key": key, "kind": kind, "activiteit": activiteit_id,
                       "status": WACHTRIJ, "queued_at": _iso(now)}, if_new=True)
        except AlreadyExists:
            pass
        marker = table.get(pk, sk) or {}
    if marker.get("status") in DONE:
        log_event("kalender.bericht_al_gedaan", activiteit=activiteit_id, sleutel=key,
                  status=marker.get("status"))
        return str(marker.get("status"))
    _claim(table, pk, sk, marker, now)
    try:
        return _send(marker, kind, key, kalender=kalender, table=table, mailchimp=mailchimp,
                     renderer=renderer, now=now, base_url=base_url, tags=tags, interests=interests)
    finally:
        try:
            _update(table, pk, sk, bezig=None)
        except Exception:  # noqa: BLE001 - the lease runs out by itself
            log_event("kalender.lease_niet_vrijgegeven", activiteit=activiteit_id, sleutel=key)


def _send(marker: Mapping[str, Any], kind: str, key: str, *, kalender: Kalender, table: Table,
          mailchimp: Any, renderer: Any, now: datetime, base_url: str, tags: Mapping[str, str],
          interests: Mapping[str, str]) -> str:
    activiteit_id = marker["activiteit"]
    pk, sk = acts.PK.format(id=activiteit_id), MARKER.format(key=key)
    try:
        a = acts.een(kalender, table, activiteit_id)
    except NotFound:
        a = None
    campaign_id = marker.get("campaign_id")
    if a is None or (not campaign_id and not still_wanted(a, kind, now)):
        _update(table, pk, sk, status=OVERGESLAGEN, skipped_at=_iso(now))
        log_event("kalender.bericht_overgeslagen", activiteit=activiteit_id, sleutel=key)
        return OVERGESLAGEN
    oud = None
    if kind == VERPLAATST:
        invited = table.get(pk, MARKER.format(key=UITNODIGING)) or {}
        if invited.get("start"):
            oud = {"start": acts._time(invited["start"]).astimezone(kalender.tijdzone),
                   "eind": acts._time(invited["eind"]).astimezone(kalender.tijdzone)}
    agenda = agenda_link(table, a.dag, base_url) if a.soort == "bestuursvergadering" else None
    content = render(renderer, kalender, a, kind, base_url=base_url, agenda=agenda, oud=oud)
    title = title_for(a, key)
    campaign: dict[str, Any] | None = None
    if not campaign_id:
        if marker.get("aanmaken"):  # an earlier attempt may have created it and died
            campaign = mailchimp.find_campaign_by_title(title)
        if campaign:
            campaign_id = str(campaign["id"])
        else:
            _update(table, pk, sk, aanmaken=True)
            campaign_id = mailchimp.create_campaign(
                title=title, subject=content["subject"], preview_text=content["preview_text"],
                segment_opts=segment_for(a, mailchimp, tags, interests))
            campaign = {"id": campaign_id, "status": "save"}  # just created: a draft
        _update(table, pk, sk, campaign_id=campaign_id, status=AANGEMAAKT)
    if campaign is None:
        campaign = mailchimp.get_campaign(campaign_id)
    if campaign.get("status") in EDITABLE:
        mailchimp.set_content(campaign_id, html=content["html"], plain_text=content["plain_text"])
    # the status just read or created, under our lease: no second read before the send
    status = mailchimp.send(campaign_id, known_status=str(campaign.get("status") or ""))
    _update(table, pk, sk, status=VERSTUURD, sent_at=_iso(now), sequence=a.sequence,
            start=a.start.isoformat(), eind=a.eind.isoformat(), mailchimp_status=status)
    log_event("kalender.bericht_verstuurd", activiteit=a.id, sleutel=key, campaign_id=campaign_id,
              status=status)
    return VERSTUURD


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
