"""The board's views of the archive for the beheer pages (docs/beheer.md, docs/agendas.md).

``vergaderingen``: every meeting the archive or the kalender knows (the kalender's board
meetings from ``TERUG_DAGEN`` back to ``VOORUIT_DAGEN`` ahead), each with its three
documents and what is missing. ``vergadering``: one meeting with everything the board
needs beside the upload form: each document's full text (besloten parts included) next to
what members see, and every version with who uploaded it, when, and its hashes.
``proef``: what members would see of a Markdown text, before it is uploaded.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Iterable

from functions.adapters.dynamo import Table
from functions.agendas import archief, besloten, stukken
from functions.agendas.stukken import AGENDA, MARKDOWN, STUKKEN

TERUG_DAGEN = 90    # the kalender's past board meetings in the list (a quarter: notulen catch up)
VOORUIT_DAGEN = 60  # and the coming ones (the next four in odd weeks)
AGENDA_DAGEN = 14   # a coming meeting misses its agenda from two weeks before (members plan ahead)
VERSIE_FIELDS = archief.PUBLIC_FIELDS + ("uploader",)


def verwacht(datum: str, today: date) -> tuple[str, ...]:
    """The documents a meeting should have by ``today``: a past one all three (agenda,
    notulen, besluitenlijst), a coming one within ``AGENDA_DAGEN`` its agenda, a later one none."""
    if datum < today.isoformat():
        return STUKKEN
    return (AGENDA,) if date.fromisoformat(datum) - today <= timedelta(days=AGENDA_DAGEN) else ()


def vergaderingen(table: Table, today: date,
                  gepland: Iterable[tuple[str, bool]] = ()) -> dict[str, Any]:
    """Every meeting, newest first: archived dates and the kalender's board meetings
    (``gepland``: (date, cancelled) pairs). A cancelled meeting misses nothing."""
    index = {i["datum"]: i for i in archief._index_items(table)}
    planned = dict(gepland)
    rows = []
    for datum in sorted(set(index) | set(planned), reverse=True):
        item = index.get(datum) or {}
        geannuleerd = planned.get(datum, False)
        docs = {s: _kort(item[s]) if item.get(s) else None for s in STUKKEN}
        missing = [] if geannuleerd else [s for s in verwacht(datum, today) if not docs[s]]
        rows.append({"datum": datum, "lange_datum": stukken.lange_datum(date.fromisoformat(datum)),
                     "in_kalender": datum in planned, "geannuleerd": bool(geannuleerd),
                     "komend": datum >= today.isoformat(), "stukken": docs,
                     "ontbreekt": {s: s in missing for s in STUKKEN},
                     "nog_niet": {s: not docs[s] and s not in missing for s in STUKKEN},
                     "ontbrekend": missing})
    return {"vandaag": today.isoformat(), "vergaderingen": rows,
            "ontbrekend": [{"datum": r["datum"], "lange_datum": r["lange_datum"], "stukken": r["ontbrekend"]}
                           for r in rows if r["ontbrekend"]]}


def _kort(entry: dict[str, Any]) -> dict[str, Any]:
    return {"versies": int(entry["versie"]), "openbaar": bool(entry["openbaar"]),
            "titel": entry["titel"], "pdf": entry["content_type"] != MARKDOWN,
            "vastgelegd_op": entry["vastgelegd_op"]}


def vergadering(table: Table, archive: Any, datum_raw: str) -> dict[str, Any]:
    """One meeting for the board: each document's newest version in full and as members see
    it (None for a document not uploaded yet), and every version, newest first."""
    datum = stukken.parse_datum(datum_raw).isoformat()
    index = table.get(archief.INDEX_PK, datum) or {}
    docs: dict[str, Any] = {}
    for stuk in STUKKEN:
        if not index.get(stuk):
            docs[stuk] = None
            continue
        full = archief.volledig(table, archive, datum, stuk)
        leden = archief.document(table, datum, stuk)
        full.pop("html", None)      # the page shows text, never markup
        full.pop("download_url", None)  # asked for on a click: it lives five minutes
        for lijst in ("besloten", "waarschuwingen"):  # as items: the page shows each on its own line
            full[lijst] = [{"tekst": x} for x in full.get(lijst) or []]
        docs[stuk] = {**full, "pdf": full["content_type"] != MARKDOWN, "zichtbaar": leden["zichtbaar"],
                      "leden_markdown": leden.get("markdown"),
                      "leden_bestand": leden.get("bestand_pad")}
    versies = [{**{k: v.get(k) for k in VERSIE_FIELDS}, "pdf": v["content_type"] != MARKDOWN}
               for v in reversed(archief._versions(table, datum))]
    return {"datum": datum, "lange_datum": stukken.lange_datum(date.fromisoformat(datum)),
            "stukken": docs, "versies": versies}


def proef(body: bytes) -> dict[str, Any]:
    """What an upload of this Markdown would publish: the besloten parts withheld, the
    warnings, the title, and the text members would see. Nothing is stored."""
    stukken.check_size(len(body), MARKDOWN)  # the upload's own checks, in the same order
    split = besloten.split(stukken.markdown_text(body))
    return {"besloten": list(split.closed), "waarschuwingen": list(split.warnings),
            "titel": split.title, "leden_markdown": split.public}


def geplande_vergaderingen(table: Table, now: Any) -> tuple[date, list[tuple[str, bool]]]:
    """Today in the afdeling's time zone and the kalender's board meetings around it."""
    from functions.kalender import activiteiten, gegevens

    kalender = gegevens.huidig()
    today = activiteiten.vandaag(kalender, now)
    found = activiteiten.tussen(kalender, table, today - timedelta(days=TERUG_DAGEN),
                                today + timedelta(days=VOORUIT_DAGEN + 1))
    return today, [(a.dag.isoformat(), a.geannuleerd) for a in found if a.soort == "bestuursvergadering"]
