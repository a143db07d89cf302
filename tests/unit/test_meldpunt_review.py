"""Review service: transitions, append-only history, list filters and cursor, CSV, contact."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from functions.adapters.crypto import FakeCrypto
from functions.errors import AlreadyExists, Conflict, NotFound, ValidationError
from functions.http import FormData
from functions.meldpunt import review
from tests.meldpunt_seed import put_report

UTC = timezone.utc
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
ANNA = {"name": "anna", "role": "politieke-agenda", "token_id": "abc123"}
BOB = {"name": "bob", "role": "bestuur", "token_id": "def456"}


def seed(table, crypto, melding_id="m1", **kwargs):
    kwargs.setdefault("created_at", NOW - timedelta(days=3))
    return put_report(table, melding_id, crypto=crypto, **kwargs)


def status_of(table, melding_id="m1"):
    return table.get(f"MELDING#{melding_id}", "MELDING")["status"]


# --- transitions -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    ["in_behandeling", "afgehandeld"],
    ["geannuleerd"],
    ["in_behandeling", "geannuleerd"],
])
def test_allowed_paths_through_the_statuses(table, crypto, path):
    seed(table, crypto)
    for i, status in enumerate(path):
        review.change_status(table, "m1", status, f"stap {i}", ANNA, NOW + timedelta(minutes=i))
    assert status_of(table) == path[-1]


@pytest.mark.parametrize("start,target", [
    ("nieuw", "afgehandeld"), ("nieuw", "nieuw"), ("in_behandeling", "nieuw"),
    ("in_behandeling", "in_behandeling"), ("afgehandeld", "geannuleerd"),
    ("afgehandeld", "in_behandeling"), ("geannuleerd", "nieuw"), ("geannuleerd", "afgehandeld"),
])
def test_other_transitions_are_conflicts_and_change_nothing(table, crypto, start, target):
    seed(table, crypto, status=start)
    before = dict(table.items)
    with pytest.raises(Conflict):
        review.change_status(table, "m1", target, "", ANNA, NOW)
    assert table.items == before


def test_unknown_status_is_a_validation_error(table, crypto):
    seed(table, crypto)
    with pytest.raises(ValidationError):
        review.change_status(table, "m1", "klaar", "", ANNA, NOW)


def test_unknown_report_is_not_found(table):
    with pytest.raises(NotFound):
        review.change_status(table, "bestaat-niet", "in_behandeling", "", ANNA, NOW)
    with pytest.raises(NotFound):
        review.change_status(table, "../../etc", "in_behandeling", "", ANNA, NOW)


def test_a_withdrawn_report_cannot_change_status(table, crypto):
    seed(table, crypto, withdrawn_at="2026-11-26T10:00:00Z")
    with pytest.raises(Conflict):
        review.change_status(table, "m1", "in_behandeling", "", ANNA, NOW)


@pytest.mark.parametrize("final", ["afgehandeld", "geannuleerd"])
def test_closing_sets_closed_at(table, crypto, final):
    seed(table, crypto, status="in_behandeling")
    result = review.change_status(table, "m1", final, "klaar", BOB, NOW)
    item = table.get("MELDING#m1", "MELDING")
    assert item["closed_at"] == "2026-11-27T10:00:00Z" == result["closed_at"]


def test_taking_a_report_in_hand_does_not_close_it(table, crypto):
    seed(table, crypto)
    review.change_status(table, "m1", "in_behandeling", "", ANNA, NOW)
    assert "closed_at" not in table.get("MELDING#m1", "MELDING")


def test_a_status_change_keeps_every_other_field_of_the_report(table, crypto):
    report = seed(table, crypto)
    review.change_status(table, "m1", "in_behandeling", "", ANNA, NOW)
    after = table.get("MELDING#m1", "MELDING")
    for key, value in report.items():
        if key != "status":
            assert after[key] == value


def test_closing_brings_the_contact_ttl_forward_to_the_retention_deadline(table, crypto):
    seed(table, crypto, status="in_behandeling", email="x@example.org")
    before = table.get("MELDING#m1", "CONTACT")
    review.change_status(table, "m1", "afgehandeld", "", ANNA, NOW)
    contact = table.get("MELDING#m1", "CONTACT")
    deadline = NOW + timedelta(days=90 + review.TTL_SLACK_DAYS)
    assert contact["expires_at"] == int(deadline.timestamp()) < before["expires_at"]
    assert contact["contact_enc"] == before["contact_enc"]


def test_two_reviewers_leaving_the_same_status_at_once_one_gets_a_conflict(table, crypto):
    # GIVEN both reviewers read the report while it was "nieuw"
    seed(table, crypto)
    review.change_status(table, "m1", "in_behandeling", "ik pak hem", ANNA, NOW)
    # WHEN the second one's claim on leaving "nieuw" arrives late (simulated: status read stale)
    table.items[("MELDING#m1", "MELDING")]["status"] = "nieuw"
    with pytest.raises(Conflict):
        review.change_status(table, "m1", "geannuleerd", "dubbel", BOB, NOW)
    # THEN the history holds only the first change
    changes = [h for h in review.history(table, "m1") if h["action"] == "status"]
    assert [(h["from"], h["to"], h["who"]) for h in changes] == [("nieuw", "in_behandeling", "anna")]


def test_a_status_change_is_all_or_nothing(table, crypto):
    # GIVEN a table that refuses the transaction (the report was withdrawn meanwhile)
    seed(table, crypto)
    table.items[("MELDING#m1", "MELDING")]["withdrawn_at"] = "2026-11-27T09:59:00Z"
    item = dict(table.items[("MELDING#m1", "MELDING")])
    item.pop("withdrawn_at")

    stale = table.get  # the service reads a version from before the withdrawal
    table.get = lambda pk, sk: dict(item) if sk == "MELDING" else stale(pk, sk)
    with pytest.raises(Conflict):
        review.change_status(table, "m1", "in_behandeling", "", ANNA, NOW)
    # THEN neither the claim, nor a history entry, nor the status was written
    assert review.history(table, "m1") == []
    assert ("MELDING#m1", "OVERGANG#nieuw") not in table.items
    assert table.items[("MELDING#m1", "MELDING")]["status"] == "nieuw"


def test_a_status_change_never_brings_back_a_removed_description(table, crypto):
    seed(table, crypto)
    item = table.get("MELDING#m1", "MELDING")  # read while the description was there
    del table.items[("MELDING#m1", "MELDING")]["beschrijving_enc"]  # retention, meanwhile
    table.get = lambda pk, sk, _orig=table.get: dict(item) if sk == "MELDING" else _orig(pk, sk)
    review.change_status(table, "m1", "in_behandeling", "", ANNA, NOW)
    assert "beschrijving_enc" not in table.items[("MELDING#m1", "MELDING")]


# --- history -------------------------------------------------------------------------------------

def test_every_change_is_in_the_history_with_who_role_when_from_to_note(table, crypto):
    seed(table, crypto)
    review.change_status(table, "m1", "in_behandeling", "gebeld", ANNA, NOW)
    review.change_status(table, "m1", "afgehandeld", "opgelost", BOB, NOW + timedelta(hours=1))
    assert review.history(table, "m1") == [
        {"at": "2026-11-27T10:00:00Z", "who": "anna", "role": "politieke-agenda",
         "action": "status", "from": "nieuw", "to": "in_behandeling", "note": "gebeld"},
        {"at": "2026-11-27T11:00:00Z", "who": "bob", "role": "bestuur",
         "action": "status", "from": "in_behandeling", "to": "afgehandeld", "note": "opgelost"},
    ]


def test_history_entries_at_the_same_instant_are_all_kept(table):
    for who in ("a", "b", "c"):
        review.append_history(table, "m1", at="2026-11-27T10:00:00Z", who=who,
                              role="bestuur", action="contact_bekeken")
    assert [h["who"] for h in review.history(table, "m1")] == ["a", "b", "c"]


def test_history_entries_are_written_with_a_conditional_put(table):
    review.append_history(table, "m1", at="2026-11-27T10:00:00Z", who="a", role="bestuur",
                          action="x")
    (key,) = [k for k in table.items if k[1].startswith("HIST#")]
    with pytest.raises(AlreadyExists):
        table.put({"pk": key[0], "sk": key[1], "who": "overschreven"}, if_new=True)


# --- reading -------------------------------------------------------------------------------------

def test_one_report_has_its_description_and_history_but_no_contact(table, crypto):
    seed(table, crypto, beschrijving="Hij volgde me tot de tram.", email="geheim@example.org",
         telefoon="0612345678")
    review.change_status(table, "m1", "in_behandeling", "", ANNA, NOW)
    result = review.get_report(table, crypto, "m1")
    assert result["melding"]["beschrijving"] == "Hij volgde me tot de tram."
    assert result["melding"]["heeft_contact"] is True
    assert [h["action"] for h in result["geschiedenis"]] == ["status"]
    text = repr(result)
    assert "geheim@example.org" not in text and "0612345678" not in text
    assert "contact_enc" not in text and "beschrijving_enc" not in text and "receipt" not in text


def test_a_deleted_description_is_not_shown(table, crypto):
    seed(table, crypto, text_deleted_at="2026-11-01T03:15:00Z")
    assert review.get_report(table, crypto, "m1")["melding"]["beschrijving"] is None


def test_list_filters_by_status_wijk_stadsdeel_and_period(table, crypto):
    seed(table, crypto, "a", created_at=datetime(2026, 9, 30, 23, 0, tzinfo=UTC))
    seed(table, crypto, "b", created_at=datetime(2026, 10, 1, 8, 0, tzinfo=UTC), status="afgehandeld")
    seed(table, crypto, "c", created_at=datetime(2026, 10, 31, 8, 0, tzinfo=UTC),
         wijk="WK051840", stadsdeel="escamp")
    seed(table, crypto, "d", created_at=datetime(2026, 11, 1, 8, 0, tzinfo=UTC))

    def ids(**params):
        return [m["id"] for m in review.list_reports(table, review.parse_filter(params))["meldingen"]]

    assert ids() == ["d", "c", "b", "a"]  # newest first
    assert ids(status="afgehandeld") == ["b"]
    assert ids(wijk="WK051840") == ["c"]
    assert ids(stadsdeel="centrum") == ["d", "b", "a"]
    assert ids(van="2026-10", tot="2026-10") == ["c", "b"]
    assert ids(van="2026-10-31") == ["d", "c"]
    assert ids(tot="2026-09-30") == ["a"]


def test_the_list_carries_neither_description_nor_contact(table, crypto):
    seed(table, crypto, beschrijving="tekst", email="x@example.org")
    (item,) = review.list_reports(table, review.Filter())["meldingen"]
    assert set(item) == set(review.REPORT_FIELDS)
    assert "tekst" not in repr(item) and "x@example.org" not in repr(item)


@pytest.mark.parametrize("params,field", [
    ({"status": "weg"}, "status"), ({"van": "2026-13"}, "van"), ({"tot": "gisteren"}, "tot"),
    ({"van": "2026-11", "tot": "2026-10"}, "tot"), ({"wijk": "<script>"}, "wijk"),
    ({"van": "2026-02-30"}, "van"),
])
def test_bad_filters_name_their_field(params, field):
    with pytest.raises(ValidationError) as caught:
        review.parse_filter(params)
    assert field in caught.value.errors


@pytest.mark.parametrize("params,field", [
    ({"limit": "0"}, "limit"), ({"limit": "101"}, "limit"), ({"limit": "tien"}, "limit"),
    ({"cursor": "bm9wZQ"}, "cursor"), ({"cursor": "!!!"}, "cursor"),
])
def test_bad_paging_names_its_field(params, field):
    with pytest.raises(ValidationError) as caught:
        review.parse_page(params)
    assert field in caught.value.errors


def test_pages_follow_each_other_without_gaps_or_repeats(table, crypto):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(53):
        seed(table, crypto, f"m{n:02d}", created_at=start + timedelta(hours=n),
             status="afgehandeld" if n % 3 == 0 else "nieuw")
    flt = review.parse_filter({"status": "nieuw"})
    seen, cursor, pages = [], None, 0
    while True:
        limit, decoded = review.parse_page({"limit": "10", **({"cursor": cursor} if cursor else {})})
        page = review.list_reports(table, flt, limit, decoded)
        seen += [m["id"] for m in page["meldingen"]]
        pages += 1
        cursor = page["cursor"]
        if not cursor:
            break
    expected = [f"m{n:02d}" for n in reversed(range(53)) if n % 3 != 0]
    assert seen == expected
    assert pages == 4  # 35 reports: 10 + 10 + 10 + 5, and no empty page at the end


def test_the_cursor_is_opaque_and_tamper_checked():
    item = {"pk": "MELDING#x", "sk": "MELDING", "gsi1pk": "MELDINGEN",
            "gsi1sk": "2026-01-01T00:00:00Z#x"}
    cursor = review.encode_cursor(item)
    assert "MELDING" not in cursor and review.decode_cursor(cursor) == item
    forged = review.encode_cursor({**item, "gsi1pk": "TOKENS"})
    assert review.decode_cursor(forged) is None


# --- contact -------------------------------------------------------------------------------------

def test_viewing_the_contact_details_writes_the_history_first(table, crypto):
    seed(table, crypto, email="melder@example.org", telefoon="0612345678")

    class Exploding(FakeCrypto):
        def decrypt(self, ciphertext, context):
            assert any(h["action"] == "contact_bekeken" for h in review.history(table, "m1"))
            return super().decrypt(ciphertext, context)

    result = review.view_contact(table, Exploding(), "m1", ANNA, NOW)
    assert result == {"id": "m1", "email": "melder@example.org", "telefoon": "0612345678"}
    (entry,) = review.history(table, "m1")
    assert entry["action"] == "contact_bekeken" and entry["who"] == "anna"
    assert entry["role"] == "politieke-agenda" and entry["at"] == "2026-11-27T10:00:00Z"


def test_each_viewing_is_a_new_history_entry(table, crypto):
    seed(table, crypto, email="melder@example.org")
    for _ in range(3):
        review.view_contact(table, crypto, "m1", ANNA, NOW)
    assert [h["action"] for h in review.history(table, "m1")] == ["contact_bekeken"] * 3


def test_no_contact_details_is_not_found_and_not_logged_as_viewed(table, crypto):
    seed(table, crypto)
    with pytest.raises(NotFound):
        review.view_contact(table, crypto, "m1", ANNA, NOW)
    assert review.history(table, "m1") == []


# --- CSV -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+31", "'+31"), ("-1", "'-1"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("gewoon", "gewoon"), (None, ""), (True, "ja"),
    (["a", "b"], "a;b"), (3, "3"),
])
def test_csv_cells_cannot_become_formulas(value, expected):
    assert review.csv_cell(value) == expected


def test_csv_export_has_no_description_or_contact_and_is_injection_safe(table, crypto):
    seed(table, crypto, "-m1", beschrijving="Mijn verhaal", email="melder@example.org",
         telefoon="0612345678")
    seed(table, crypto, "m2", wijk="=cmd|' /C calc'!A0")
    text = review.export_csv(table, review.Filter())
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(review.CSV_COLUMNS)
    assert len(rows) == 3
    assert "Mijn verhaal" not in text and "melder@example.org" not in text
    assert "0612345678" not in text and "fake1:" not in text
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_status_change_body_is_parsed_and_bounded():
    assert review.parse_status_change(FormData({"status": ["afgehandeld"], "notitie": [" ok "]})) \
        == ("afgehandeld", "ok")
    with pytest.raises(ValidationError):
        review.parse_status_change(FormData({"status": ["afgehandeld"], "notitie": ["x" * 2001]}))
