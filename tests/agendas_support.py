"""Shared test helpers of the agenda archive: documents, principals, and a direct upload."""
from __future__ import annotations

from datetime import datetime, timezone

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
BESTUUR = {"name": "Tim Kies", "role": "bestuur", "token_id": "abc123def456"}

AGENDA_MD = """# Agenda bestuursvergadering 3 december 2026

Openbaar voor leden, op afspraak.

## 1. Opening

## 2. Vrijwilliger in de knel (besloten)

Het gesprek met X over haar situatie: VERTROUWELIJK-123.

### 2a. Vervolg

Nog een vertrouwelijk punt: VERTROUWELIJK-456.

## 3. Werkgroepen

Communicatie, Politieke agenda, Organizing.
"""


def minimal_pdf(text: str = "Agenda") -> bytes:
    """A small but well-formed PDF (header, one page, xref, trailer, %%EOF)."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
               b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream"]
    out = b"%PDF-1.4\n"
    offsets = []
    for n, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out
