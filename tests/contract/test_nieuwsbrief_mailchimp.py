"""The newsletter through the real adapter against the Mailchimp stand-in, told to fail:
429, 500 and timeouts (also after the work was done) on create, schedule and send. Counted
in the stand-in's own records: one campaign, one schedule or send. Every request fits both
renderings of Mailchimp's spec."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from functions.adapters.dynamo import FakeTable
from functions.adapters.queue import FakeQueue
from functions.errors import MailchimpError
from functions.nieuwsbrief import planning as plan
from functions.nieuwsbrief import uitgave
from functions.nieuwsbrief.secties import Bron
from functions.rendering import default_renderer
from tests.contract.test_mailchimp_contract import SPECS, answer_violations, spec_violations, specs  # noqa: F401
from tests.mailchimp_fixtures import adapter_for, running_standin

UTC = timezone.utc
COMPILE = datetime(2026, 12, 20, 8, tzinfo=UTC)
EDITOR = {"name": "martijn", "role": "bestuur"}


def applied(standin, suffix, after_applying):
    """POSTs to ``suffix`` the stand-in carried out: answered 2xx, or failed on purpose only
    after doing the work."""
    return [r for r in standin.requests() if r["method"] == "POST" and r["path"].endswith(suffix)
            and ((r["injected"] is None and r["status"] is not None and r["status"] < 300)
                 or (r["injected"] is not None and after_applying))]


def run_until_done(step, attempts=6):
    """What SQS does for a failing consumer: deliver again, up to maxReceiveCount."""
    for _ in range(attempts):
        try:
            return step()
        except MailchimpError as exc:
            assert exc.retryable or exc.status in (None, 400), exc
    raise AssertionError("never succeeded")


@pytest.mark.parametrize("failure", [
    (429, "/campaigns", False), (500, "/campaigns", True), ("timeout", "/campaigns", True),
    (429, "/actions/schedule", False), (500, "/actions/schedule", True),
    ("timeout", "/actions/schedule", True), ("timeout", "/actions/send", True),
    ("empty:503", "/actions/send", False)])
def test_failing_mailchimp_never_makes_a_second_campaign_or_send(failure):
    mode, path, after_applying = failure
    table, queue = FakeTable(), FakeQueue()
    planning = plan.Planning.from_afdeling()
    now = COMPILE if path != "/actions/send" else datetime(2027, 1, 1, 10, tzinfo=UTC)
    with running_standin() as standin:
        mailchimp = adapter_for(standin, timeout=1.0)
        standin.fail(mode, path_contains=path, times=1, after_applying=after_applying)
        bron = Bron(table=table, maand="2027-01", now=COMPILE, today=COMPILE.date(), k=5,
                    base_url="https://x.example/api")
        run_until_done(lambda: uitgave.samenstellen(table, mailchimp, default_renderer(), bron,
                                                    planning, verzoek="schema-2027-01", who=EDITOR))
        uitgave.goedkeuren(table, mailchimp, queue, "2027-01", planning, EDITOR, now)
        message = queue.sent[-1]
        run_until_done(lambda: uitgave.versturen(table, mailchimp, message, now))
        run_until_done(lambda: uitgave.versturen(table, mailchimp, message, now))  # redelivered
        creates = applied(standin, "/campaigns", after_applying and path == "/campaigns")
        delivered = (applied(standin, "/actions/schedule", after_applying and path == "/actions/schedule")
                     + applied(standin, "/actions/send", after_applying and path == "/actions/send"))
        status = table.get("NIEUWSBRIEF#2027-01", "UITGAVE")["status"]
        campaigns = standin.campaigns()
    assert len(creates) == 1 and len(campaigns) == 1, creates
    assert len(delivered) == 1, delivered
    assert status == ("verzonden" if path == "/actions/send" else "gepland")
    assert campaigns[0]["status"] == ("sent" if path == "/actions/send" else "schedule")


@pytest.fixture(scope="module")
def a_whole_newsletter():
    table, queue = FakeTable(), FakeQueue()
    planning = plan.Planning.from_afdeling()
    with running_standin() as standin:
        mailchimp = adapter_for(standin)
        bron = Bron(table=table, maand="2027-01", now=COMPILE, today=COMPILE.date(), k=5,
                    base_url="https://x.example/api")
        uitgave.samenstellen(table, mailchimp, default_renderer(), bron, planning,
                             verzoek="schema", who=EDITOR)
        uitgave.samenstellen(table, mailchimp, default_renderer(), bron, planning,
                             verzoek="again", who=EDITOR)
        uitgave.goedkeuren(table, mailchimp, queue, "2027-01", planning, EDITOR, COMPILE)
        uitgave.versturen(table, mailchimp, queue.sent[-1], COMPILE)
        uitgave.intrekken(table, mailchimp, "2027-01", planning, EDITOR, COMPILE)
        late = datetime(2027, 1, 1, 10, tzinfo=UTC)
        uitgave.goedkeuren(table, mailchimp, queue, "2027-01", planning, EDITOR, late)
        uitgave.versturen(table, mailchimp, queue.sent[-1], late)
        yield standin.exchanges()


@pytest.mark.parametrize("spec_name", SPECS)
def test_every_newsletter_request_and_answer_fits_the_spec(specs, a_whole_newsletter, spec_name):  # noqa: F811
    assert len(a_whole_newsletter) >= 10
    assert spec_violations(specs[spec_name], a_whole_newsletter) == []
    assert answer_violations(specs[spec_name], a_whole_newsletter) == []
