"""The meldpunt form, intake and the reporter's rights through the real app, backed by moto."""
from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timezone

import pytest

HTML = {"accept": "text/html"}

from functions import wiring
from functions.adapters.crypto import CryptoError, FakeCrypto, KmsCrypto
from functions.adapters.dynamo import DynamoTable
from functions.adapters.queue import FakeQueue
from functions.meldpunt import formtoken, intake, ontvangstcode, opties
from tests.meldpunt_support import (DESCRIPTION, EMAIL, PHONE, aged_token, deliver, get_item,
                                    post_form, post_json, queued, receipt_code, table_items,
                                    valid_fields, with_contact)


def submit_and_store(client, aws, fields=None) -> tuple[str, str]:
    """POST a valid form, run the consumer on what was queued; (receipt code, report id)."""
    response = post_form(client, fields or valid_fields())
    assert response.status_code == 200, response.body[:300]
    code = receipt_code(response.body.decode())
    [message] = queued(aws)
    assert deliver(client, [message["Body"]]) == {"batchItemFailures": []}
    return code, json.loads(message["Body"])["id"]


def counters(aws, maand: str, wijk: str = "WK051830") -> dict:
    """The counts (not the key sums) of one counter item."""
    item = get_item(aws, f"TELLING#{maand}", wijk) or {}
    return {k: int(v) for k, v in item.items() if k not in ("pk", "sk") and not k.startswith("ks#")}


def reviewed(melding_id: str) -> None:
    """The werkgroep takes the report in hand: from then on it counts."""
    from functions.meldpunt import review

    review.change_status(wiring.table(), melding_id, "in_behandeling", "",
                         {"name": "nadine", "role": "politieke-agenda"}, datetime.now(timezone.utc))


# --- the form -------------------------------------------------------------------------------

def test_the_form_is_dutch_by_default_with_a_fresh_token_and_every_wijk(client):
    response = client.http.get("/meldpunt")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    html = response.body.decode()
    assert '<html lang="nl">' in html and "Meld straatintimidatie" in html
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    assert formtoken.check(token, "test-form-secret", datetime.now(timezone.utc), 0) is formtoken.Check.OK
    for wijk in opties.wijken():
        assert f'value="{wijk.code}"' in html
    assert 'value="onbekend"' in html and html.count("<optgroup") == 8
    assert 'href="?lang=en"' in html


@pytest.mark.parametrize("kwargs", [{"path": "/meldpunt?lang=en"},
                                    {"path": "/meldpunt", "headers": {"accept-language": "en-GB,en;q=0.9"}}])
def test_english_by_query_or_accept_language(client, kwargs):
    html = client.http.get(kwargs["path"], headers=kwargs.get("headers", {})).body.decode()
    assert '<html lang="en">' in html and "Report street harassment" in html


def test_options_list_every_code_and_the_44_wijken_with_their_stadsdeel(client):
    data = client.http.get("/meldpunt/opties").json_body
    assert data["categorieen"] == list(opties.CATEGORIEEN)
    assert data["dagdelen"] == ["ochtend", "middag", "avond", "nacht"]
    assert data["rollen"] == ["slachtoffer", "getuige"]
    assert "racisme" in data["gronden"]
    wijken = {w["code"]: w for w in data["wijken"]}
    assert len(wijken) == 45 and "onbekend" in wijken
    assert wijken["WK051830"] == {"code": "WK051830", "naam": "Transvaalkwartier",
                                  "stadsdeel": "centrum", "stadsdeel_naam": "Centrum"}
    assert {w["stadsdeel"] for w in data["wijken"]} - {"onbekend"} == {s["code"] for s in data["stadsdelen"]}
    assert len(data["stadsdelen"]) == 8


def test_a_token_for_scripts(client):
    token = client.http.get("/meldpunt/token").json_body["token"]
    assert token.startswith("v1.")


# --- intake ---------------------------------------------------------------------------------

