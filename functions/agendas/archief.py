"""The agenda archive: uploads in, the manifest chain, the public and the board's views.

Flow (docs/agendas.md):
1. ``ontvang`` (a direct PUT) validates everything, writes the upload item, then puts the
   file in the upload bucket; ``upload_aanvragen`` writes the upload item and hands out a
   presigned POST for a large PDF. Either answers before anything is archived.
2. The upload bucket's notification reaches ``verwerk_bericht`` through SQS (``s3:TestEvent``
   skipped). ``verwerk_upload`` validates the file again, stores it in the locked archive
   bucket, and in **one transaction** appends the manifest entry (chain), moves the chain
   head, marks the upload done, writes the version with its rendered public view, the
   date's index item, and the kalender's ``AGENDA#<D>``/``PUBLIC`` marker.
   Idempotent on the upload id: the transaction is conditioned on the upload not being
   done yet, and a version a crashed run already stored is found again by its
   ``upload-id`` metadata instead of being stored twice.
3. Reads (``lijst``, ``document``, ``versies``, ``gearchiveerd_tussen``) use the table only;
   the board's full view and PDF links read the archive.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
import zlib
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable, Mapping
from urllib.parse import unquote_plus

from functions.adapters.dynamo import Table, TransactionConditionFailed, TxDelete, TxPut, TxUpdate
from functions.agendas import besloten, manifest, stukken
from functions.agendas.stukken import AGENDA, MARKDOWN, PDF
from functions.errors import AlreadyExists, BadRequest, NotFound, ValidationError
from functions.fields import FLAG, TEXT
from functions.logs import log_event

INDEX_PK = "AGENDAS"
GSI_PUBLIC = "AGENDAS#OPENBAAR"
UPLOAD_SK = "UPLOAD"
PUBLIC_SK = "PUBLIC"
UPLOAD_DAYS = 90          # the upload item (with the uploader's name) is removed by TTL after this
PRESIGN_SECONDS = 15 * 60
APPEND_ATTEMPTS = 8
ONTVANGEN, OPGENOMEN, GEWEIGERD = "ontvangen", "opgenomen", "geweigerd"


def upload_pk(upload_id: str) -> str:
    return f"UPLOAD#{upload_id}"


def doc_pk(datum: str) -> str:
    return f"AGENDA#{datum}"


def version_sk(stuk: str, seq: int) -> str:
    return f"STUK#{stuk}#{seq:08d}"


def _pack(text: str) -> str:
    return base64.b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")


def unpack(value: str | None) -> str:
    return zlib.decompress(base64.b64decode(value)).decode("utf-8") if value else ""


# --- 1. uploads ---------------------------------------------------------------------------

def ontvang(table: Table, archive: Any, *, datum_raw: str, stuk: str, body: bytes,
            headers: Mapping[str, str], query: Mapping[str, str], principal: Mapping[str, str],
            now: datetime) -> dict[str, Any]:
    """A direct upload (Markdown or a PDF up to 4 MiB): checked completely, then staged.
    Nothing is written when anything is wrong."""
    datum = stukken.parse_datum(datum_raw)
    stukken.check_upload_date(datum, now.date())
    stuk = stukken.parse_stuk(stuk)
    content_type = stukken.content_type_of(headers)
    stukken.check_size(len(body), content_type)
    info: dict[str, Any] = {}
    if content_type == MARKDOWN:
        split = besloten.split(stukken.markdown_text(body))
        info = {"besloten": list(split.closed), "waarschuwingen": list(split.warnings)}
    else:
        stukken.check_pdf(body)
    openbaar = stukken.parse_openbaar(query.get("openbaar") or None, content_type)
    titel = stukken.parse_titel(query.get("titel"))
    sha = hashlib.sha256(body).hexdigest()
    item = _upload_item(datum, stuk, content_type, openbaar, titel, principal, now, "direct",
                        stukken.limit_for(content_type), sha)
    table.put(item, if_new=True)
    archive.stage(item["upload_id"], body, content_type)
    log_event("agendas.upload_received", upload_id=item["upload_id"], stuk=stuk,
              content_type=content_type, size=len(body))
    return {**_receipt(item), "grootte": len(body), **info}


UPLOAD_FIELDS = {"stuk": TEXT, "openbaar": FLAG, "titel": TEXT}


def upload_aanvragen(table: Table, archive: Any, *, datum_raw: str, form: Any,
                     principal: Mapping[str, str], now: datetime) -> dict[str, Any]:
    """A presigned POST for a PDF larger than a direct PUT takes (up to 50 MiB)."""
    datum = stukken.parse_datum(datum_raw)
    stukken.check_upload_date(datum, now.date())
    stuk = stukken.parse_stuk(form.first("stuk", AGENDA) or AGENDA)
    if "openbaar" not in form:
        raise ValidationError({"openbaar": "agendas.fout.openbaar_verplicht"})
    openbaar = form.flag("openbaar")
    titel = stukken.parse_titel(form.first("titel"))
    item = _upload_item(datum, stuk, PDF, openbaar, titel, principal, now, "presigned",
                        stukken.MAX_PDF_UPLOAD, None)
    post = archive.presigned_upload(item["upload_id"], PDF, stukken.MAX_PDF_UPLOAD, PRESIGN_SECONDS)
    table.put(item, if_new=True)
    log_event("agendas.upload_presigned", upload_id=item["upload_id"], stuk=stuk)
    return {**_receipt(item), "upload": {"url": post["url"], "fields": post["fields"],
                                         "max_bytes": stukken.MAX_PDF_UPLOAD,
                                         "verloopt_op": stukken.iso(now + timedelta(seconds=PRESIGN_SECONDS))}}


def _upload_item(datum: date, stuk: str, content_type: str, openbaar: bool, titel: str,
                 principal: Mapping[str, str], now: datetime, manier: str, max_bytes: int,
                 sha: str | None) -> dict[str, Any]:
    upload_id = secrets.token_hex(16)
    return {"pk": upload_pk(upload_id), "sk": UPLOAD_SK, "upload_id": upload_id,
            "datum": datum.isoformat(), "stuk": stuk, "content_type": content_type,
            "openbaar": openbaar, "titel": titel or None, "uploader": str(principal.get("name") or ""),
            "token_id": str(principal.get("token_id") or ""), "manier": manier,
            "max_bytes": max_bytes, "sha256": sha, "status": ONTVANGEN,
            "ontvangen_op": stukken.iso(now),
            "expires_at": int((now + timedelta(days=UPLOAD_DAYS)).timestamp())}


def _receipt(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"upload_id": item["upload_id"], "datum": item["datum"], "stuk": item["stuk"],
            "status": item["status"], "content_type": item["content_type"],
            "openbaar": item["openbaar"], "sha256": item.get("sha256"),
            "status_url": f"/agendas/{item['datum']}/uploads/{item['upload_id']}",
            "pad": stukken.pad(item["datum"], item["stuk"])}


def upload_status(table: Table, datum_raw: str, upload_id_raw: str) -> dict[str, Any]:
    datum = stukken.parse_datum(datum_raw).isoformat()
    upload_id = stukken.parse_upload_id(upload_id_raw)
    item = table.get(upload_pk(upload_id), UPLOAD_SK)
    if not item or item.get("datum") != datum:
        raise NotFound("no such upload")
    out = _receipt(item)
    out.update({k: item.get(k) for k in ("reden", "seq", "versie", "afgehandeld_op", "hash")
                if item.get(k) is not None})
    return out


# --- 2. the consumer ------------------------------------------------------------------------

def verwerk_bericht(message: Mapping[str, Any], table: Table, archive: Any,
                    now: datetime) -> list[str]:
    """One SQS message from the upload bucket's notification: every created object in it."""
    if message.get("Event") == "s3:TestEvent":
        log_event("agendas.s3_test_event_skipped")
        return []
    outcomes = []
    for record in message.get("Records") or []:
        if not str(record.get("eventName", "")).startswith("ObjectCreated:"):
            continue
        key = unquote_plus(str(((record.get("s3") or {}).get("object") or {}).get("key") or ""))
        upload_id = stukken.upload_id_of_key(key)
        if upload_id is None:
            log_event("agendas.upload_key_ignored")
            continue
        outcomes.append(verwerk_upload(upload_id, table, archive, now))
    return outcomes


