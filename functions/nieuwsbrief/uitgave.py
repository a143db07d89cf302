"""One month's newsletter from compilation to the archive: one Mailchimp campaign, sent once.

States of ``NIEUWSBRIEF#<maand>`` / ``UITGAVE`` (docs/nieuwsbrief.md):

    concept ──goedkeuren──► goedgekeurd ──(consumer) schedule/send──► gepland ──► verzonden
       ▲                         │                                      │
       └──────── intrekken ──────┴──────────────────────────────────────┘

- **Compile** (:func:`samenstellen`, from the queue): the sections (functions/nieuwsbrief/
  secties.py) rendered to HTML and plain text, stored with the issue (``versie`` + 1), the
  campaign created once (title ``nieuwsbrief-<maand>``; a crashed attempt's campaign is found
  by its title) or updated, its content set, a test mail to the eindredactie. Only while the
  issue is a concept: after approval a compile changes nothing. Every state write is a
  compare-and-swap on status and version, so an approval racing a compile approves exactly
  the version whose content Mailchimp has.
- **Approve** (:func:`goedkeuren`): Mailchimp's send checklist must be ready (else 409 with its
  items); the issue becomes ``goedgekeurd`` with its send moment, and a message goes to the
  queue. **Never sent without approval**: only that message leads to a send.
- **Send** (:func:`versturen`, the consumer): schedules the campaign for the send moment, or
  sends it at once when that has passed. ``schedule`` and ``send`` read the campaign's status
  first, so a redelivery, a timeout or a 5xx never sends twice; a withdrawal that raced the
  consumer is honoured (the campaign is unscheduled again).
- **Withdraw** (:func:`intrekken`): back to concept before the send; a scheduled campaign is
  unscheduled.
- **Sent** (:func:`dagelijks`, the daily schedule, and the consumer): a campaign Mailchimp has
  sent marks the issue ``verzonden``, puts it in the archive and records the plan's goal.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

from functions.adapters.dynamo import TransactionConditionFailed, TxPut, TxUpdate
from functions.errors import AlreadyExists, Conflict, MailchimpError, NotFound, NotReady
from functions.logs import log_event
from functions.nieuwsbrief import planning as plan
from functions.nieuwsbrief.secties import Bron, verzamel

SK = "UITGAVE"
CONCEPT, GOEDGEKEURD, GEPLAND, VERZONDEN = "concept", "goedgekeurd", "gepland", "verzonden"
GEEN = "geen"  # no item yet: not compiled
SAMENSTELLEN = "nieuwsbrief.samenstellen"
VERSTUREN = "nieuwsbrief.versturen"
ARCHIVE_INDEX = "NIEUWSBRIEVEN"
LANG = "nl"


def pk(maand: str) -> str:
    return f"NIEUWSBRIEF#{maand}"


def title_for(maand: str) -> str:
    return f"nieuwsbrief-{maand}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _update(table: Any, maand: str, changes: Mapping[str, Any], expect: Mapping[str, Any],
            remove: tuple[str, ...] = (), unless: tuple[str, ...] = (), also: tuple[Any, ...] = ()
            ) -> None:
    """One compare-and-swap of the issue's state, with ``also`` (its history entry) in the same
    transaction: a crash can never leave the state changed and its history missing."""
    table.transact_write([TxUpdate(pk(maand), SK, set=dict(changes), remove=remove,
                                   when=dict(expect), unless=unless), *also])


def _entry(maand: str, now: datetime, action: str, who: Mapping[str, str], **details: Any) -> TxPut:
    """The history entry of a state change, written with it (see :func:`_update`)."""
    at = _iso(now)
    suffix = f"{action}-{details['versie']}" if "versie" in details else action
    return TxPut({"pk": pk(maand), "sk": f"HIST#{at}#{suffix}", "at": at, "action": action,
                  "who": who.get("name", ""), "role": who.get("role", ""), **details})


# --- rendering ----------------------------------------------------------------------------

def render(renderer: Any, context: Mapping[str, Any], base_url: str) -> dict[str, str]:
    """Subject, preview text, the mail (HTML and plain text) and the archive's HTML."""
    catalogs = renderer.catalogs
    year, month = plan.parse_maand(context["maand"])
    labels = {lang: f"{catalogs.gettext(lang, f'meldpunt_cijfers.maand.{month}')} {year}"
              for lang in ("nl", "en")}
    common = {"inhoud": context, "maand_label": labels, "base_url": base_url,
              "en": lambda key, **p: catalogs.gettext("en", key, **p),
              "staven_van": _staven}
    kinds = [s["soort"] for s in context["secties"]]
    preview = catalogs.gettext(LANG, "nieuwsbrief.voorvertoning." + ("met_artikelen" if "artikelen" in kinds else "zonder"),
                               maand=labels["nl"])
    return {
        "onderwerp": catalogs.gettext(LANG, "nieuwsbrief.onderwerp", maand=labels["nl"]),
        "preview": preview,
        "html": renderer.render("nieuwsbrief/mail.html", LANG, archief=False, **common),
        "tekst": renderer.render("nieuwsbrief/mail.txt", LANG, archief=False, **common),
        "archief_html": renderer.render("nieuwsbrief/mail.html", LANG, archief=True, **common),
    }


