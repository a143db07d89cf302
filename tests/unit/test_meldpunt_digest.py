"""Weekly digest: counts to the werkgroep's interest, no text or contact, once per ISO week."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from functions.adapters.dynamo import FakeTable
from functions.adapters.mailchimp import FakeMailchimp
from functions.errors import TemporarilyUnavailable
from functions.meldpunt import digest
from functions.rendering import default_renderer
from tests.meldpunt_seed import published, put_report

UTC = timezone.utc
MONDAY = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # ISO week 2026-W49; covers W48
REVIEW_URL = "https://denhaag.bij1.org/api" + digest.REVIEW_PAGE
SECRET_TEXT = "Hij riep mijn naam bij de Hoefkade"
EMAIL = "melder@example.org"
PHONE = "0612345678"


@pytest.fixture
def mailchimp():
    fake = FakeMailchimp()
    fake.add_member("werkgroep@example.org", interests=["Politieke agenda"])
    fake.add_member("lid@example.org", interests=["Communicatie"])
    return fake


def seed_week(table, crypto, *, end=MONDAY, n_transvaal=6, n_duindorp=2, prefix="m"):
    for i in range(n_transvaal):
        put_report(table, f"{prefix}t{i}", crypto=crypto, created_at=end - timedelta(days=1, hours=i),
                   wijk="WK051830", stadsdeel="centrum", beschrijving=SECRET_TEXT, email=EMAIL,
                   telefoon=PHONE, status="in_behandeling" if i == 0 else "nieuw")
    for i in range(n_duindorp):
        put_report(table, f"{prefix}d{i}", crypto=crypto, created_at=end - timedelta(days=2, hours=i),
                   wijk="WK051808", stadsdeel="scheveningen", beschrijving=SECRET_TEXT)


def run(table, mailchimp, now=MONDAY, k=5):
    return digest.run(table, mailchimp, default_renderer(), now, k=k, review_url=REVIEW_URL)


def only_campaign(mailchimp):
    (campaign,) = mailchimp.campaigns.values()
    return campaign


def test_the_digest_goes_to_the_politieke_agenda_interest_only(table, mailchimp, crypto):
    seed_week(table, crypto)
    result = run(table, mailchimp)
    campaign = only_campaign(mailchimp)
    assert result == {"week": "2026-W48", "status": "sent", "campaign_id": campaign["id"]}
    assert campaign["settings"]["title"] == "meldpunt-digest-2026-W48"
    assert mailchimp.recipients(campaign["id"]) == ["werkgroep@example.org"]
    assert mailchimp.sent == [campaign["id"]]


def test_the_digest_counts_by_status_and_wijk_with_the_cell_key_method_and_links_to_review(
        table, mailchimp, crypto):
    seed_week(table, crypto, n_transvaal=12, n_duindorp=2)
    run(table, mailchimp)
    text = only_campaign(mailchimp)["plain_text"]
    transvaal = [f"mt{i}" for i in range(12)]
    duindorp = [f"md{i}" for i in range(2)]
    # every number as the public figures would show that set of reports
    assert f"Nieuwe meldingen: {published(transvaal + duindorp)}" in text
    assert f"- nieuw: {published(transvaal[1:] + duindorp)}" in text
    assert "- in behandeling: <5" in text  # one report: a count below k is never shown
    assert f"Transvaalkwartier (Centrum): {published(transvaal)}" in text
    assert "Duindorp (Scheveningen): <5" in text
    assert REVIEW_URL in text and REVIEW_URL in only_campaign(mailchimp)["html"]


def test_small_counts_are_never_shown_and_shown_counts_are_close(table, mailchimp, crypto):
    seed_week(table, crypto, n_transvaal=3, n_duindorp=0)
    run(table, mailchimp)
    text = only_campaign(mailchimp)["plain_text"]
    assert "Nieuwe meldingen: <5" in text
    assert "- nieuw: <5" in text and "Transvaalkwartier (Centrum): <5" in text
    assert "3" not in text.split("Per status")[1].split("Bekijk")[0]


def test_large_counts_are_shown_within_two_of_the_truth(table, mailchimp, crypto):
    seed_week(table, crypto, n_transvaal=7, n_duindorp=0)
    for i in range(6):
        put_report(table, f"x{i}", crypto=crypto, created_at=MONDAY - timedelta(hours=3 + i),
                   wijk="WK051808", stadsdeel="scheveningen", status="in_behandeling")
    run(table, mailchimp)
    text = only_campaign(mailchimp)["plain_text"]
    duindorp = published([f"x{i}" for i in range(6)])
    assert f"Duindorp (Scheveningen): {duindorp}" in text
    everything = published([f"mt{i}" for i in range(7)] + [f"x{i}" for i in range(6)])
    assert f"Nieuwe meldingen: {everything}" in text
    assert isinstance(everything, int) and abs(everything - 13) <= 2


def test_no_report_text_or_contact_detail_is_in_the_mail(table, mailchimp, crypto):
    seed_week(table, crypto)
    run(table, mailchimp)
    campaign = only_campaign(mailchimp)
    mail = " ".join([campaign["html"], campaign["plain_text"], campaign["settings"]["subject_line"],
                     campaign["settings"]["preview_text"]])
    for secret in (SECRET_TEXT, "Hoefkade", EMAIL, PHONE, "fake1:", "mt0", "md0"):
        assert secret not in mail


def test_a_second_run_in_the_same_week_sends_nothing(table, mailchimp, crypto):
    seed_week(table, crypto)
    first = run(table, mailchimp)
    second = run(table, mailchimp, MONDAY + timedelta(hours=5))
    assert second["status"] == "already_sent" and second["campaign_id"] == first["campaign_id"]
    assert len(mailchimp.campaigns) == 1 and len(mailchimp.sent) == 1


class FlakyTable(FakeTable):
    """Fails the n-th update of the run item once (a crash between two steps)."""

    def __init__(self, fail_on_update: int):
        super().__init__()
        self.fail_on_update = fail_on_update
        self.updates = 0

    def transact_write(self, actions):
        self.updates += 1
        if self.updates == self.fail_on_update:
            raise TemporarilyUnavailable("crash")
        return super().transact_write(actions)


def test_a_campaign_created_before_a_crash_is_found_by_title_not_created_again(mailchimp, crypto):
    # GIVEN a run that created the campaign but crashed before recording its id
    table = FlakyTable(fail_on_update=1)
    seed_week(table, crypto)
    with pytest.raises(TemporarilyUnavailable):
        run(table, mailchimp)
    assert len(mailchimp.campaigns) == 1 and mailchimp.sent == []
    # WHEN the schedule (or Lambda's retry) runs again the same week
    result = run(table, mailchimp, MONDAY + timedelta(minutes=2))
    # THEN the same campaign is completed and sent once
    assert len(mailchimp.campaigns) == 1
    assert mailchimp.sent == [result["campaign_id"]]
    assert only_campaign(mailchimp)["html"]


def test_a_crash_after_sending_does_not_send_again(mailchimp, crypto):
    table = FlakyTable(fail_on_update=2)  # the "sent" mark fails
    seed_week(table, crypto)
    with pytest.raises(TemporarilyUnavailable):
        run(table, mailchimp)
    assert len(mailchimp.sent) == 1
    result = run(table, mailchimp, MONDAY + timedelta(minutes=2))
    assert result["status"] == "sent" and len(mailchimp.sent) == 1
    assert "set_content" not in mailchimp.calls[mailchimp.calls.index("send") + 1:]


def test_the_run_record_holds_the_campaign_id_before_sending(table, mailchimp, crypto):
    seed_week(table, crypto)
    seen = {}
    original = mailchimp.send

    def send(campaign_id):
        seen["run"] = table.get("DIGEST#meldpunt", "RUN#2026-W48")
        return original(campaign_id)

    mailchimp.send = send
    run(table, mailchimp)
    assert seen["run"]["campaign_id"] and seen["run"]["status"] == "created"


def test_each_digest_counts_the_reports_since_the_previous_one(table, mailchimp, crypto):
    seed_week(table, crypto, n_transvaal=8, n_duindorp=0)
    run(table, mailchimp)
    next_monday = MONDAY + timedelta(days=7)
    seed_week(table, crypto, end=next_monday, n_transvaal=0, n_duindorp=5, prefix="w2")
    put_report(table, "na", crypto=crypto, created_at=next_monday + timedelta(minutes=1))
    run(table, mailchimp, next_monday)
    second = [c for c in mailchimp.campaigns.values()
              if c["settings"]["title"] == "meldpunt-digest-2026-W49"][0]
    assert f"Nieuwe meldingen: {published([f'w2d{i}' for i in range(5)])}" in second["plain_text"]
    assert "Transvaalkwartier" not in second["plain_text"]
    last = table.get("DIGEST#meldpunt", "LAST")
    assert last["until"] == "2026-12-07T07:00:00Z" and last["week"] == "2026-W49"


def test_withdrawn_reports_are_not_counted(table, mailchimp, crypto):
    seed_week(table, crypto, n_transvaal=6, n_duindorp=0)
    put_report(table, "weg", crypto=crypto, created_at=MONDAY - timedelta(hours=1),
               withdrawn_at="2026-11-30T06:30:00Z")
    run(table, mailchimp)
    assert "Nieuwe meldingen: 6" in only_campaign(mailchimp)["plain_text"]


def test_the_digest_names_the_week_it_covers_not_the_week_it_is_sent_in(table, mailchimp, crypto):
    # GIVEN the Monday firing of 2026-11-30 07:00Z (ISO week 49), covering 23-30 November
    seed_week(table, crypto)
    run(table, mailchimp)
    campaign = only_campaign(mailchimp)
    # THEN subject, title and period all name week 48
    assert "2026-W48" in campaign["settings"]["subject_line"]
    assert "W49" not in campaign["settings"]["subject_line"] + campaign["plain_text"]
    assert "23-11-2026" in campaign["plain_text"] and "30-11-2026" in campaign["plain_text"]
    # and across the year boundary: Monday 2027-01-04 covers 2026-W53
    assert digest.week_covered(datetime(2027, 1, 4, 7, tzinfo=UTC)) == "2026-W53"
    assert digest.week_covered(datetime(2026, 12, 28, 7, tzinfo=UTC)) == "2026-W52"


def test_weeks_are_iso_weeks():
    assert digest.iso_week(datetime(2026, 12, 28, 7, tzinfo=UTC)) == "2026-W53"
    assert digest.iso_week(datetime(2027, 1, 4, 7, tzinfo=UTC)) == "2027-W01"
    assert digest.title_for("2026-W48") == "meldpunt-digest-2026-W48"