def verwerk_upload(upload_id: str, table: Table, archive: Any, now: datetime) -> str:
    """Validate, archive and record one upload, at most once. Returns the upload's status."""
    item = table.get(upload_pk(upload_id), UPLOAD_SK)
    if item is None:
        log_event("agendas.upload_unknown", upload_id=upload_id)
        return "onbekend"
    if item.get("status") != ONTVANGEN:
        log_event("agendas.upload_already_done", upload_id=upload_id, status=item.get("status"))
        return str(item.get("status"))
    staged = archive.read_staged(upload_id, int(item["max_bytes"]))
    try:
        body, text = _valid(item, staged)
    except BadRequest as exc:
        return _weiger(table, item, str(exc), now)
    sha = hashlib.sha256(body).hexdigest()
    datum = stukken.parse_datum(item["datum"])
    key = stukken.archive_key(datum, item["stuk"], item["content_type"])
    version_id = archive.find_version(key, upload_id) or archive.store(
        key, body, item["content_type"], sha, {"upload-id": upload_id, "sha256": sha})
    view = _view(item, datum, text)
    return _append(table, item, key, version_id, sha, len(body), view, now)


def _valid(item: Mapping[str, Any], staged: Any) -> tuple[bytes, str | None]:
    if staged is None:
        raise BadRequest("bestand niet gevonden / file not found in the upload bucket")
    if staged.body is None:
        raise BadRequest(f"te groot / too large: {staged.size} bytes")
    content_type = (staged.content_type or "").split(";")[0].strip().lower()
    if content_type != item["content_type"]:
        raise BadRequest(f"verkeerd type / wrong content type {content_type!r}")
    body = staged.body
    stukken.check_size(len(body), item["content_type"], presigned=item.get("manier") == "presigned")
    if item.get("sha256") and hashlib.sha256(body).hexdigest() != item["sha256"]:
        raise BadRequest("inhoud gewijzigd / content differs from the upload")
    if item["content_type"] == MARKDOWN:
        return body, stukken.markdown_text(body)
    stukken.check_pdf(body)
    return body, None


