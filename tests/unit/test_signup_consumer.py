import pytest

from functions.adapters.mailchimp import FakeMailchimp
from functions.errors import MailchimpError
from functions.nieuwsbrief.aanmelden import process_signup

MESSAGE = {"kind": "nieuwsbrief.aanmelden", "email": "Sam@Example.org", "voornaam": "Sam",
           "werkgroepen": ["organizing", "politieke-agenda"], "lang": "en"}


def test_new_signup_becomes_a_pending_member_with_interests():
    mailchimp = FakeMailchimp()
    assert process_signup(MESSAGE, mailchimp) == "upserted"
    member = mailchimp.members["sam@example.org"]
    assert member["status"] == "pending"
    assert member["merge_fields"] == {"FNAME": "Sam"}
    assert member["interests"] == {mailchimp.interest_ids["Organizing"]: True,
                                   mailchimp.interest_ids["Politieke agenda"]: True}


def test_redelivered_signup_changes_nothing():
    mailchimp = FakeMailchimp()
    process_signup(MESSAGE, mailchimp)
    before = dict(mailchimp.members)
    process_signup(MESSAGE, mailchimp)
    assert mailchimp.members == before


@pytest.mark.parametrize("status", ["unsubscribed", "cleaned"])
def test_someone_who_left_is_never_subscribed_again(status):
    mailchimp = FakeMailchimp()
    mailchimp.add_member("sam@example.org", status=status)
    assert process_signup(MESSAGE, mailchimp) == "skipped"
    assert mailchimp.members["sam@example.org"]["status"] == status
    assert "upsert_member" not in mailchimp.calls


def test_a_subscribed_member_keeps_status_and_gains_interests():
    mailchimp = FakeMailchimp()
    mailchimp.add_member("sam@example.org", interests=["Communicatie"])
    process_signup(MESSAGE, mailchimp)
    member = mailchimp.members["sam@example.org"]
    assert member["status"] == "subscribed"
    assert sum(member["interests"].values()) == 3


def test_a_mailchimp_failure_propagates_so_the_message_is_retried():
    mailchimp = FakeMailchimp()
    mailchimp.fail_next = MailchimpError("down", status=503, retryable=True)
    with pytest.raises(MailchimpError):
        process_signup(MESSAGE, mailchimp)
