"""Intake, storage and the reporter's rights against the in-memory fakes (no AWS)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from functions.adapters.crypto import CryptoError, FakeCrypto
from functions.adapters.dynamo import (FakeTable, TransactionConditionFailed, TxAdd, TxCheck,
                                       TxDelete, TxPut, TxUpdate)
from functions.adapters.queue import FakeQueue
from functions.errors import TemporarilyUnavailable, TooEarly, ValidationError
from functions.http import FormData
from functions.meldpunt import formtoken, intake, ontvangstcode, rechten

SECRET = "s"
NOW = datetime(2026, 11, 27, 21, 30, tzinfo=timezone.utc)
TEXT = "Hij bleef me volgen tot aan de deur"
EMAIL = "ik@example.org"


def form(**extra) -> FormData:
    fields = {"categorieen": ["achtervolgen", "intimideren"], "gronden": ["racisme"],
              "rol": "slachtoffer", "wijk": "WK051829", "datum": "2026-11-26", "dagdeel": "nacht",
              "beschrijving": TEXT, "toestemming": "ja",
              "token": formtoken.issue(SECRET, NOW - timedelta(seconds=30))}
    fields.update(extra)
    return FormData({k: v if isinstance(v, list) else [v] for k, v in fields.items()})


@pytest.fixture
def fakes():
    return FakeQueue(), FakeCrypto(), FakeTable()


def accept(f: FormData, fakes, now=NOW) -> str:
    queue, crypto, table = fakes
    return intake.ontvang(f, now, secret=SECRET, min_age_seconds=3, queue=queue, crypto=crypto,
                          table=table).ontvangstcode


def store_all(fakes) -> list[str]:
    queue, _, table = fakes
    return [intake.bewaar(m, table, text_max_days=365, contact_max_days=365) for m in queue.sent]


def counters(table: FakeTable, maand="2026-11", wijk="WK051829") -> dict:
    """The counts (not the key sums) of one counter item; {} when nothing was ever counted."""
    return {k: v for k, v in (table.items.get((f"TELLING#{maand}", wijk)) or {}).items()
            if k not in ("pk", "sk") and not k.startswith("ks#")}


def total(table: FakeTable) -> int:
    return counters(table).get("totaal", 0)


def review_all(fakes, to="in_behandeling") -> None:
    from functions.meldpunt import review

    for melding_id in dict.fromkeys(m["id"] for m in fakes[0].sent):
        review.change_status(fakes[2], melding_id, to, "", REVIEWER, NOW)


def test_the_queue_message_holds_codes_and_ciphertexts_only(fakes):
    accept(form(contact_gewenst="ja", contact_email=EMAIL), fakes)
    queue, crypto, _ = fakes
    [message] = queue.sent
    raw = json.dumps(message)
    assert TEXT not in raw and EMAIL not in raw
    assert message["categorieen"] == ["achtervolgen", "intimideren"]
    ctx = intake.context(intake.PURPOSE_BESCHRIJVING, message["id"])
    assert crypto.decrypt(message["beschrijving_enc"], ctx) == TEXT
    contact = crypto.decrypt(message["contact_enc"], intake.context(intake.PURPOSE_CONTACT, message["id"]))
    assert json.loads(contact) == {"email": EMAIL, "telefoon": None}


def test_no_contact_ciphertext_without_the_contact_choice(fakes):
    accept(form(), fakes)
    assert fakes[0].sent[0]["contact_enc"] is None


def test_a_ciphertext_only_decrypts_for_its_own_purpose_and_report(fakes):
    accept(form(contact_gewenst="ja", contact_email=EMAIL), fakes)
    queue, crypto, _ = fakes
    message = queue.sent[0]
    with pytest.raises(CryptoError):
        crypto.decrypt(message["contact_enc"], intake.context(intake.PURPOSE_BESCHRIJVING, message["id"]))
    with pytest.raises(CryptoError):
        crypto.decrypt(message["beschrijving_enc"], intake.context(intake.PURPOSE_BESCHRIJVING, "other"))


def test_the_receipt_code_is_given_only_after_the_queue_took_the_message(fakes):
    queue, crypto, table = fakes
    queue.fail = True
    f = form()
    with pytest.raises(TemporarilyUnavailable):
        accept(f, fakes)
    # nothing queued or stored: only the form token's claim, which lets the same form come again
    assert queue.sent == []
    assert [k[1] for k in table.items] == ["FORMTOKEN"]
    queue.fail = False
    code = accept(f, fakes)
    assert len(queue.sent) == 1 and ontvangstcode.is_geldig(code)


def test_one_form_token_is_good_for_one_report(fakes):
    # GIVEN a report sent with an aged token
    token = formtoken.issue(SECRET, NOW - timedelta(seconds=30))
    accept(form(token=token), fakes)
    # WHEN a different report comes with the same token
    with pytest.raises(ValidationError) as exc:
        accept(form(token=token, beschrijving="Een heel andere melding"), fakes)
    # THEN it is refused, naming the token, and nothing more is queued
    assert exc.value.errors == {"token": "meldpunt.fout.token_gebruikt"}
    assert len(fakes[0].sent) == 1


def test_two_hundred_reports_with_one_token_store_one(fakes):
    token = formtoken.issue(SECRET, NOW - timedelta(seconds=30))
    refused = 0
    for i in range(200):
        try:
            accept(form(token=token, beschrijving=f"melding {i}"), fakes)
        except ValidationError:
            refused += 1
    assert refused == 199 and len(fakes[0].sent) == 1
    assert store_all(fakes) == ["stored"]


def test_the_same_form_sent_twice_gets_the_same_code_and_is_stored_once(fakes):
    # a double click, or a script that retries after a timeout
    f = form()
    first, second = accept(f, fakes), accept(f, fakes)
    assert first == second
    assert len({m["id"] for m in fakes[0].sent}) == 1  # queued twice, under one report id
    assert sorted(store_all(fakes)) == ["duplicate", "stored"]
    assert rechten.status(first, fakes[2]) == "nieuw"
    review_all(fakes)
    assert total(fakes[2]) == 1


def test_an_encryption_outage_queues_nothing(fakes):
    fakes[1].fail = True
    with pytest.raises(TemporarilyUnavailable):
        accept(form(), fakes)
    assert fakes[0].sent == []


def test_a_too_young_token_is_a_retryable_error_not_a_dropped_report(fakes):
    # GIVEN a hasty script: its token is 1 s old, the minimum age is 3 s
    young = formtoken.issue(SECRET, NOW - timedelta(seconds=1))
    with pytest.raises(TooEarly) as exc:
        accept(form(token=young), fakes)
    # THEN it is told to retry in 2 s, naming the token; nothing is queued or claimed
    assert exc.value.retry_after == 2
    assert exc.value.errors == {"token": "meldpunt.fout.te_snel"}
    assert fakes[0].sent == [] and fakes[2].items == {}
    # AND the same form with the same token, sent when it is old enough, is accepted
    code = accept(form(token=young), fakes, now=NOW + timedelta(seconds=2))
    assert store_all(fakes) == ["stored"]
    assert rechten.status(code, fakes[2]) == "nieuw"


@pytest.mark.parametrize("spam", [{formtoken.HONEYPOT_FIELD: "http://cheap.example"}])
def test_spam_gets_a_code_like_anyone_but_is_dropped_and_only_counted(fakes, spam):
    code = accept(form(**spam), fakes)
    assert ontvangstcode.is_geldig(code)
    queue, _, table = fakes
    assert queue.sent == []
    assert list(table.items) == [("SPAM#2026-11", "meldpunt")]
    assert table.items[("SPAM#2026-11", "meldpunt")]["count"] == 1


def test_spam_is_dropped_even_when_the_rest_of_the_form_is_nonsense(fakes):
    code = accept(FormData({formtoken.HONEYPOT_FIELD: ["x"]}), fakes)
    assert ontvangstcode.is_geldig(code) and fakes[0].sent == []


def test_a_failing_spam_count_still_looks_like_success(fakes):
    fakes[2].fail = True
    assert ontvangstcode.is_geldig(accept(form(**{formtoken.HONEYPOT_FIELD: "x"}), fakes))


def test_an_expired_token_is_a_validation_error_not_spam(fakes):
    old = formtoken.issue(SECRET, NOW - timedelta(hours=3))
    with pytest.raises(ValidationError) as exc:
        accept(form(token=old), fakes)
    assert exc.value.errors == {"token": intake.TOKEN_FOUT}


def test_storing_writes_report_contact_receipt_and_history_but_counts_nothing_yet(fakes):
    code = accept(form(contact_gewenst="ja", contact_email=EMAIL), fakes)
    assert store_all(fakes) == ["stored"]
    table = fakes[2]
    melding_id = fakes[0].sent[0]["id"]
    report = table.items[(f"MELDING#{melding_id}", "MELDING")]
    assert report["status"] == "nieuw" and report["maand"] == "2026-11"
    assert report["stadsdeel"] == "centrum" and report["heeft_contact"] is True
    assert report["gsi1pk"] == "MELDINGEN" and report["gsi1sk"].endswith(f"#{melding_id}")
    assert (f"MELDING#{melding_id}", "CONTACT") in table.items
    receipt = table.items[(f"ONTVANGST#{ontvangstcode.hash_van(code)}", "ONTVANGST")]
    assert receipt == {"pk": receipt["pk"], "sk": "ONTVANGST", "melding_id": melding_id}
    history = [k for k in table.items if k[0] == f"MELDING#{melding_id}" and k[1].startswith("HIST#")]
    assert len(history) == 1 and table.items[history[0]]["action"] == "created"
    assert 0 <= report["record_key"] < 2 ** 32
    assert counters(table) == {}  # a report counts once the werkgroep has reviewed it


def test_a_reviewed_report_counts_with_its_record_key_beside_every_count(fakes):
    accept(form(), fakes)
    store_all(fakes)
    review_all(fakes)
    table = fakes[2]
    key = next(i for i in table.items.values() if i.get("sk") == "MELDING")["record_key"]
    item = table.items[("TELLING#2026-11", "WK051829")]
    assert counters(table) == {"totaal": 1, "cat#achtervolgen": 1, "cat#intimideren": 1,
                               "grond#racisme": 1, "dagdeel#nacht": 1}
    assert {a: item["ks#" + a] for a in counters(table)} == {a: key for a in counters(table)}
    # closing it keeps it counted; nothing counts twice
    review_all(fakes, "afgehandeld")
    assert total(table) == 1


def test_a_report_cancelled_before_review_never_counts(fakes):
    accept(form(), fakes)
    store_all(fakes)
    review_all(fakes, "geannuleerd")
    assert total(fakes[2]) == 0


def test_a_redelivered_message_stores_one_report_and_counts_once(fakes):
    accept(form(), fakes)
    queue, _, table = fakes
    queue.sent.append(dict(queue.sent[0]))
    assert store_all(fakes) == ["stored", "duplicate"]
    review_all(fakes)
    assert total(table) == 1
    assert len([k for k in table.items if k[1] == "MELDING"]) == 1


def test_a_message_of_another_kind_is_refused():
    with pytest.raises(ValueError):
        intake.bewaar({"kind": "iets anders"}, FakeTable(), text_max_days=1, contact_max_days=1)


def test_status_by_code_and_unknown_codes(fakes):
    code = accept(form(), fakes)
    store_all(fakes)
    assert rechten.status(code, fakes[2]) == "nieuw"
    assert rechten.status(code.lower().replace("-", ""), fakes[2]) == "nieuw"
    assert rechten.status(ontvangstcode.nieuw(), fakes[2]) == rechten.ONBEKEND
    assert rechten.status("onzin", fakes[2]) == rechten.ONBEKEND


def test_withdrawal_deletes_text_and_contact_and_leaves_the_figures_once(fakes):
    code = accept(form(contact_gewenst="ja", contact_email=EMAIL), fakes)
    store_all(fakes)
    review_all(fakes)
    assert total(fakes[2]) == 1
    table = fakes[2]
    melding_id = fakes[0].sent[0]["id"]
    assert rechten.trek_in(code, table, NOW) == rechten.INGETROKKEN
    report = table.items[(f"MELDING#{melding_id}", "MELDING")]
    assert "beschrijving_enc" not in report and report["withdrawn_at"] and report["heeft_contact"] is False
    assert (f"MELDING#{melding_id}", "CONTACT") not in table.items
    assert set(counters(table).values()) == {0}
    assert rechten.status(code, table) == rechten.INGETROKKEN
    # a second withdrawal changes nothing
    assert rechten.trek_in(code, table, NOW + timedelta(minutes=1)) == rechten.INGETROKKEN
    assert set(counters(table).values()) == {0}


class CountingTable(FakeTable):
    """Records each call and its size, to compare the work of two code paths."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, int]] = []

    def get(self, pk, sk):
        self.calls.append(("get", 1))
        return super().get(pk, sk)

    def transact_write(self, actions):
        self.calls.append(("transact_write", len(actions)))
        return super().transact_write(actions)


