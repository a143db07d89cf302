"""FakeMailchimp keeps the real adapter's semantics (the integration tests run the shared
ones against both); no network here."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from functions.adapters.mailchimp import FakeMailchimp, interest_segment_opts, schedule_time
from functions.errors import MailchimpError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake() -> FakeMailchimp:
    fake = FakeMailchimp()
    fake.add_member("anna@example.org", tags=["bestuur"], interests=["Communicatie"])
    fake.add_member("bram@example.org", interests=["Organizing"])
    fake.add_member("gijs@example.org", status="unsubscribed", tags=["bestuur"],
                    interests=["Communicatie"])
    return fake


def ready(fake: FakeMailchimp, segment_opts=None, title="t") -> str:
    campaign_id = fake.create_campaign(title=title, subject="s", segment_opts=segment_opts)
    fake.set_content(campaign_id, html="<p>x</p>", plain_text="x")
    return campaign_id


def test_upsert_creates_pending_members_and_keeps_existing_status(fake):
    assert fake.get_member("Nieuw@example.org") is None
    assert fake.upsert_member("Nieuw@example.org", merge_fields={"FNAME": "N"})["status"] \
        == "pending"
    assert fake.upsert_member("gijs@example.org", merge_fields={"FNAME": "G"})["status"] \
        == "unsubscribed"
    assert fake.get_member("nieuw@example.org")["merge_fields"] == {"FNAME": "N"}


def test_upsert_with_an_unknown_interest_is_a_400(fake):
    with pytest.raises(MailchimpError) as raised:
        fake.upsert_member("nieuw@example.org", interests={"bestaat-niet": True})
    assert raised.value.status == 400 and "nieuw@example.org" not in fake.members


def test_tags_change_segments_and_unknown_members_are_a_404(fake):
    fake.update_tags("bram@example.org", {"bestuur": True})
    fake.update_tags("anna@example.org", {"bestuur": False})

    campaign_id = ready(fake, fake.tag_segment("Bestuur"))
    assert fake.recipients(campaign_id) == ["bram@example.org"]
    with pytest.raises(MailchimpError) as raised:
        fake.update_tags("niemand@example.org", {"bestuur": True})
    assert raised.value.status == 404


def test_interest_segments_have_the_real_shape_and_skip_unsubscribed_members(fake):
    opts = fake.interest_segment("Communicatie")

    communicatie = fake.werkgroep_interest_ids()["Communicatie"]
    assert opts == interest_segment_opts(fake.category_id, communicatie)
    assert fake.recipients(ready(fake, opts)) == ["anna@example.org"]


def test_send_is_idempotent(fake):
    campaign_id = ready(fake)

    assert fake.send(campaign_id) == "sending"
    assert fake.send(campaign_id) == "sent"

    assert fake.sent == [campaign_id]
    assert fake.get_campaign(campaign_id)["emails_sent"] == 2
    with pytest.raises(MailchimpError):
        fake.set_content(campaign_id, html="<p>later</p>", plain_text="later")


def test_fail_next_raises_once_and_only_for_the_named_method(fake):
    fake.fail_next = MailchimpError("down", status=503, retryable=True)
    fake.fail_method = "send"
    campaign_id = ready(fake)  # other methods are not affected

    with pytest.raises(MailchimpError):
        fake.send(campaign_id)
    assert fake.sent == []
    assert fake.send(campaign_id) == "sending"


def test_schedule_validates_the_time_like_the_real_adapter(fake):
    campaign_id = ready(fake)

    with pytest.raises(ValueError):
        fake.schedule(campaign_id, datetime(2030, 1, 1, 10, 10, tzinfo=timezone.utc))
    fake.schedule(campaign_id, datetime(2030, 1, 1, 10, 45, tzinfo=timezone.utc))

    assert fake.get_campaign(campaign_id)["status"] == "schedule"
    plus_one = timezone(timedelta(hours=1))
    assert schedule_time(datetime(2030, 1, 1, 11, 45, tzinfo=plus_one)) == "2030-01-01T10:45:00+00:00"


def test_find_campaign_by_title_returns_the_newest(fake):
    fake.create_campaign(title="Agenda", subject="oud")
    newest = fake.create_campaign(title="Agenda", subject="nieuw")

    assert fake.find_campaign_by_title("Agenda")["id"] == newest
    assert fake.find_campaign_by_title("Onbekend") is None


def test_importing_the_adapter_module_does_not_import_the_client():
    code = ("import sys, functions.adapters.mailchimp as m; m.FakeMailchimp(); "
            "print('mailchimp_marketing' in sys.modules, 'requests' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout

    assert out.split() == ["False", "False"]
