"""Weekly digest of the meldpunt for werkgroep Politieke agenda (handler ``meldpunt_digest``).

Every Monday a Mailchimp campaign goes to the subscribers with the werkgroep interest
"Politieke agenda": how many reports came in since the last digest, by (current) status
and by wijk, and a link to the review page in the browser (``REVIEW_PAGE``: the new reports,
after signing in). Never any report text or contact detail:
the digest is built from a handful of report fields (status, wijk, created_at) only.

The audience chose the interest themselves on the public signup form, so the counts follow
the rules of the public figures: the cell key method (functions.meldpunt.celsleutel), over
the total, the statuses and the wijken. Unlike the public figures it counts reports not yet
reviewed: it is the werkgroep's prompt to review them (docs/decisions/010).

Idempotent per ISO week (title ``meldpunt-digest-<YYYY>-W<ww>``):
1. ``DIGEST#meldpunt`` / ``RUN#<week>`` is written first (conditional put) with the period
   ``since``..``until``; a second invocation of the same week finds it and goes on from
   where the first stopped, with the same period.
2. Before creating the campaign, ``find_campaign_by_title`` finds one that a crashed run
   created but could not record; the campaign id is stored in the run before sending.
3. ``send`` is idempotent (an already sent campaign is left alone); afterwards the run is
   marked sent and ``LAST`` records ``until`` as the start of the next digest's period.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from functions.adapters.dynamo import Table, TxUpdate
from functions.config import WERKGROEP_INTEREST_NAMES
from functions.errors import AlreadyExists
from functions.logs import log_event
from functions.meldpunt import opties, telling
from functions.meldpunt.celsleutel import D, Cel, marker, publish
from functions.meldpunt.review import GEANNULEERD, GSI_PK, STATUSSEN

PK = "DIGEST#meldpunt"
INTEREST = WERKGROEP_INTEREST_NAMES["politieke-agenda"]
EDITABLE = ("save", "paused")
DEFAULT_PERIOD = timedelta(days=7)
LANG = "nl"
# The review page in the browser (functions/beheer/), showing the reports still to be read.
REVIEW_PAGE = "/beheer/meldpunt?status=nieuw"


def iso_week(now: datetime) -> str:
    year, week, _ = now.astimezone(timezone.utc).isocalendar()
    return f"{year:04d}-W{week:02d}"


def week_covered(now: datetime) -> str:
    """The ISO week a digest sent at ``now`` reports on: the week that ended before it
    (Monday 30 November 2026 covers 23–30 November, 2026-W48). Also the run's key, so a
    second firing on the same day finds the first."""
    return iso_week(now - timedelta(days=1))


def title_for(week: str) -> str:
    return f"meldpunt-digest-{week}"


def count(table: Table, since: str, until: str) -> tuple[dict[str, Cel], dict[str, Cel]]:
    """(per status, per wijk) of the reports received in [since, until), each a count with
    its reports' key sum (the cell key method); withdrawn and cancelled ones not."""
    since_t, until_t = _time(since), _time(until)
    per_status = {s: Cel() for s in STATUSSEN if s != GEANNULEERD}
    per_wijk: dict[str, Cel] = {}
    start = None
    while True:
        items, last = table.query(GSI_PK, index="gsi1", limit=100, start_after=start,
                                  descending=True)
        for item in items:
            created = _time(item["created_at"])
            if created < since_t:
                return per_status, per_wijk
            status = opties.status_van(item)
            if created >= until_t or item.get("sk") != "MELDING" or status not in per_status:
                continue
            one = Cel(1, int(item.get(telling.RECORD_KEY) or 0))
            per_status[status] = per_status[status] + one
            wijk = item.get("wijk") or opties.WIJK_ONBEKEND
            per_wijk[wijk] = per_wijk.get(wijk, Cel()) + one
        if not last:
            return per_status, per_wijk
        start = last