PACKED = ("html", "tekst", "archief_html")


def _pack(content: Mapping[str, str]) -> dict[str, Any]:
    """The rendered issue as it is stored: the three bodies zlib-compressed (an item holds at
    most 400 KB; an issue of 12 long articles is ~150 KB of HTML, ~40 KB compressed)."""
    import zlib

    out: dict[str, Any] = {k: v for k, v in content.items() if k not in PACKED}
    out.update({f"{k}_z": zlib.compress(content[k].encode("utf-8"), 9) for k in PACKED})
    return out


def unpack(state: Mapping[str, Any], name: str) -> str:
    """One stored body (``html``, ``tekst`` or ``archief_html``) of an issue."""
    import zlib

    raw = state[f"{name}_z"]
    return zlib.decompress(bytes(raw)).decode("utf-8")


def _staven(rows: list, onbekend: str) -> list:
    from functions.charts import staven

    return staven([(naam or onbekend, waarde) for naam, waarde in rows])


# --- compile ------------------------------------------------------------------------------

def samenstellen(table: Any, mailchimp: Any, renderer: Any, bron: Bron, planning: plan.Planning,
                 *, verzoek: str, who: Mapping[str, str]) -> dict[str, Any]:
    """Compile the issue of ``bron.maand`` (idempotent per ``verzoek``); see the module doc."""
    maand = bron.maand
    state = table.get(pk(maand), SK)
    if state and state.get("status") != CONCEPT:
        log_event("nieuwsbrief.compile_skipped", maand=maand, status=state.get("status"))
        return {"maand": maand, "status": state["status"], "veranderd": False}
    if state and state.get("verzoek") == verzoek:
        if state.get("mailchimp_versie") == state.get("versie"):
            return {"maand": maand, "status": CONCEPT, "veranderd": False,
                    "versie": state.get("versie")}
        return _finish(table, mailchimp, planning, maand, state)  # a crash after the store
    if state is None:
        state = {"pk": pk(maand), "sk": SK, "maand": maand, "status": CONCEPT, "versie": 0,
                 "title": title_for(maand)}
        try:
            table.put(state, if_new=True)
        except AlreadyExists:
            state = table.get(pk(maand), SK) or state
    content = render(renderer, verzamel(bron), bron.base_url)
    campaign_id = state.get("campaign_id")
    if not campaign_id:
        campaign_id = _campaign(table, mailchimp, maand, state, content)
    elif (state.get("onderwerp"), state.get("preview")) != (content["onderwerp"], content["preview"]):
        mailchimp.update_campaign(campaign_id, subject=content["onderwerp"],
                                  preview_text=content["preview"])
    versie = int(state.get("versie") or 0) + 1
    try:
        _update(table, maand, {**_pack(content), "versie": versie, "verzoek": verzoek,
                               "campaign_id": campaign_id, "samengesteld_op": _iso(bron.now),
                               "samengesteld_door": who.get("name", "")},
                expect={"status": CONCEPT, "versie": int(state.get("versie") or 0)},
                also=(_entry(maand, bron.now, "samengesteld", who, versie=versie),))
    except TransactionConditionFailed as exc:
        raise Conflict(f"the issue of {maand} changed meanwhile (approved or compiled)",
                       {"_body": "nieuwsbrief.fout.veranderd"}) from exc
    state = table.get(pk(maand), SK)
    return _finish(table, mailchimp, planning, maand, state)