def test_a_wrong_code_does_the_same_table_work_as_a_right_one():
    queue, crypto, table = FakeQueue(), FakeCrypto(), CountingTable()
    right = accept(form(contact_gewenst="ja", contact_email=EMAIL), (queue, crypto, table))
    store_all((queue, crypto, table))
    table.calls.clear()
    rechten.status(right, table)
    status_right, table.calls = table.calls, []
    rechten.status(ontvangstcode.nieuw(), table)
    assert table.calls == status_right == [("get", 1), ("get", 1)]

    table.calls = []
    rechten.trek_in(ontvangstcode.nieuw(), table, NOW)
    wrong = table.calls
    table.calls = []
    rechten.trek_in(right, table, NOW)
    assert table.calls == wrong == [("get", 1), ("get", 1), ("transact_write", 4)]
    # and a code that was withdrawn before does the same work again (no faster answer)
    table.calls = []
    rechten.trek_in(right, table, NOW)
    assert table.calls == wrong


def test_after_a_withdrawal_the_review_sees_the_state_the_reporter_sees(fakes):
    from functions.meldpunt import review

    code = accept(form(contact_gewenst="ja", contact_email=EMAIL), fakes)
    store_all(fakes)
    table = fakes[2]
    melding_id = fakes[0].sent[0]["id"]
    review.change_status(table, melding_id, "in_behandeling", "", REVIEWER, NOW)
    rechten.trek_in(code, table, NOW + timedelta(minutes=5))
    # the one state, the same for the reporter, the report view, the list and its filter
    view = review.get_report(table, fakes[1], melding_id)["melding"]
    assert rechten.status(code, table) == view["status"] == "ingetrokken"
    assert view["contact_deleted_at"] == "2026-11-27T21:35:00Z"
    listed = review.list_reports(table, review.parse_filter({"status": "ingetrokken"}))
    assert [m["id"] for m in listed["meldingen"]] == [melding_id]
    assert review.list_reports(table, review.parse_filter({"status": "in_behandeling"}))["meldingen"] == []