def _weiger(table: Table, item: Mapping[str, Any], reden: str, now: datetime) -> str:
    try:
        table.transact_write([TxUpdate(upload_pk(item["upload_id"]), UPLOAD_SK,
                                       set={"status": GEWEIGERD, "reden": reden,
                                            "afgehandeld_op": stukken.iso(now)},
                                       unless=("afgehandeld_op",))])
    except TransactionConditionFailed:
        pass  # done by another delivery
    log_event("agendas.upload_rejected", upload_id=item["upload_id"])
    return GEWEIGERD


def _view(item: Mapping[str, Any], datum: date, text: str | None) -> dict[str, Any]:
    """The rendered public view of a version (only what the public may see)."""
    from functions import markdown

    titel = item.get("titel") or ""
    view: dict[str, Any] = {"besloten_delen": 0}
    if text is not None:
        split = besloten.split(text)
        view["besloten_delen"] = len(split.closed)
        if item["openbaar"]:
            titel = titel or split.title
            view["html_z"] = _pack(markdown.to_html(split.public))
            view["md_z"] = _pack(split.public)
            view["samenvatting"] = _summary(markdown.to_text(split.public))
    view["titel"] = titel or stukken.standaard_titel(datum, item["stuk"])
    return view


def _summary(text: str, limit: int = 280) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + " …"