def _campaign(table: Any, mailchimp: Any, maand: str, state: Mapping[str, Any],
              content: Mapping[str, str]) -> str:
    """The issue's one campaign: found when an earlier attempt created it, else created."""
    found = None
    if state.get("campaign_aanmaken"):  # an earlier attempt may have created it and died
        found = mailchimp.find_campaign_by_title(title_for(maand))
    if found:
        campaign_id = str(found["id"])
    else:
        _update(table, maand, {"campaign_aanmaken": True}, expect={"status": CONCEPT})
        # to the whole audience: the newsletter is for everyone who signed up
        campaign_id = mailchimp.create_campaign(title=title_for(maand), subject=content["onderwerp"],
                                                preview_text=content["preview"])
    _update(table, maand, {"campaign_id": campaign_id}, expect={"status": CONCEPT})
    log_event("nieuwsbrief.campaign", maand=maand, campaign_id=campaign_id, found=bool(found))
    return campaign_id


def _finish(table: Any, mailchimp: Any, planning: plan.Planning, maand: str,
            state: Mapping[str, Any]) -> dict[str, Any]:
    """Put the stored version's content into the campaign and send the test mail."""
    campaign_id = state["campaign_id"]
    mailchimp.set_content(campaign_id, html=unpack(state, "html"), plain_text=unpack(state, "tekst"))
    if planning.eindredactie:
        mailchimp.send_test(campaign_id, list(planning.eindredactie))
    try:
        _update(table, maand, {"mailchimp_versie": state["versie"]},
                expect={"status": CONCEPT, "versie": state["versie"]})
    except TransactionConditionFailed:
        pass  # approved (that version) or compiled again meanwhile: the later write wins
    log_event("nieuwsbrief.compiled", maand=maand, versie=state["versie"],
              campaign_id=campaign_id, test_mails=len(planning.eindredactie))
    return {"maand": maand, "status": CONCEPT, "veranderd": True, "versie": state["versie"],
            "campaign_id": campaign_id}


# --- approve, withdraw --------------------------------------------------------------------

def goedkeuren(table: Any, mailchimp: Any, queue: Any, maand: str, planning: plan.Planning,
               who: Mapping[str, str], now: datetime, versie: int | None = None) -> dict[str, Any]:
    """Approve the compiled issue: checklist, then ``goedgekeurd`` and a message to send it.
    ``versie``: the version the approver looked at; another one stored is a 409 (the
    preview of the beheer page sends it, so nobody approves what they did not see)."""
    state = table.get(pk(maand), SK)
    if not state or not state.get("campaign_id"):
        raise NotFound(f"no compiled issue for {maand}")
    status = state.get("status")
    if versie is not None and versie != state.get("versie"):
        raise Conflict(f"version {versie} asked, {state.get('versie')} stored",
                       {"_body": "nieuwsbrief.fout.andere_versie"})
    if status == CONCEPT:
        if state.get("mailchimp_versie") != state.get("versie"):
            raise Conflict("the issue is being compiled; approve it when the test mail is there",
                           {"_body": "nieuwsbrief.fout.wordt_samengesteld"})
        checklist = mailchimp.checklist(state["campaign_id"])
        if not checklist["is_ready"]:
            items = [f"{i.get('heading', '')}: {i.get('details', '')}".strip(": ")
                     for i in checklist["items"] if i.get("type") in ("error", None)]
            raise NotReady({"checklist": "; ".join(items) or "Mailchimp: not ready"})
        moment = planning.verstuurmoment(maand)
        direct = now >= moment
        try:
            _update(table, maand, {"status": GOEDGEKEURD, "goedgekeurd_door": who.get("name", ""),
                                   "goedgekeurd_op": _iso(now),
                                   "verzendmoment": _iso(now if direct else moment)},
                    expect={"status": CONCEPT, "versie": state["versie"]},
                    also=(_entry(maand, now, "goedgekeurd", who, versie=state["versie"]),))
        except TransactionConditionFailed as exc:
            raise Conflict("the issue changed meanwhile; look at it again",
                           {"_body": "nieuwsbrief.fout.veranderd"}) from exc
        state = table.get(pk(maand), SK)
    elif status != GOEDGEKEURD:
        return status_view(state, planning, now)  # scheduled or sent: nothing to do
    # (again) the message that makes the consumer schedule or send: it is idempotent
    queue.send({"kind": VERSTUREN, "maand": maand, "versie": state["versie"]})
    log_event("nieuwsbrief.approved", maand=maand, versie=state["versie"], role=who.get("role"))
    return status_view(state, planning, now)


