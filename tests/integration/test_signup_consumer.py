"""The signup consumer, invoked as Lambda would, with the real adapter against the stand-in."""
import json

from functions import wiring
from tests.conftest import sqs_event
from tests.mailchimp_fixtures import adapter_for


def test_consumer_upserts_pending_members_and_reports_only_failures(client, standin):
    wiring.override(mailchimp=adapter_for(standin))
    good = json.dumps({"kind": "nieuwsbrief.aanmelden", "email": "nieuw@example.org", "voornaam": "Nieuw",
                       "werkgroepen": ["communicatie"], "lang": "nl"})
    broken = json.dumps({"kind": "nieuwsbrief.aanmelden"})  # no email: a poison message
    event = sqs_event(good, broken)
    result = client.lambda_.invoke("nieuwsbrief_aanmelden_consumer", event).payload
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    member = next(m for m in standin.members() if m["email"] == "nieuw@example.org")
    assert member["status"] == "pending"
    assert member["interests"][standin.interest_id("Communicatie")] is True


def test_mailchimp_rate_limit_fails_the_record_for_a_retry(client, standin):
    wiring.override(mailchimp=adapter_for(standin))
    standin.fail(429, path_contains="/members/")
    event = sqs_event(json.dumps({"kind": "nieuwsbrief.aanmelden", "email": "later@example.org",
                                  "voornaam": "", "werkgroepen": [], "lang": "nl"}))
    result = client.lambda_.invoke("nieuwsbrief_aanmelden_consumer", event).payload
    assert result["batchItemFailures"] == [{"itemIdentifier": event["Records"][0]["messageId"]}]
    # the retry succeeds once Mailchimp answers again
    retry = client.lambda_.invoke("nieuwsbrief_aanmelden_consumer", event).payload
    assert retry == {"batchItemFailures": []}
    assert any(m["email"] == "later@example.org" for m in standin.members())
