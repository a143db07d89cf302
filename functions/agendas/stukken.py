"""What may enter the archive: the meeting date, the kind of document, its content type and
size, and the one place where an archive key is made.

No part of a key ever comes from a client except the date, and the date only after it has
been parsed into a real calendar date: ``../``, ``%2e%2e%2f``, a full-width digit or a
trailing newline cannot reach a key (docs/agendas.md).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timezone
from typing import Any, Mapping

from functions.errors import BadRequest, ValidationError

AGENDA, NOTULEN, BESLUITENLIJST = "agenda", "notulen", "besluitenlijst"
STUKKEN = (AGENDA, NOTULEN, BESLUITENLIJST)
MARKDOWN, PDF = "text/markdown", "application/pdf"
CONTENT_TYPES = (MARKDOWN, PDF)
EXTENSIONS = {MARKDOWN: "md", PDF: "pdf"}

# Size limits (docs/agendas.md). A direct PUT passes API Gateway and Lambda, whose request
# limit is 6 MB after base64 (a PDF is binary: 4/3 larger): 4 MiB fits with room to spare.
MAX_MARKDOWN = 128 * 1024            # ~80 pages of text; Markdown never needs a presigned upload
MAX_PDF_DIRECT = 4 * 1024 * 1024
MAX_PDF_UPLOAD = 50 * 1024 * 1024    # through a presigned S3 upload
MAX_TITLE = 120
EARLIEST = date(2000, 1, 1)
MAX_DAYS_AHEAD = 366

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
ARCHIVE_PREFIX = "agendas/"
STAGING_PREFIX = "uploads/"


def parse_datum(raw: Any, *, field: str = "datum") -> date:
    """A real calendar date written exactly ``YYYY-MM-DD`` (ASCII digits), else 400."""
    if not isinstance(raw, str) or not _DATE.fullmatch(raw):
        raise ValidationError({field: "agendas.fout.datum"})
    try:
        return date(int(raw[:4]), int(raw[5:7]), int(raw[8:10]))
    except ValueError as exc:
        raise ValidationError({field: "agendas.fout.datum"}) from exc


def check_upload_date(datum: date, today: date) -> None:
    """A meeting from 2000 up to a year ahead (a date further out is a typing error)."""
    if datum < EARLIEST or (datum - today).days > MAX_DAYS_AHEAD:
        raise ValidationError({"datum": "agendas.fout.datum_bereik"})


def parse_stuk(raw: Any) -> str:
    if raw not in STUKKEN:
        raise ValidationError({"stuk": "agendas.fout.stuk"})
    return str(raw)


def parse_upload_id(raw: Any) -> str:
    if not isinstance(raw, str) or not _UPLOAD_ID.fullmatch(raw):
        raise ValidationError({"upload_id": "agendas.fout.upload_id"})
    return raw


def content_type_of(headers: Mapping[str, str]) -> str:
    """``text/markdown`` or ``application/pdf`` (a charset other than UTF-8 is refused), else 415."""
    header = (headers.get("content-type") or "").strip()
    main, _, params = header.partition(";")
    main = main.strip().lower()
    if main not in CONTENT_TYPES:
        raise BadRequest(f"gebruik / use Content-Type {MARKDOWN} or {PDF}", status=415)
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8") \
                and main == MARKDOWN:
            raise BadRequest("Markdown moet UTF-8 zijn / Markdown must be UTF-8 (charset=utf-8)", status=415)
    return main


def limit_for(content_type: str, presigned: bool = False) -> int:
    if content_type == MARKDOWN:
        return MAX_MARKDOWN
    return MAX_PDF_UPLOAD if presigned else MAX_PDF_DIRECT


def check_size(size: int, content_type: str, presigned: bool = False) -> None:
    limit = limit_for(content_type, presigned)
    if size > limit:
        hint = "" if content_type == MARKDOWN or presigned else \
            "; a larger PDF goes through POST /agendas/{datum}/upload (presigned S3 upload)"
        raise BadRequest(f"te groot / too large: at most {limit} bytes{hint}", status=413)
    if size == 0:
        raise BadRequest("leeg / empty: send the document in the body")


def markdown_text(body: bytes) -> str:
    """The body as Markdown text: UTF-8, no control characters other than tab and line ends."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"geen geldige UTF-8 / not valid UTF-8 (byte {exc.start})") from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    bad = next((i for i, ch in enumerate(text) if ord(ch) < 32 and ch not in "\t\n\r"), None)
    if bad is not None:
        raise BadRequest(f"stuurteken / control character at position {bad}: Markdown is text")
    if not text.strip():
        raise BadRequest("leeg / empty: the Markdown has no text")
    return text