def _append(table: Table, item: Mapping[str, Any], key: str, version_id: str, sha: str,
            size: int, view: Mapping[str, Any], now: datetime) -> str:
    datum, stuk, upload_id = item["datum"], item["stuk"], item["upload_id"]
    for _ in range(APPEND_ATTEMPTS):
        head = table.get(manifest.PK, manifest.HEAD_SK) or {"seq": 0, "hash": manifest.GENESIS}
        index = table.get(INDEX_PK, datum) or {"pk": INDEX_PK, "sk": datum, "datum": datum,
                                               "jaar": int(datum[:4]), "versies": 0}
        seq = int(head["seq"]) + 1
        versie = int((index.get(stuk) or {}).get("versie", 0)) + 1
        recorded = stukken.iso(now)
        entry = manifest.new_entry(
            seq, str(head["hash"]), sleutel=key, versie_id=version_id, sha256=sha, grootte=size,
            content_type=item["content_type"], datum=datum, stuk=stuk, openbaar=bool(item["openbaar"]),
            titel=view["titel"], uploader=item["uploader"], upload_id=upload_id,
            ontvangen_op=item["ontvangen_op"], vastgelegd_op=recorded)
        version = {"pk": doc_pk(datum), "sk": version_sk(stuk, seq), "datum": datum, "stuk": stuk,
                   "seq": seq, "versie": versie, "sleutel": key, "versie_id": version_id, "sha256": sha,
                   "grootte": size, "content_type": item["content_type"], "openbaar": bool(item["openbaar"]),
                   "titel": view["titel"], "uploader": item["uploader"], "vastgelegd_op": recorded,
                   "hash": entry["hash"], "besloten_delen": view["besloten_delen"],
                   "html_z": view.get("html_z"), "md_z": view.get("md_z"),
                   "samenvatting": view.get("samenvatting")}
        if item["openbaar"]:
            version.update({"gsi1pk": GSI_PUBLIC, "gsi1sk": f"{recorded}#{seq:08d}"})
        index = {**index, stuk: {"seq": seq, "versie": versie, "openbaar": bool(item["openbaar"]),
                                 "titel": view["titel"], "content_type": item["content_type"],
                                 "vastgelegd_op": recorded},
                 "versies": int(index.get("versies", 0)) + 1, "bijgewerkt_op": recorded}
        actions: list[Any] = [
            TxPut({"pk": manifest.PK, "sk": manifest.entry_sk(seq), **entry}, if_new=True),
            TxPut({"pk": manifest.PK, "sk": manifest.HEAD_SK, "seq": seq, "hash": entry["hash"],
                   "bijgewerkt_op": recorded}),
            TxUpdate(upload_pk(upload_id), UPLOAD_SK,
                     set={"status": OPGENOMEN, "seq": seq, "versie": versie, "hash": entry["hash"],
                          "afgehandeld_op": recorded, "sha256": sha},
                     unless=("afgehandeld_op",)),
            TxPut(version, if_new=True),
            TxPut(index),
        ]
        if stuk == AGENDA:  # the kalender's invitation looks for this (contract 1)
            actions.append(TxPut({"pk": doc_pk(datum), "sk": PUBLIC_SK, "datum": datum, "seq": seq,
                                  "versie": versie, "titel": view["titel"], "pad": stukken.pad(datum, AGENDA),
                                  "vastgelegd_op": recorded}) if item["openbaar"]
                           else TxDelete(doc_pk(datum), PUBLIC_SK))
        try:
            table.transact_write(actions)
        except TransactionConditionFailed as exc:
            if 2 in exc.failed:
                log_event("agendas.upload_already_done", upload_id=upload_id)
                return OPGENOMEN
            continue  # another upload took this seq: read the head again
        log_event("agendas.version_recorded", upload_id=upload_id, seq=seq, stuk=stuk, versie=versie)
        return OPGENOMEN
    raise AlreadyExists("manifest head kept moving; the message will be retried")


# --- 3. reads -------------------------------------------------------------------------------

PUBLIC_FIELDS = ("datum", "stuk", "versie", "seq", "titel", "openbaar", "content_type", "sha256",
                 "grootte", "vastgelegd_op", "hash", "besloten_delen")


def _index_items(table: Table) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    start = None
    while True:
        page, start = table.query(INDEX_PK, limit=200, start_after=start)
        items.extend(page)
        if not start:
            return items


def lijst(table: Table, jaar_raw: str | None = None) -> dict[str, Any]:
    """Every meeting with archived documents, newest first, grouped by year."""
    jaar = None
    if jaar_raw:
        if not (len(jaar_raw) == 4 and jaar_raw.isascii() and jaar_raw.isdigit()):
            raise ValidationError({"jaar": "agendas.fout.jaar"})
        jaar = int(jaar_raw)
    years: dict[int, list[dict[str, Any]]] = {}
    for item in sorted(_index_items(table), key=lambda i: i["sk"], reverse=True):
        if jaar is not None and int(item["jaar"]) != jaar:
            continue
        docs = [{"stuk": s, "titel": item[s]["titel"], "openbaar": bool(item[s]["openbaar"]),
                 "versies": int(item[s]["versie"]), "pad": stukken.pad(item["datum"], s),
                 "content_type": item[s]["content_type"], "vastgelegd_op": item[s]["vastgelegd_op"]}
                for s in stukken.STUKKEN if item.get(s)]
        years.setdefault(int(item["jaar"]), []).append(
            {"datum": item["datum"], "lange_datum": stukken.lange_datum(date.fromisoformat(item["datum"])),
             "stukken": docs, "versies_pad": f"/agendas/{item['datum']}/versies"})
    return {"jaren": [{"jaar": y, "vergaderingen": years[y]} for y in sorted(years, reverse=True)],
            "jaar": jaar}