# --- FakeTable transactions behave like DynamoDB's --------------------------------------

def test_a_failed_condition_writes_nothing_and_names_the_action():
    table = FakeTable()
    table.put({"pk": "A", "sk": "1"})
    with pytest.raises(TransactionConditionFailed) as exc:
        table.transact_write([TxAdd("C", "1", {"n": 1}), TxPut({"pk": "A", "sk": "1"}, if_new=True)])
    assert exc.value.failed == [1]
    assert ("C", "1") not in table.items


def test_transaction_actions_update_delete_and_check():
    table = FakeTable()
    table.put({"pk": "A", "sk": "1", "tekst": "x"})
    table.put({"pk": "A", "sk": "2"})
    table.transact_write([TxUpdate("A", "1", set={"klaar": "ja", "weg": None}, remove=("tekst",),
                                   unless=("klaar",)),
                          TxDelete("A", "2"), TxCheck("Z", "1"), TxAdd("C", "1", {"n": -1})])
    assert table.items[("A", "1")] == {"pk": "A", "sk": "1", "klaar": "ja"}
    assert ("A", "2") not in table.items and table.items[("C", "1")]["n"] == -1
    with pytest.raises(TransactionConditionFailed):
        table.transact_write([TxUpdate("A", "1", set={"x": 1}, unless=("klaar",))])
    with pytest.raises(TransactionConditionFailed):
        table.transact_write([TxUpdate("Q", "1", set={"x": 1})])
    with pytest.raises(ValueError):
        table.transact_write([TxCheck("Z", "1"), TxCheck("Z", "1")])


