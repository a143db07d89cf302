"""The archive check: recompute the manifest chain and every object's hash, name every break.

Used by ``GET /agendas/controle`` (role bestuur), by ``make verify-archive`` (locally and
against a deployed stage, infra/archive_verify.py) and by the CLI's ``verify``.

A break is one of (``soort``):
- ``ontbrekende_entry``: a sequence number without an entry (an entry was deleted);
- ``entry_gewijzigd``: an entry's stored hash is not the hash of its fields;
- ``keten_gebroken``: an entry's ``vorige_hash`` is not the hash of the entry before it;
- ``kop``: the chain head does not name the last entry (entries removed or added at the end);
- ``object_ontbreekt``: the archived version an entry names is gone;
- ``object_gewijzigd``: the bytes of that version do not have the entry's sha256;
- ``niet_in_manifest``: a version in the archive bucket that no entry names (written past
  the API), or a delete marker (someone deleted a key; the versions are still there);
- ``versie_wijkt_af``: a document version in the table disagrees with its entry;
- ``weergave_wijkt_af``: the stored public view is not the rendering of the archived file
  (someone changed what the public reads).
"""
from __future__ import annotations

from typing import Any

from functions.adapters.dynamo import Table
from functions.agendas import archief, besloten, manifest, stukken


def _entries(table: Table) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    start = None
    while True:
        page, start = table.query(manifest.PK, sk_prefix="ENTRY#", limit=500, start_after=start)
        items.extend(page)
        if not start:
            return sorted(items, key=lambda e: int(e.get("seq", 0)))


def controleer(table: Table, archive: Any, *, objects: bool = True, views: bool = True) -> dict[str, Any]:
    """Check everything; ``ok`` is true only when there is no break at all."""
    breaks: list[dict[str, Any]] = []

    def brk(soort: str, detail: str, entry: dict[str, Any] | None = None, **extra: Any) -> None:
        row = {"soort": soort, "detail": detail, **extra}
        if entry is not None:
            row.update({"seq": entry.get("seq"), "sleutel": entry.get("sleutel"),
                        "versie_id": entry.get("versie_id")})
        breaks.append(row)

    entries = _entries(table)
    previous_hash = manifest.GENESIS
    expected = 1
    for entry in entries:
        seq = int(entry.get("seq", 0))
        while expected < seq:
            brk("ontbrekende_entry", f"entry {expected} ontbreekt / is missing", seq=expected)
            expected += 1
        recomputed = manifest.entry_hash(entry)
        if entry.get("hash") != recomputed:
            brk("entry_gewijzigd", "de velden passen niet bij de hash / fields do not match the hash", entry)
        if entry.get("vorige_hash") != previous_hash:
            brk("keten_gebroken", "vorige_hash is niet de hash van de entry ervoor / "
                "does not match the previous entry", entry)
        previous_hash = str(entry.get("hash"))
        expected = seq + 1
    head = table.get(manifest.PK, manifest.HEAD_SK)
    last = entries[-1] if entries else None
    if (head or last) and (not head or not last or int(head.get("seq", -1)) != int(last["seq"])
                           or head.get("hash") != last.get("hash")):
        brk("kop", f"kop {head and head.get('seq')} / laatste entry {last and last.get('seq')}: "
            "the head does not name the last entry")

    named = {(e.get("sleutel"), e.get("versie_id")) for e in entries}
    if objects:
        for entry in entries:
            digest = archive.sha256(entry["sleutel"], entry["versie_id"])
            if digest is None:
                brk("object_ontbreekt", "de versie is niet meer in het archief / version is gone", entry)
            elif digest != entry.get("sha256"):
                brk("object_gewijzigd", f"sha256 {digest} in plaats van / instead of {entry.get('sha256')}",
                    entry)
        for version in archive.versions(stukken.ARCHIVE_PREFIX):
            if version.delete_marker:
                brk("niet_in_manifest", "verwijdermarkering / delete marker", sleutel=version.key,
                    versie_id=version.version_id)
            elif (version.key, version.version_id) not in named:
                brk("niet_in_manifest", "versie zonder entry / version without a manifest entry",
                    sleutel=version.key, versie_id=version.version_id)

    by_seq = {int(e["seq"]): e for e in entries}
    for datum in sorted({str(e["datum"]) for e in entries}):
        for version in archief._versions(table, datum):
            entry = by_seq.get(int(version["seq"]))
            fields = ("sleutel", "versie_id", "sha256", "stuk", "datum", "openbaar", "hash")
            if entry is None or any(version.get(f) != entry.get(f) for f in fields):
                brk("versie_wijkt_af", f"{datum} {version['stuk']} versie {version.get('versie')}: "
                    "table and manifest disagree", entry, seq=version.get("seq"))
                continue
            if views and objects and version["content_type"] == stukken.MARKDOWN and version.get("openbaar"):
                _check_view(archive, version, entry, brk)
    return {"ok": not breaks, "entries": len(entries),
            "kop": {"seq": head.get("seq"), "hash": head.get("hash")} if head else None,
            "breuken": breaks}


def _check_view(archive: Any, version: dict[str, Any], entry: dict[str, Any], brk: Any) -> None:
    from functions import errors, markdown

    try:
        text = stukken.markdown_text(archive.read(version["sleutel"], version["versie_id"]))
    except (errors.NotFound, errors.BadRequest):
        return  # already reported as a missing or changed object
    expected = markdown.to_html(besloten.split(text).public)
    if archief.unpack(version.get("html_z")) != expected:
        brk("weergave_wijkt_af", f"{version['datum']} {version['stuk']} versie {version['versie']}: "
            "the public view is not the rendering of the archived file", entry)