def _versions(table: Table, datum: str, stuk: str | None = None) -> list[dict[str, Any]]:
    items, _ = table.query(doc_pk(datum), sk_prefix=f"STUK#{stuk}#" if stuk else "STUK#")
    return sorted(items, key=lambda i: int(i["seq"]))


def _pick(table: Table, datum_raw: str, stuk: str, versie_raw: str | None) -> tuple[dict, dict]:
    """(the index entry of the document, the chosen version item)."""
    datum = stukken.parse_datum(datum_raw).isoformat()
    stuk = stukken.parse_stuk(stuk)
    index = table.get(INDEX_PK, datum)
    if not index or not index.get(stuk):
        raise NotFound(f"no {stuk} for {datum}")
    current = index[stuk]
    if versie_raw:
        if not (versie_raw.isascii() and versie_raw.isdigit() and 0 < int(versie_raw) <= 100000):
            raise ValidationError({"versie": "agendas.fout.versie"})
        chosen = next((v for v in _versions(table, datum, stuk) if int(v["versie"]) == int(versie_raw)), None)
        if chosen is None:
            raise NotFound(f"no version {versie_raw}")
    else:
        chosen = table.get(doc_pk(datum), version_sk(stuk, int(current["seq"])))
        if chosen is None:
            raise NotFound("version item missing")
    return current, chosen


def document(table: Table, datum_raw: str, stuk: str, versie_raw: str | None = None) -> dict[str, Any]:
    """What the public sees of one document: its content only if this version is public and
    the newest version is public too (a document made board-only hides its older versions)."""
    current, chosen = _pick(table, datum_raw, stuk, versie_raw)
    visible = bool(chosen["openbaar"]) and bool(current["openbaar"])
    out = {k: chosen.get(k) for k in PUBLIC_FIELDS}
    out.update({"nieuwste_versie": int(current["versie"]), "zichtbaar": visible,
                "vastgelegd_label": stukken.tijd_label(chosen["vastgelegd_op"]),
                "pad": stukken.pad(chosen["datum"], chosen["stuk"]),
                "versies_pad": f"/agendas/{chosen['datum']}/versies",
                "lange_datum": stukken.lange_datum(date.fromisoformat(chosen["datum"]))})
    if visible and chosen["content_type"] == MARKDOWN:
        out["html"] = unpack(chosen.get("html_z"))
        out["markdown"] = unpack(chosen.get("md_z"))
    if visible and chosen["content_type"] == PDF:
        out["bestand_pad"] = f"/agendas/{chosen['datum']}/bestand?stuk={chosen['stuk']}&versie={chosen['versie']}"
    return out


def bestand(table: Table, archive: Any, datum_raw: str, stuk: str, versie_raw: str | None) -> dict[str, Any]:
    """The public file of a version: its public Markdown, or a short-lived link to the PDF."""
    current, chosen = _pick(table, datum_raw, stuk, versie_raw)
    if not (chosen["openbaar"] and current["openbaar"]):
        raise NotFound("not public")
    name = f"{chosen['stuk']}-{chosen['datum']}-v{chosen['versie']}"
    if chosen["content_type"] == MARKDOWN:
        return {"markdown": unpack(chosen.get("md_z")), "bestandsnaam": name + ".md"}
    return {"url": archive.download_url(chosen["sleutel"], chosen["versie_id"], PDF, name + ".pdf")}


def volledig(table: Table, archive: Any, datum_raw: str, stuk: str,
             versie_raw: str | None = None) -> dict[str, Any]:
    """The board's view: everything, besloten parts included, read from the archive itself."""
    from functions import markdown

    current, chosen = _pick(table, datum_raw, stuk, versie_raw)
    out = {k: chosen.get(k) for k in PUBLIC_FIELDS}
    out.update({"uploader": chosen.get("uploader"), "nieuwste_versie": int(current["versie"]),
                "vastgelegd_label": stukken.tijd_label(chosen["vastgelegd_op"]),
                "lange_datum": stukken.lange_datum(date.fromisoformat(chosen["datum"])),
                "pad": stukken.pad(chosen["datum"], chosen["stuk"])})
    name = f"{chosen['stuk']}-{chosen['datum']}-v{chosen['versie']}"
    if chosen["content_type"] == MARKDOWN:
        text = archive.read(chosen["sleutel"], chosen["versie_id"]).decode("utf-8")
        split = besloten.split(text)
        out.update({"markdown": text, "html": markdown.to_html(text), "besloten": list(split.closed),
                    "waarschuwingen": list(split.warnings)})
    else:
        out["download_url"] = archive.download_url(chosen["sleutel"], chosen["versie_id"], PDF, name + ".pdf")
    return out