def intrekken(table: Any, mailchimp: Any, maand: str, planning: plan.Planning,
              who: Mapping[str, str], now: datetime) -> dict[str, Any]:
    """Undo an approval before the send: back to concept, the campaign unscheduled."""
    state = table.get(pk(maand), SK)
    if not state:
        raise NotFound(f"no issue for {maand}")
    if state.get("status") == VERZONDEN:
        raise Conflict("the newsletter has been sent", {"_body": "nieuwsbrief.fout.al_verzonden"})
    if state.get("status") == CONCEPT:
        # a withdrawal that died before its unschedule: asked again, it finishes the job
        if state.get("campaign_id") and state.get("ingetrokken_op"):
            _unschedule(table, mailchimp, maand, state["campaign_id"], now)
        return status_view(state, planning, now)
    for status in (GOEDGEKEURD, GEPLAND):
        try:
            _update(table, maand, {"status": CONCEPT, "ingetrokken_op": _iso(now)},
                    expect={"status": status},
                    remove=("verzendmoment", "goedgekeurd_door", "goedgekeurd_op"),
                    also=(_entry(maand, now, "ingetrokken", who, versie=state.get("versie")),))
            break
        except TransactionConditionFailed:
            continue
    else:
        return intrekken(table, mailchimp, maand, planning, who, now)  # it moved on: decide again
    _unschedule(table, mailchimp, maand, state["campaign_id"], now)
    log_event("nieuwsbrief.withdrawn", maand=maand, role=who.get("role"))
    return status_view(table.get(pk(maand), SK), planning, now)


# --- send ---------------------------------------------------------------------------------

def versturen(table: Any, mailchimp: Any, message: Mapping[str, Any], now: datetime) -> str:
    """The consumer: schedule or send an approved issue, at most once."""
    maand = str(message["maand"])
    state = table.get(pk(maand), SK)
    if state and state.get("status") == VERZONDEN:  # redelivered: finish what a crash left
        _sent(table, maand, now)
        return VERZONDEN
    if not state or state.get("status") != GOEDGEKEURD:
        log_event("nieuwsbrief.send_skipped", maand=maand, status=(state or {}).get("status"))
        return "skipped"
    campaign_id = state["campaign_id"]
    if state.get("mailchimp_versie") != state.get("versie"):  # a crash before the content
        mailchimp.set_content(campaign_id, html=unpack(state, "html"),
                              plain_text=unpack(state, "tekst"))
    moment = _time(state["verzendmoment"])
    if now >= moment:
        result = mailchimp.send(campaign_id)
    else:
        result = mailchimp.schedule(campaign_id, moment)
    new = VERZONDEN if result in ("sent", "sending") else GEPLAND
    try:
        _update(table, maand, {"status": new}, expect={"status": GOEDGEKEURD})
    except TransactionConditionFailed:
        # withdrawn while we scheduled: honour the withdrawal (a sent campaign cannot be undone)
        if new == GEPLAND:
            mailchimp.unschedule(campaign_id)
            log_event("nieuwsbrief.withdrawal_won", maand=maand)
            return "withdrawn"
    if new == VERZONDEN:
        _sent(table, maand, now)
    log_event("nieuwsbrief.scheduled" if new == GEPLAND else "nieuwsbrief.sent", maand=maand,
              campaign_id=campaign_id)
    return new