def test_a_form_post_shows_the_receipt_code_once_the_report_is_queued(client, aws):
    response = post_form(client, with_contact())
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    code = receipt_code(response.body.decode())
    [message] = queued(aws)
    body = json.loads(message["Body"])
    assert body["receipt_hash"] == ontvangstcode.hash_van(code)
    assert code not in message["Body"]


def test_json_gets_201_with_the_receipt_code(client, aws):
    response = post_json(client, valid_fields())
    assert response.status_code == 201
    assert ontvangstcode.is_geldig(response.json_body["ontvangstcode"])
    assert len(queued(aws)) == 1


def test_invalid_form_is_400_with_every_value_kept_and_each_field_named(client, aws):
    fields = valid_fields(rol=None, datum="2099-01-01", toestemming=None,
                          contact_email="iemand@example.org", beschrijving="Mijn eigen woorden")
    response = post_form(client, fields, lang="en")
    assert response.status_code == 400
    html = response.body.decode()
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    for anchor in ("#rol-slachtoffer", "#datum", "#contact_email", "#toestemming"):
        assert f'href="{anchor}"' in summary
    assert "The date cannot be in the future." in html
    assert 'value="nafluiten" checked' in html and 'value="achtervolgen" checked' in html
    assert 'value="seksisme" checked' in html
    assert 'value="WK051830" selected' in html and 'value="avond" checked' in html
    assert ">Mijn eigen woorden</textarea>" in html
    assert 'value="iemand@example.org"' in html and 'value="2099-01-01"' in html
    assert 'id="datum" name="datum"' in html and 'aria-invalid="true"' in html
    assert queued(aws) == []


def test_invalid_json_is_400_with_a_message_per_field(client):
    response = post_json(client, {"categorieen": ["nafluiten"], "token": aged_token(),
                                  "contact_telefoon": "0612345678"})
    assert response.status_code == 400
    errors = response.json_body["errors"]
    assert set(errors) == {"rol", "wijk", "datum", "dagdeel", "beschrijving", "contact_telefoon",
                           "toestemming"}
    assert all(isinstance(m, str) and m for m in errors.values())


def test_a_re_rendered_form_keeps_its_still_valid_token(client):
    token = aged_token()
    html = post_form(client, valid_fields(rol=None, token=token)).body.decode()
    assert f'name="token" value="{token}"' in html


def test_an_expired_token_asks_to_send_again_with_a_fresh_token(client, aws):
    old = aged_token(seconds=3 * 3600)
    response = post_form(client, valid_fields(token=old))
    assert response.status_code == 400
    html = response.body.decode()
    assert 'href="#verstuur"' in html and old not in html
    assert queued(aws) == []


@pytest.mark.parametrize("body, headers, status", [
    (b"beschrijving=" + b"x" * (70 * 1024), {"content-type": "application/x-www-form-urlencoded"}, 413),
    (b"<melding/>", {"content-type": "application/xml"}, 415),
    (b"beschrijving=\xff\xfe", {"content-type": "application/x-www-form-urlencoded"}, 400),
    (b'{"beschrijving": "\xc3\x28"}', {"content-type": "application/json"}, 400),
    (b'{"categorieen": ', {"content-type": "application/json"}, 400),
    (b'["a", "b"]', {"content-type": "application/json"}, 400),
    (b'{"categorieen": [{"a": 1}]}', {"content-type": "application/json"}, 400),
    (b"beschrijving=%ff", {"content-type": "application/x-www-form-urlencoded"}, 400),
])
def test_broken_requests_get_a_clear_4xx_never_a_500(client, body, headers, status):
    response = client.http.post("/meldpunt", body=body, headers=headers)
    assert response.status_code == status


def test_withdrawal_rejects_broken_requests_with_4xx_too(client):
    assert client.http.post("/meldpunt/intrekken", body=b"code=\xff",
                            headers={"content-type": "application/x-www-form-urlencoded"}).status_code == 400
    assert client.http.post("/meldpunt/intrekken", body=b"x",
                            headers={"content-type": "text/plain"}).status_code == 415