def overview(per_status: Mapping[str, Cel], per_wijk: Mapping[str, Cel], k: int) -> dict[str, Any]:
    """The counts as they may be mailed: through the cell key method, like the public figures
    (the werkgroep's interest is open to anyone who signs up)."""
    totaal = sum(per_status.values(), Cel())
    names = {w.code: w for w in opties.wijken()}
    sd_names = {s.code: s.naam for s in opties.stadsdelen()}
    wijken = []
    for code in sorted(per_wijk, key=lambda c: (c not in names, sd_names.get(
            names[c].stadsdeel, "") if c in names else "", names[c].naam if c in names else c)):
        if per_wijk[code].n == 0:
            continue
        if code in names:
            label = f"{names[code].naam} ({sd_names.get(names[code].stadsdeel, '')})"
        else:
            label = "Onbekend"
        wijken.append({"code": code, "naam": label, "aantal": publish(per_wijk[code], k)})
    return {"k": k, "marker": marker(k), "max_afwijking": D, "totaal": publish(totaal, k),
            "per_status": [{"status": s, "aantal": publish(c, k)} for s, c in per_status.items()],
            "per_wijk": wijken}


def render(renderer: Any, week: str, since: str, until: str, summary: Mapping[str, Any],
           review_url: str) -> dict[str, str]:
    """Subject, preview, HTML and plain text of the campaign."""
    t = renderer.catalogs.gettext
    context = {"week": week, "van": _label(since), "tot": _label(until), "overzicht": summary,
               "review_url": review_url}
    return {"subject": t(LANG, "meldpunt_digest.onderwerp", aantal=summary["totaal"], week=week),
            "preview_text": t(LANG, "meldpunt_digest.voorvertoning"),
            "html": renderer.render("meldpunt/digest.html", LANG, **context),
            "plain_text": renderer.render("meldpunt/digest.txt", LANG, **context)}


def run(table: Table, mailchimp: Any, renderer: Any, now: datetime, *, k: int,
        review_url: str) -> dict[str, Any]:
    """Send the digest of the week that just ended, at most once. Returns what happened."""
    week = week_covered(now)
    title = title_for(week)
    key = f"RUN#{week}"
    state = table.get(PK, key)
    if state is None:
        last = table.get(PK, "LAST")
        since = (last or {}).get("until") or _iso(now - DEFAULT_PERIOD)
        state = {"pk": PK, "sk": key, "week": week, "title": title, "since": since,
                 "until": _iso(now), "status": "pending"}
        try:
            table.put(state, if_new=True)
        except AlreadyExists:
            log_event("meldpunt.digest_busy", week=week)
            return {"week": week, "status": "busy"}
    if state.get("status") == "sent":
        log_event("meldpunt.digest_already_sent", week=week)
        return {"week": week, "status": "already_sent", "campaign_id": state.get("campaign_id")}

    per_status, per_wijk = count(table, state["since"], state["until"])
    content = render(renderer, week, state["since"], state["until"],
                     overview(per_status, per_wijk, k), review_url)
    campaign_id = state.get("campaign_id")
    campaign: dict[str, Any] | None = None
    if not campaign_id:
        campaign = mailchimp.find_campaign_by_title(title)  # a crashed run's campaign
        if campaign:
            campaign_id = campaign["id"]
        else:
            campaign_id = mailchimp.create_campaign(
                title=title, subject=content["subject"], preview_text=content["preview_text"],
                segment_opts=mailchimp.interest_segment(INTEREST))
        _update(table, key, campaign_id=campaign_id, status="created")
    if campaign is None:
        campaign = mailchimp.get_campaign(campaign_id)
    if campaign.get("status") in EDITABLE:
        mailchimp.set_content(campaign_id, html=content["html"], plain_text=content["plain_text"])
    status = mailchimp.send(campaign_id)
    _update(table, key, status="sent", sent_at=_iso(now))
    table.put({"pk": PK, "sk": "LAST", "week": week, "since": state["since"],
               "until": state["until"], "campaign_id": campaign_id, "status": status})
    log_event("meldpunt.digest_sent", week=week, campaign_id=campaign_id, status=status)
    return {"week": week, "status": "sent", "campaign_id": campaign_id}


def _update(table: Table, key: str, **changes: Any) -> None:
    """SET some attributes of this week's run item."""
    table.transact_write([TxUpdate(PK, key, set=changes)])


def _label(value: str) -> str:
    """A moment as people in Den Haag read it: 23-11-2026 08:00."""
    from zoneinfo import ZoneInfo

    return _time(value).astimezone(ZoneInfo("Europe/Amsterdam")).strftime("%d-%m-%Y %H:%M")


def _time(value: str) -> datetime:
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