def check_pdf(body: bytes) -> None:
    """A PDF file: ``%PDF-1.x`` or ``%PDF-2.x`` at the start, ``%%EOF`` near the end."""
    if not re.match(rb"%PDF-[12]\.[0-9]", body[:8]) or b"%%EOF" not in body[-2048:]:
        raise BadRequest("dit is geen (compleet) PDF-bestand / this is not a (complete) PDF file "
                         "(it must start with %PDF-1.x and end with %%EOF)")


def parse_openbaar(raw: str | None, content_type: str) -> bool:
    """Markdown: public unless ``openbaar=nee`` (its besloten parts are withheld anyway).
    A PDF cannot be partly withheld, so its uploader must say which it is."""
    if raw is None or raw == "":
        if content_type == PDF:
            raise ValidationError({"openbaar": "agendas.fout.openbaar_verplicht"})
        return True
    value = raw.strip().lower()
    if value in ("ja", "true", "1", "yes", "on"):
        return True
    if value in ("nee", "false", "0", "no", "off"):
        return False
    raise ValidationError({"openbaar": "agendas.fout.openbaar_verplicht"})


def parse_titel(raw: str | None) -> str:
    value = " ".join((raw or "").split())
    if len(value) > MAX_TITLE:
        raise ValidationError({"titel": "agendas.fout.titel"})
    # a control character is no text, and XML 1.0 (the Atom feed) forbids most of them
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise ValidationError({"titel": "error.invalid_characters"})
    return value


def archive_key(datum: date, stuk: str, content_type: str) -> str:
    """``agendas/<YYYY>/<YYYY-MM-DD>/<stuk>.<md|pdf>``, from parsed values only."""
    if stuk not in STUKKEN or content_type not in EXTENSIONS or not isinstance(datum, date):
        raise ValueError("archive_key takes a parsed date, a known stuk and content type")
    return f"{ARCHIVE_PREFIX}{datum.year:04d}/{datum.isoformat()}/{stuk}.{EXTENSIONS[content_type]}"


def staging_key(upload_id: str) -> str:
    return STAGING_PREFIX + parse_upload_id(upload_id)


def upload_id_of_key(key: str) -> str | None:
    """The upload id of a staging key from an S3 event, or None for any other key."""
    if not key.startswith(STAGING_PREFIX):
        return None
    rest = key[len(STAGING_PREFIX):]
    return rest if _UPLOAD_ID.fullmatch(rest) else None


def pad(datum: str, stuk: str) -> str:
    """The public page of a document: /agendas/D, /agendas/D/notulen, /agendas/D/besluitenlijst."""
    return f"/agendas/{datum}" if stuk == AGENDA else f"/agendas/{datum}/{stuk}"


def standaard_titel(datum: date, stuk: str) -> str:
    return f"{stuk.capitalize()} bestuursvergadering {lange_datum(datum)}"


MAANDEN = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december")


def lange_datum(datum: date) -> str:
    return f"{datum.day} {MAANDEN[datum.month - 1]} {datum.year}"


def iso(moment: datetime) -> str:
    """UTC, to the second, with Z: the one way this area writes a moment."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def tijd_label(moment_iso: str, tijdzone: str = "Europe/Amsterdam") -> str:
    """A recorded moment in local wall-clock time, ``YYYY-MM-DD HH:MM`` (pages spell the
    date out in their own language)."""
    from zoneinfo import ZoneInfo

    local = datetime.fromisoformat(moment_iso.replace("Z", "+00:00")).astimezone(ZoneInfo(tijdzone))
    return f"{local:%Y-%m-%d %H:%M}"