def spam_count(aws) -> int:
    return sum(int(i.get("count", 0)) for i in table_items(aws) if i["pk"].startswith("SPAM#"))


def test_a_too_young_token_is_a_retryable_429_and_nothing_is_lost(client, aws):
    # GIVEN a hasty script that posts the moment it got its token (minimum age 3 s)
    young = aged_token(seconds=0)
    as_json = post_json(client, valid_fields(token=young))
    # THEN a clear, retryable answer, not a receipt code for a report that was dropped
    assert as_json.status_code == 429
    assert 1 <= int(as_json.headers["Retry-After"]) <= 3
    assert set(as_json.json_body) == {"error", "errors"} and "token" in as_json.json_body["errors"]
    assert queued(aws) == []
    # AND a person gets the form again with every value kept, the same (still valid) token
    # and the request to check and send again
    page = post_form(client, valid_fields(token=young, beschrijving="Wat ik typte"))
    assert page.status_code == 429 and page.headers["Retry-After"]
    html = page.body.decode()
    assert "Wat ik typte" in html and f'value="{young}"' in html
    assert "Controleer je antwoorden en verstuur het formulier opnieuw" in html
    assert queued(aws) == []


def test_a_second_report_with_a_used_token_is_refused_and_the_values_are_kept(client, aws):
    token = aged_token()
    assert post_json(client, valid_fields(token=token)).status_code == 201
    again = post_form(client, valid_fields(token=token, beschrijving="Een tweede melding"))
    assert again.status_code == 400
    html = again.body.decode()
    assert "Een tweede melding" in html and "al een andere melding verstuurd" in html
    assert f'value="{token}"' not in html  # a fresh token to send it with
    assert post_json(client, valid_fields(token=token, beschrijving="nog een")).json_body[
        "errors"] == {"token": "Met dit formulier is al een andere melding verstuurd. Controleer je "
                               "antwoorden en verstuur opnieuw: dan wordt het een nieuwe melding."}
    assert len(queued(aws)) == 1


def test_the_same_report_sent_twice_answers_the_same_code(client, aws):
    fields = valid_fields()
    first, second = post_json(client, fields), post_json(client, fields)
    assert first.status_code == second.status_code == 201
    assert first.json_body == second.json_body


@pytest.mark.parametrize("kind", ["honeypot"])
def test_spam_looks_like_success_but_is_dropped_and_only_counted(client, aws, kind):
    def spam():
        return valid_fields(**{formtoken.HONEYPOT_FIELD: "http://cheap-pills.example"})
    response = post_form(client, spam())
    assert response.status_code == 200
    assert ontvangstcode.is_geldig(receipt_code(response.body.decode()))
    as_json = post_json(client, spam())
    assert as_json.status_code == 201 and ontvangstcode.is_geldig(as_json.json_body["ontvangstcode"])
    assert queued(aws) == []
    assert spam_count(aws) == 2
    assert not any(i["pk"].startswith(("MELDING#", "ONTVANGST#")) for i in table_items(aws))


def test_a_queue_outage_is_503_with_every_value_kept(client, aws):
    queue = FakeQueue()
    queue.fail = True
    wiring.override(meldpunt_queue=queue)
    response = post_form(client, with_contact(beschrijving="Wat ik typte blijft staan"))
    assert response.status_code == 503
    html = response.body.decode()
    assert 'id="onbeschikbaar"' in html and 'role="alert"' in html
    assert ">Wat ik typte blijft staan</textarea>" in html
    assert f'value="{EMAIL}"' in html and f'value="{PHONE}"' in html
    assert 'id="contact_gewenst" name="contact_gewenst" value="ja" checked' in html
    assert 'value="WK051830" selected' in html and 'value="nafluiten" checked' in html
    assert post_json(client, valid_fields()).status_code == 503