def _unschedule(table: Any, mailchimp: Any, maand: str, campaign_id: str, now: datetime) -> None:
    """The campaign back to a draft (idempotent: ``unschedule`` reads its status first)."""
    try:
        mailchimp.unschedule(campaign_id)
    except MailchimpError:
        if _mark_sent_if_so(table, mailchimp, maand, now):
            raise Conflict("the newsletter has just been sent",
                           {"_body": "nieuwsbrief.fout.al_verzonden"}) from None
        raise


def _sent(table: Any, maand: str, now: datetime) -> None:
    """Sent: into the archive (the index), the plan's goal recorded; each once."""
    from functions.doelen import voortgang

    state = table.get(pk(maand), SK) or {}
    if not state.get("verzonden_op"):
        try:
            _update(table, maand, {"status": VERZONDEN, "verzonden_op": _iso(now),
                                   "gsi1pk": ARCHIVE_INDEX, "gsi1sk": maand}, expect={},
                    unless=("verzonden_op",),
                    also=(_entry(maand, now, "verzonden", {"name": "mailchimp", "role": "systeem"}),))
        except TransactionConditionFailed:
            pass  # another run (the schedule, a redelivery) just did
        state = table.get(pk(maand), SK) or state
    # the goal entry dated by the send itself, whenever a retry records it
    voortgang.record_newsletter(table, maand, _time(state.get("verzonden_op") or _iso(now)))


def _mark_sent_if_so(table: Any, mailchimp: Any, maand: str, now: datetime) -> bool:
    state = table.get(pk(maand), SK) or {}
    if not state.get("campaign_id"):
        return False
    if mailchimp.get_campaign(state["campaign_id"]).get("status") in ("sent", "sending"):
        _sent(table, maand, now)
        return True
    return False


# --- the daily schedule -------------------------------------------------------------------

def dagelijks(table: Any, mailchimp: Any, queue: Any, planning: plan.Planning,
              now: datetime) -> dict[str, Any]:
    """Queue the compilation that is due (once: only when the issue does not exist yet), send
    again what was approved but not yet handed to Mailchimp, and archive what Mailchimp sent."""
    done: dict[str, Any] = {}
    due = planning.compile_due(now)
    if due and table.get(pk(due), SK) is None:
        queue.send({"kind": SAMENSTELLEN, "maand": due, "verzoek": f"schema-{due}"})
        done["samenstellen"] = due
    local = now.astimezone(planning.tz).date()
    this_month = f"{local.year:04d}-{local.month:02d}"
    for maand in (this_month, plan.volgende_maand(local)):
        state = table.get(pk(maand), SK)
        if not state:
            continue
        if state.get("status") == GOEDGEKEURD:
            queue.send({"kind": VERSTUREN, "maand": maand, "versie": state.get("versie")})
            done.setdefault("versturen", []).append(maand)
        elif state.get("status") == GEPLAND and _time(state["verzendmoment"]) <= now:
            if _mark_sent_if_so(table, mailchimp, maand, now):
                done.setdefault("verzonden", []).append(maand)
    log_event("nieuwsbrief.daily", **{k: v for k, v in done.items()})
    return done


# --- views --------------------------------------------------------------------------------