# --- cancelled by the review, withdrawn by the reporter: out of the figures exactly once ---

REVIEWER = {"name": "nadine", "role": "politieke-agenda"}


def test_a_cancelled_report_leaves_the_figures_and_a_later_withdrawal_does_not_count_twice(fakes):
    from functions.meldpunt import review

    code = accept(form(), fakes)
    accept(form(), fakes)
    store_all(fakes)
    review_all(fakes)
    table = fakes[2]
    assert counters(table)["totaal"] == 2
    melding_id = fakes[0].sent[0]["id"]
    review.change_status(table, melding_id, "geannuleerd", "dubbele melding", REVIEWER, NOW)
    assert counters(table)["totaal"] == 1
    assert rechten.trek_in(code, table, NOW) == rechten.INGETROKKEN
    assert counters(table)["totaal"] == 1
    assert "beschrijving_enc" not in table.items[(f"MELDING#{melding_id}", "MELDING")]


def test_a_withdrawn_report_cannot_be_cancelled_into_a_second_decrement(fakes):
    from functions.errors import Conflict
    from functions.meldpunt import review

    code = accept(form(), fakes)
    store_all(fakes)
    review_all(fakes)
    table = fakes[2]
    rechten.trek_in(code, table, NOW)
    with pytest.raises(Conflict):
        review.change_status(table, fakes[0].sent[0]["id"], "geannuleerd", "", REVIEWER, NOW)
    assert counters(table)["totaal"] == 0