def test_an_encryption_outage_is_503_too(client, aws):
    crypto = FakeCrypto()
    crypto.fail = True
    wiring.override(crypto=crypto)
    assert post_form(client, valid_fields()).status_code == 503
    assert queued(aws) == []


# --- the consumer ---------------------------------------------------------------------------

def test_the_consumer_stores_report_contact_receipt_history_and_counters(client, aws):
    code, melding_id = submit_and_store(client, aws, with_contact())
    maand = valid_fields()["datum"][:7]
    report = get_item(aws, f"MELDING#{melding_id}", "MELDING")
    assert report["status"] == "nieuw" and report["wijk"] == "WK051830"
    assert report["stadsdeel"] == "centrum" and report["maand"] == maand
    assert report["heeft_contact"] is True and report["contact_gewenst"] is True
    assert report["receipt_hash"] == ontvangstcode.hash_van(code)
    assert int(report["expires_at"]) > 0
    contact = get_item(aws, f"MELDING#{melding_id}", "CONTACT")
    assert contact["contact_enc"].startswith("kms1:") and int(contact["expires_at"]) > 0
    assert get_item(aws, f"ONTVANGST#{ontvangstcode.hash_van(code)}", "ONTVANGST")["melding_id"] == melding_id
    history = [i for i in table_items(aws) if i["pk"] == f"MELDING#{melding_id}" and i["sk"].startswith("HIST#")]
    assert [h["action"] for h in history] == ["created"]
    assert counters(aws, maand) == {}  # not counted before the werkgroep has reviewed it
    reviewed(melding_id)
    assert counters(aws, maand) == {"totaal": 1, "cat#nafluiten": 1, "cat#achtervolgen": 1,
                                    "grond#seksisme": 1, "dagdeel#avond": 1}


def test_a_duplicate_delivery_stores_one_report_and_counts_once(client, aws):
    post_form(client, valid_fields())
    [message] = queued(aws)
    # GIVEN the same message delivered twice (at-least-once), in one batch and in a later one
    assert deliver(client, [message["Body"], message["Body"]]) == {"batchItemFailures": []}
    assert deliver(client, [message["Body"]]) == {"batchItemFailures": []}
    reports = [i for i in table_items(aws) if i["sk"] == "MELDING"]
    assert len(reports) == 1
    reviewed(reports[0]["id"])
    assert counters(aws, valid_fields()["datum"][:7])["totaal"] == 1


def test_a_broken_message_is_reported_as_a_failed_record_not_swallowed(client, aws):
    result = deliver(client, ['{"kind": "meldpunt.melding", "v": 1}', "niet eens json"])
    assert len(result["batchItemFailures"]) == 2
    assert not any(i["sk"] == "MELDING" for i in table_items(aws))


def test_plaintext_never_sits_in_the_queue_or_the_table(client, aws):
    post_form(client, with_contact())
    [message] = queued(aws)
    for secret in (DESCRIPTION, EMAIL, PHONE):
        assert secret not in message["Body"]
    deliver(client, [message["Body"]])
    stored = json.dumps(table_items(aws), default=str)
    for secret in (DESCRIPTION, EMAIL, PHONE):
        assert secret not in stored
        assert base64.b64encode(secret.encode()).decode() not in stored


def test_stored_ciphertexts_decrypt_only_for_their_purpose_and_report(client, aws):
    _, melding_id = submit_and_store(client, aws, with_contact())
    crypto = KmsCrypto(aws.env["KMS_KEY_ID"])
    report = get_item(aws, f"MELDING#{melding_id}", "MELDING")
    contact = get_item(aws, f"MELDING#{melding_id}", "CONTACT")
    assert crypto.decrypt(report["beschrijving_enc"],
                          intake.context(intake.PURPOSE_BESCHRIJVING, melding_id)) == DESCRIPTION
    assert json.loads(crypto.decrypt(contact["contact_enc"], intake.context(intake.PURPOSE_CONTACT, melding_id))) \
        == {"email": EMAIL, "telefoon": PHONE}
    with pytest.raises(CryptoError):
        crypto.decrypt(contact["contact_enc"], intake.context(intake.PURPOSE_BESCHRIJVING, melding_id))
    with pytest.raises(CryptoError):
        crypto.decrypt(report["beschrijving_enc"], intake.context(intake.PURPOSE_BESCHRIJVING, "ander-id"))


