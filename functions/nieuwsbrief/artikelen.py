"""Articles of werkgroep Communicatie for one month's newsletter (roles communicatie, bestuur).

Markdown, rendered to sanitised HTML and plain text by the shared renderer
(functions/markdown.py) when the issue is compiled. Items ``NIEUWSBRIEF#<maand>`` /
``ARTIKEL#<id>``: titel, tekst (the Markdown as written), volgorde, who/role/at of the last
change. Once the month's issue is approved, its articles are fixed (409).
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone
from typing import Any, Mapping

from functions import fields as kinds
from functions.errors import Conflict, NotFound, ValidationError
from functions.logs import log_event

FIELDS = {"titel": kinds.TEXT, "tekst": kinds.TEXT, "volgorde": kinds.INTEGER}
MAX_TITEL = 150
MAX_TEKST = 12_000  # characters of Markdown; a long article is ~5,000
MAX_PER_MAAND = 12   # with MAX_TEKST: an issue stays far below DynamoDB's 400 KB an item
MAX_BODY = 96 * 1024  # 12,000 characters of 4-byte UTF-8 as JSON, and the title
_ID_RE = re.compile(r"^[a-f0-9]{12}$")


def _pk(maand: str) -> str:
    return f"NIEUWSBRIEF#{maand}"


def _iso(now: datetime) -> str:
    return now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or ch >= " ").strip()


def parse(form: Any, *, partial: bool = False) -> dict[str, Any]:
    """``titel`` (1-150), ``tekst`` (Markdown, 1-20,000 characters), ``volgorde`` (0-99,
    default 50). ``partial``: only what is sent is checked (a change)."""
    problems: dict[str, str] = {}
    out: dict[str, Any] = {}
    if not partial or "titel" in form:
        titel = " ".join(form.first("titel").split())
        if not titel:
            problems["titel"] = "nieuwsbrief.fout.titel"
        elif len(titel) > MAX_TITEL:
            problems["titel"] = "error.too_long"
        out["titel"] = titel
    if not partial or "tekst" in form:
        tekst = _clean(form.first("tekst"))
        if not tekst:
            problems["tekst"] = "nieuwsbrief.fout.tekst"
        elif len(tekst) > MAX_TEKST:
            problems["tekst"] = "nieuwsbrief.fout.tekst_te_lang"
        out["tekst"] = tekst
    raw = form.first("volgorde")
    if raw or not partial:
        volgorde = int(raw) if raw else 50
        if not 0 <= volgorde <= 99:
            problems["volgorde"] = "nieuwsbrief.fout.volgorde"
        out["volgorde"] = volgorde
    if partial and not out:
        problems["_body"] = "nieuwsbrief.fout.niets"
    if problems:
        raise ValidationError(problems)
    return out


def bewerkbaar(table: Any, maand: str) -> bool:
    """Whether the month's articles may change: until its issue is approved."""
    state = table.get(_pk(maand), "UITGAVE")
    return not state or state.get("status") in (None, "concept")


def _editable(table: Any, maand: str) -> None:
    if not bewerkbaar(table, maand):
        raise Conflict(f"the issue of {maand} is approved or sent: its articles are fixed",
                       {"_body": "nieuwsbrief.fout.artikelen_vast"})


def lijst(table: Any, maand: str) -> list[dict[str, Any]]:
    """The month's articles in their order (volgorde, then when they were added)."""
    items, _ = table.query(_pk(maand), sk_prefix="ARTIKEL#")
    return sorted((view(i) for i in items), key=lambda a: (a["volgorde"], a["toegevoegd"]))


def view(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": item["id"], "titel": item["titel"], "tekst": item["tekst"],
            "volgorde": int(item.get("volgorde", 50)), "toegevoegd": item["toegevoegd"],
            "gewijzigd": item.get("gewijzigd"), "door": item.get("who")}


def toevoegen(table: Any, maand: str, data: Mapping[str, Any], principal: Mapping[str, str],
              now: datetime) -> dict[str, Any]:
    _editable(table, maand)
    if len(lijst(table, maand)) >= MAX_PER_MAAND:
        raise Conflict(f"at most {MAX_PER_MAAND} articles per issue",
                       {"_body": "nieuwsbrief.fout.te_veel_artikelen"})
    article_id = secrets.token_hex(6)
    item = {"pk": _pk(maand), "sk": f"ARTIKEL#{article_id}", "id": article_id,
            "titel": data["titel"], "tekst": data["tekst"], "volgorde": data["volgorde"],
            "toegevoegd": _iso(now), "who": principal.get("name", ""),
            "role": principal.get("role", "")}
    table.put(item, if_new=True)
    log_event("nieuwsbrief.article_added", maand=maand, id=article_id, role=item["role"])
    return view(item)


def artikel(table: Any, maand: str, article_id: str) -> dict[str, Any]:
    """One article (404 when there is none with that id in that month)."""
    return view(_get(table, maand, article_id))


def _get(table: Any, maand: str, article_id: str) -> dict[str, Any]:
    if not _ID_RE.match(article_id or ""):
        raise NotFound("no such article")
    item = table.get(_pk(maand), f"ARTIKEL#{article_id}")
    if not item:
        raise NotFound("no such article")
    return item


def wijzigen(table: Any, maand: str, article_id: str, data: Mapping[str, Any],
             principal: Mapping[str, str], now: datetime) -> dict[str, Any]:
    _editable(table, maand)
    item = _get(table, maand, article_id)
    item.update(data)
    item.update(gewijzigd=_iso(now), who=principal.get("name", ""), role=principal.get("role", ""))
    table.put(item)
    log_event("nieuwsbrief.article_changed", maand=maand, id=article_id, role=item["role"])
    return view(item)


def verwijderen(table: Any, maand: str, article_id: str, principal: Mapping[str, str]
                ) -> dict[str, Any]:
    """Remove an article; returns it as it was."""
    from functions.adapters.dynamo import TxDelete

    _editable(table, maand)
    item = _get(table, maand, article_id)
    table.transact_write([TxDelete(item["pk"], item["sk"])])
    log_event("nieuwsbrief.article_removed", maand=maand, id=article_id,
              role=principal.get("role"))
    return view(item)
