"""All log output during intake, consumer, status and withdrawal: no description, email or phone.

Captures every logger at DEBUG on the root (caplog) and stdout/stderr (capsys), so
botocore's request/response dumps are included: a KMS request body carries the
plaintext in base64, so the base64 forms are checked too.
"""
from __future__ import annotations

import base64
import json
import logging

from functions import wiring
from functions.adapters.queue import FakeQueue
from tests.meldpunt_support import (DESCRIPTION, EMAIL, PHONE, deliver, post_form, post_json,
                                    queued, receipt_code, valid_fields, with_contact)

SECRETS = [DESCRIPTION, EMAIL, PHONE, "Tweede verhaal met een uniek woord: pindakaasbrug",
           "andere.melder@example.net", "+31 70 123 4567"]


def forms_of(secret: str) -> list[str]:
    raw = secret.encode("utf-8")
    contact_json = json.dumps({"email": EMAIL, "telefoon": PHONE}).encode()
    return [secret, base64.b64encode(raw).decode(), base64.b64encode(contact_json).decode(),
            json.dumps(secret)[1:-1]]


def test_no_personal_text_in_any_log_line(client, aws, caplog, capsys):
    caplog.set_level(logging.DEBUG)  # root logger: botocore, moto, chalice, ours
    # GIVEN reports through every path: form with contact, JSON, invalid, outage, spam
    ok = post_form(client, with_contact())
    assert ok.status_code == 200
    code = receipt_code(ok.body.decode())
    assert post_json(client, valid_fields(beschrijving=SECRETS[3], contact_gewenst="ja",
                                          contact_email=SECRETS[4],
                                          contact_telefoon=SECRETS[5])).status_code == 201
    assert post_form(client, with_contact(rol=None)).status_code == 400
    assert post_json(client, with_contact(toestemming=None)).status_code == 400
    assert post_form(client, with_contact(website="spam")).status_code == 200
    # WHEN the consumer stores them, and the reporter checks and withdraws
    messages = queued(aws)
    assert len(messages) == 2
    assert deliver(client, [m["Body"] for m in messages]) == {"batchItemFailures": []}
    assert deliver(client, [messages[0]["Body"]]) == {"batchItemFailures": []}  # a duplicate
    assert client.http.get(f"/meldpunt/status?code={code}").status_code == 200
    assert post_form(client, {"code": code}, path="/meldpunt/intrekken").status_code == 200
    broken = FakeQueue()
    broken.fail = True
    wiring.override(meldpunt_queue=broken)
    wiring.meldpunt_queue.cache_clear()
    assert post_form(client, with_contact()).status_code == 503
    # THEN nothing that was logged or printed contains the text, the email or the phone
    out = capsys.readouterr()
    logged = "\n".join([caplog.text, out.out, out.err] +
                       [str(r.args) for r in caplog.records if r.args])
    assert "meldpunt.queued" in logged and "meldpunt.stored" in logged
    assert "meldpunt.withdrawn" in logged and "meldpunt.spam" in logged
    for secret in SECRETS:
        for form in forms_of(secret):
            assert form not in logged, f"found {form[:20]}... in the logs"