def test_a_long_multibyte_description_is_encrypted_in_chunks_under_the_kms_limit(aws):
    crypto = KmsCrypto(aws.env["KMS_KEY_ID"])
    text = "😡 straat " * 400  # 4000 characters, ~ 7 KB of UTF-8: more than one KMS call
    value = crypto.encrypt(text, {"purpose": "meldpunt-beschrijving", "melding": "x"})
    assert value.startswith("kms1:") and value.count(".") >= 1
    assert crypto.decrypt(value, {"purpose": "meldpunt-beschrijving", "melding": "x"}) == text


def test_modeled_aws_errors_are_recognised_as_client_errors(aws):
    # botocore raises ConditionalCheckFailedException etc. as subclasses of ClientError;
    # they once fell through to "unreachable" and became 503s
    from functions.errors import AlreadyExists

    table = DynamoTable(aws.env["DATA_TABLE"])
    table.put({"pk": "TEST#x", "sk": "x"}, if_new=True)
    with pytest.raises(AlreadyExists):
        table.put({"pk": "TEST#x", "sk": "x"}, if_new=True)


# --- the reporter's rights ------------------------------------------------------------------

def test_status_by_code_in_html_and_json(client, aws):
    code, _ = submit_and_store(client, aws)
    html = client.http.get(f"/meldpunt/status?code={code}", headers=HTML).body.decode()
    assert "Status van je melding: <strong>nieuw (nog niet bekeken)</strong>" in html
    loose = code.lower().replace("-", "")
    response = client.http.get(f"/meldpunt/status?code={loose}", headers={"accept": "application/json"})
    assert response.status_code == 200 and response.json_body == {"status": "nieuw"}


def test_the_status_page_posts_the_code_and_does_not_repeat_it(client, aws):
    """A receipt code in a URL would sit in the browser's history and any log of URLs."""
    code, _ = submit_and_store(client, aws)
    form = client.http.get("/meldpunt/status?lang=en", headers=HTML).body.decode()
    assert '<form method="post" action="/meldpunt/status?lang=en">' in form
    response = post_form(client, {"code": code}, path="/meldpunt/status?lang=en")
    html = response.body.decode()
    assert response.status_code == 200 and "new (not yet looked at)" in html
    assert code not in html and code.replace("-", "") not in html
    as_json = post_json(client, {"ontvangstcode": code}, path="/meldpunt/status")
    assert as_json.status_code == 200 and as_json.json_body == {"status": "nieuw"}
    empty = post_form(client, {"code": ""}, path="/meldpunt/status")
    assert empty.status_code == 400 and 'aria-invalid="true"' in empty.body.decode()


def test_a_wrong_code_gets_the_same_answer_shape(client, aws):
    code, _ = submit_and_store(client, aws)
    wrong = ontvangstcode.nieuw()
    json_headers = {"accept": "application/json"}
    right_status = client.http.get(f"/meldpunt/status?code={code}", headers=json_headers)
    wrong_status = client.http.get(f"/meldpunt/status?code={wrong}", headers=json_headers)
    assert (right_status.status_code, set(right_status.json_body)) == \
           (wrong_status.status_code, set(wrong_status.json_body)) == (200, {"status"})
    assert wrong_status.json_body == {"status": "onbekend"}
    wrong_withdraw = post_json(client, {"code": wrong}, path="/meldpunt/intrekken")
    right_withdraw = post_json(client, {"code": code}, path="/meldpunt/intrekken")
    assert (right_withdraw.status_code, set(right_withdraw.json_body)) == \
           (wrong_withdraw.status_code, set(wrong_withdraw.json_body)) == (200, {"resultaat"})
    assert wrong_withdraw.json_body == {"resultaat": "onbekend"}
    assert right_withdraw.json_body == {"resultaat": "ingetrokken"}


