"""Mailchimp calls per newsletter and per invitation (issue 12), counted in the Mailchimp
stand-in's recorded requests, for an audience of 10 and of 10,000 members: the real adapter,
the real services, the happy path (no failure, no retry)."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

from infra.local.mailchimp_standin import MailchimpStandIn
from tests.mailchimp_fixtures import adapter_for

SIZES = (10, 10_000)
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)  # a Tuesday; the January issue is not due yet
BASE = "https://denhaag.example/api"
NEWSLETTER_GOAL, INVITATION_GOAL = 6, 4


def audience(size: int) -> MailchimpStandIn:
    """A started stand-in with the demo audience grown to ``size`` members."""
    standin = MailchimpStandIn().start()
    standin.seed_demo()
    interests = ("Communicatie", "Politieke agenda", "Organizing")
    for n in range(size - len(standin.members())):
        standin.add_member(f"lid{n}@example.org", tags=("lid",) if n % 2 else (),
                           interests=(interests[n % 3],))
    assert len(standin.members()) == size
    return standin


def calls(standin: MailchimpStandIn, since: int) -> list[str]:
    """The requests since the ``since``-th one, as "METHOD /path" with ids left out."""
    out = []
    for r in standin.requests()[since:]:
        assert r["status"] is not None and r["status"] < 400, r
        parts = ["{id}" if len(p) >= 10 and any(c.isdigit() for c in p) else p
                 for p in r["path"].split("/")]
        out.append(f"{r['method']} {'/'.join(parts)}")
    return out


def newsletter(standin: MailchimpStandIn) -> list[str]:
    """Compile (create, content, test mail), approve (checklist), send (status, schedule)."""
    from functions.adapters.dynamo import FakeTable
    from functions.adapters.queue import FakeQueue
    from functions.meldpunt.cijfers import vandaag
    from functions.nieuwsbrief import uitgave
    from functions.nieuwsbrief.planning import Planning
    from functions.nieuwsbrief.secties import Bron
    from functions.rendering import default_renderer

    table, queue, mailchimp = FakeTable(), FakeQueue(), adapter_for(standin)
    planning = Planning.from_afdeling()
    maand = "2027-01"
    assert planning.verstuurmoment(maand) > NOW  # approved before its moment: scheduled
    before = len(standin.requests())
    bron = Bron(table=table, maand=maand, now=NOW, today=vandaag(NOW), k=5, base_url=BASE)
    uitgave.samenstellen(table, mailchimp, default_renderer(), bron, planning, verzoek="bench",
                         who={"name": "bench", "role": "communicatie"})
    uitgave.goedkeuren(table, mailchimp, queue, maand, planning,
                       {"name": "bench", "role": "bestuur"}, NOW)
    (message,) = queue.sent
    assert uitgave.versturen(table, mailchimp, message, NOW) == uitgave.GEPLAND
    return calls(standin, before)


def invitations(standin: MailchimpStandIn) -> dict[str, list[str]]:
    """The daily schedule's invitations (one per kind of meeting due), each sent: per title."""
    from functions.adapters.dynamo import FakeTable
    from functions.adapters.queue import FakeQueue
    from functions.config import WERKGROEP_INTEREST_NAMES
    from functions.kalender import gegevens, uitnodigingen
    from functions.rendering import default_renderer

    table, queue, mailchimp = FakeTable(), FakeQueue(), adapter_for(standin)
    kalender = gegevens.huidig()
    uitnodigingen.plan(kalender, table, queue, NOW)
    assert queue.sent, "no invitation due"
    out = {}
    for message in list(queue.sent):
        before = len(standin.requests())
        result = uitnodigingen.verwerk(message, kalender=kalender, table=table, mailchimp=mailchimp,
                                       renderer=default_renderer(), now=NOW, base_url=BASE,
                                       tags={"bestuur": "bestuur", "leden": "lid"},
                                       interests=WERKGROEP_INTEREST_NAMES)
        assert result == uitnodigingen.VERSTUURD
        out[f"{message['activiteit']} {message['soort']}"] = calls(standin, before)
    return out


def test_mailchimp_calls_do_not_grow_with_the_audience(table):
    letters, invites = {}, {}
    for size in SIZES:
        standin = audience(size)
        try:
            letters[size] = newsletter(standin)
            invites[size] = invitations(standin)
        finally:
            standin.stop()
        assert not standin.internal_errors, standin.internal_errors[0]

    small, large = SIZES
    n = {size: len(letters[size]) for size in SIZES}
    table.record("mailchimp_newsletter", f"{n[small]} / {n[large]}",
                 letters[small] == letters[large] and n[large] <= NEWSLETTER_GOAL,
                 "; ".join(f"{count}× {call}" if count > 1 else call
                           for call, count in Counter(letters[large]).items()))

    per = {size: {title: len(c) for title, c in invites[size].items()} for size in SIZES}
    worst = {size: max(per[size].values()) for size in SIZES}
    kinds = ", ".join(f"{title}: {count}" for title, count in per[large].items())
    example_title = max(invites[large], key=lambda t: len(invites[large][t]))
    table.record("mailchimp_invitation", f"{worst[small]} / {worst[large]} (most, of {len(per[large])})",
                 per[small] == per[large] and worst[large] <= INVITATION_GOAL,
                 f"per invitation ({kinds}); the most: {example_title} = "
                 + "; ".join(invites[large][example_title]))