def versies(table: Table, datum_raw: str) -> dict[str, Any]:
    """Every version of every document of a meeting: sha256, time, manifest hash (public)."""
    datum = stukken.parse_datum(datum_raw).isoformat()
    items = _versions(table, datum)
    if not items:
        raise NotFound(f"nothing archived for {datum}")
    return {"datum": datum, "lange_datum": stukken.lange_datum(date.fromisoformat(datum)),
            "versies": [{**{k: v.get(k) for k in PUBLIC_FIELDS}, "pad": stukken.pad(datum, v["stuk"]),
                         "vastgelegd_label": stukken.tijd_label(v["vastgelegd_op"])} for v in items]}


def vorige_vergadering(table: Table, datum: date) -> dict[str, Any] | None:
    """The index item of the latest archived meeting before ``datum`` (its documents)."""
    earlier = [i for i in _index_items(table) if i["sk"] < datum.isoformat()]
    return max(earlier, key=lambda i: i["sk"]) if earlier else None


def gearchiveerd_tussen(table: Table, since: datetime, until: datetime, *, base_url: str = "",
                        soorten: Iterable[str] = (AGENDA, stukken.BESLUITENLIJST)) -> list[dict[str, Any]]:
    """Every public version archived in [since, until), oldest first, for the newsletter:
    date, kind, title, version and public URL. Never any content (so never a besloten part);
    a document whose newest version is board-only is left out entirely."""
    lo, hi = stukken.iso(since), stukken.iso(until)
    wanted = set(soorten)
    rows: list[dict[str, Any]] = []
    indexes: dict[str, dict[str, Any] | None] = {}
    start = None
    while True:
        items, start = table.query(GSI_PUBLIC, index="gsi1", limit=100, start_after=start,
                                   descending=True)
        for item in items:
            recorded = str(item["vastgelegd_op"])
            if recorded < lo:
                start = None
                break
            if recorded >= hi or item["stuk"] not in wanted:
                continue
            if item["datum"] not in indexes:
                indexes[item["datum"]] = table.get(INDEX_PK, item["datum"])
            current = (indexes[item["datum"]] or {}).get(item["stuk"]) or {}
            if not current.get("openbaar"):
                continue
            path = stukken.pad(item["datum"], item["stuk"])
            rows.append({"datum": item["datum"], "stuk": item["stuk"], "titel": item["titel"],
                         "versie": int(item["versie"]), "nieuwste": int(current["versie"]) == int(item["versie"]),
                         "vastgelegd_op": recorded, "pad": path, "url": base_url.rstrip("/") + path})
        if not start:
            break
    return sorted(rows, key=lambda r: (r["vastgelegd_op"], r["datum"], r["stuk"]))


def recent(table: Table, limit: int = 30) -> list[dict[str, Any]]:
    """The newest public versions (for the Atom feed): title, link, time, a public summary."""
    items, _ = table.query(GSI_PUBLIC, index="gsi1", limit=limit, descending=True)
    out = []
    indexes: dict[str, Any] = {}
    for item in items:
        if item["datum"] not in indexes:
            indexes[item["datum"]] = table.get(INDEX_PK, item["datum"]) or {}
        if not (indexes[item["datum"]].get(item["stuk"]) or {}).get("openbaar"):
            continue  # made board-only later: its older public versions leave the feed too
        out.append({"datum": item["datum"], "stuk": item["stuk"], "titel": item["titel"],
                    "versie": int(item["versie"]), "seq": int(item["seq"]),
                    "vastgelegd_op": item["vastgelegd_op"], "sha256": item["sha256"],
                    "samenvatting": item.get("samenvatting") or "",
                    "pad": stukken.pad(item["datum"], item["stuk"])})
    return out[:limit]


def now_utc() -> datetime:
    return datetime.now(timezone.utc)