def test_a_cancellation_between_reading_and_writing_a_withdrawal_is_not_counted_twice(fakes):
    from functions.meldpunt import review

    code = accept(form(), fakes)
    store_all(fakes)
    review_all(fakes)
    melding_id = fakes[0].sent[0]["id"]

    class CancelsFirst(FakeTable):
        """The reviewer's cancellation commits just before the withdrawal's first write."""

        def __init__(self, items):
            super().__init__()
            self.items = items
            self.raced = False

        def transact_write(self, actions):
            if not self.raced:
                self.raced = True
                review.change_status(self, melding_id, "geannuleerd", "", REVIEWER, NOW)
            return super().transact_write(actions)

    table = CancelsFirst(fakes[2].items)
    assert rechten.trek_in(code, table, NOW) == rechten.INGETROKKEN
    assert counters(table)["totaal"] == 0
    report = table.items[(f"MELDING#{melding_id}", "MELDING")]
    assert report["withdrawn_at"] and report["status"] == rechten.INGETROKKEN


def test_a_review_between_reading_and_writing_a_withdrawal_is_not_counted(fakes):
    from functions.meldpunt import review

    code = accept(form(), fakes)
    store_all(fakes)
    melding_id = fakes[0].sent[0]["id"]

    class ReviewsFirst(FakeTable):
        """The reviewer takes the report in hand just before the withdrawal's first write."""

        def __init__(self, items):
            super().__init__()
            self.items = items
            self.raced = False

        def transact_write(self, actions):
            if not self.raced:
                self.raced = True
                review.change_status(self, melding_id, "in_behandeling", "", REVIEWER, NOW)
            return super().transact_write(actions)

    table = ReviewsFirst(fakes[2].items)
    assert rechten.trek_in(code, table, NOW) == rechten.INGETROKKEN
    # counted by the review, then taken out by the withdrawal: once each
    assert counters(table)["totaal"] == 0