class Recorder:
    """Wraps the boto3 DynamoDB client and records each operation and its size."""

    def __init__(self, client):
        self._client, self.calls = client, []

    def __getattr__(self, name):
        method = getattr(self._client, name)

        def call(**kwargs):
            self.calls.append((name, len(kwargs.get("TransactItems", [])) or 1))
            return method(**kwargs)
        return call


def test_a_wrong_code_does_the_same_dynamodb_work_as_a_right_one(client, aws):
    code, _ = submit_and_store(client, aws, with_contact())
    recorder = Recorder(aws.dynamodb)
    wiring.override(table=DynamoTable(aws.env["DATA_TABLE"], dynamodb_client=recorder))
    wiring.table.cache_clear()
    work = {}
    for name, c in (("wrong", ontvangstcode.nieuw()), ("right", code)):
        recorder.calls.clear()
        client.http.get(f"/meldpunt/status?code={c}")
        post_form(client, {"code": c}, path="/meldpunt/intrekken")
        work[name] = list(recorder.calls)
    assert work["wrong"] == work["right"] == [
        ("get_item", 1), ("get_item", 1), ("get_item", 1), ("get_item", 1), ("transact_write_items", 4)]


def test_withdrawal_removes_text_and_contact_and_takes_the_report_out_of_the_figures(client, aws):
    code, melding_id = submit_and_store(client, aws, with_contact())
    reviewed(melding_id)
    maand = valid_fields()["datum"][:7]
    assert counters(aws, maand)["totaal"] == 1
    page = client.http.get("/meldpunt/intrekken?lang=en")
    assert page.status_code == 200 and 'name="code"' in page.body.decode()
    response = post_form(client, {"code": code}, path="/meldpunt/intrekken")
    assert response.status_code == 200
    assert "Je melding is ingetrokken" in response.body.decode()
    assert code not in response.body.decode()
    report = get_item(aws, f"MELDING#{melding_id}", "MELDING")
    assert "beschrijving_enc" not in report and report["withdrawn_at"] and report["text_deleted_at"]
    assert report["heeft_contact"] is False
    assert get_item(aws, f"MELDING#{melding_id}", "CONTACT") is None
    assert set(counters(aws, maand).values()) == {0}
    actions = [i["action"] for i in table_items(aws) if i["sk"].startswith("HIST#")]
    assert sorted(actions) == ["created", "status", "withdrawn"]
    assert client.http.get(f"/meldpunt/status?code={code}",
                           headers={"accept": "application/json"}).json_body == {"status": "ingetrokken"}


def test_withdrawing_twice_takes_the_report_out_of_the_figures_once(client, aws):
    code, first = submit_and_store(client, aws)
    _, second = submit_and_store(client, aws)  # a second report in the same wijk and month
    reviewed(first)
    reviewed(second)
    maand = valid_fields()["datum"][:7]
    assert counters(aws, maand)["totaal"] == 2
    for _ in range(2):
        assert post_json(client, {"code": code}, path="/meldpunt/intrekken").json_body == {"resultaat": "ingetrokken"}
    assert counters(aws, maand)["totaal"] == 1


def test_an_empty_code_is_a_validation_error(client):
    assert post_form(client, {"code": ""}, path="/meldpunt/intrekken").status_code == 400
    assert post_json(client, {"code": ""}, path="/meldpunt/intrekken").json_body["errors"].keys() == {"code"}
    assert client.http.get("/meldpunt/status", headers=HTML).status_code == 200
    assert client.http.get("/meldpunt/status", headers={"accept": "application/json"}).status_code == 400
    assert client.http.get("/meldpunt/status").status_code == 400  # a script (no Accept): JSON