def status_view(state: Mapping[str, Any], planning: plan.Planning, now: datetime) -> dict[str, Any]:
    maand = state["maand"]
    moment = planning.verstuurmoment(maand)
    status = state.get("status")
    compiled = bool(state.get("campaign_id")) and int(state.get("versie") or 0) > 0
    test_mail = compiled and state.get("mailchimp_versie") == state.get("versie")
    # version 0: the item exists, its first compile is under way; no version to show yet
    return {"maand": maand, "status": status, "versie": state.get("versie") or None,
            "campaign_id": state.get("campaign_id"),
            "samengesteld_op": state.get("samengesteld_op"),
            "samengesteld_door": state.get("samengesteld_door"),
            "testmail_verstuurd": state.get("mailchimp_versie") == state.get("versie"),
            "testmail_versie": state.get("mailchimp_versie"),  # the last version Mailchimp has
            # stored, but its content not yet in Mailchimp (the compile is finishing)
            "wordt_samengesteld": status == CONCEPT and compiled and not test_mail,
            "mogelijk": mogelijk(status, test_mail),
            "goedgekeurd_door": state.get("goedgekeurd_door"),
            "goedgekeurd_op": state.get("goedgekeurd_op"),
            "verzendmoment": state.get("verzendmoment") or _iso(moment),
            "verzonden_op": state.get("verzonden_op"),
            # the send day came and nobody approved: nothing was sent (the board sees this)
            "te_laat": status == CONCEPT and now >= moment}


def mogelijk(status: str | None, test_mail: bool = False) -> dict[str, bool]:
    """What may be done with an issue in ``status`` (the rules of the functions above), for
    a page that offers only those actions."""
    concept = status in (None, GEEN, CONCEPT)
    return {"samenstellen": concept, "goedkeuren": status == CONCEPT and test_mail,
            "intrekken": status in (GOEDGEKEURD, GEPLAND), "artikelen": concept}


def status(table: Any, maand: str, planning: plan.Planning, now: datetime) -> dict[str, Any]:
    state = table.get(pk(maand), SK)
    if not state:
        moment = planning.verstuurmoment(maand)
        return {"maand": maand, "status": GEEN, "versie": None, "testmail_versie": None,
                "verzendmoment": _iso(moment),
                "te_laat": now >= moment, "wordt_samengesteld": False,
                "mogelijk": mogelijk(GEEN)}
    return status_view(state, planning, now)


def geschiedenis(table: Any, maand: str) -> list[dict[str, Any]]:
    """The issue's history, oldest first: compiled (each version), approved (which version),
    withdrawn, sent; who (a token's name, or the schedule) and when."""
    items, _ = table.query(pk(maand), sk_prefix="HIST#")
    return [{"at": i["at"], "action": i["action"], "who": i.get("who") or None,
             "role": i.get("role") or None, "versie": i.get("versie")}
            for i in sorted(items, key=_in_order)]


# an issue's life in order: entries of the same second (their times have whole seconds) sort so
_ACTION_ORDER = ("samengesteld", "goedgekeurd", "ingetrokken", "verzonden")


def _in_order(item: Mapping[str, Any]) -> tuple[str, int, int]:
    action = str(item.get("action"))
    rank = _ACTION_ORDER.index(action) if action in _ACTION_ORDER else len(_ACTION_ORDER)
    return str(item.get("at")), int(item.get("versie") or 0), rank


def verzonden(table: Any) -> list[dict[str, Any]]:
    """The archive: every sent issue, newest first (no content)."""
    items, _ = table.query(ARCHIVE_INDEX, index="gsi1", descending=True)
    return [{"maand": i["maand"], "onderwerp": i.get("onderwerp"), "preview": i.get("preview"),
             "verzonden_op": i.get("verzonden_op")} for i in items if i.get("sk") == SK]


def archief(table: Any, maand: str) -> dict[str, Any]:
    """One sent issue as it went out (the archive rendering: no merge tags, nothing personal)."""
    plan.parse_maand(maand)
    state = table.get(pk(maand), SK)
    if not state or state.get("status") != VERZONDEN:
        raise NotFound(f"no sent newsletter for {maand}")
    return {"maand": maand, "onderwerp": state["onderwerp"],
            "archief_html": unpack(state, "archief_html"), "verzonden_op": state.get("verzonden_op")}


def opgeslagen(table: Any, maand: str) -> Mapping[str, Any] | None:
    return table.get(pk(maand), SK)
