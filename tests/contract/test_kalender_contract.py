"""Every Mailchimp request the kalender makes (an invitation, a reminder and the notices, to
each kind of audience: the bestuur tag, a werkgroep interest, the lid tag, everyone) fits both
renderings of Mailchimp's spec, as do the stand-in's answers to them."""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from functions.adapters.dynamo import FakeTable
from functions.adapters.queue import FakeQueue
from functions.config import WERKGROEP_INTEREST_NAMES
from functions.http import FormData
from functions.kalender import gegevens, uitnodigingen, wijzigingen
from tests.contract.test_mailchimp_contract import (SPECS, answer_violations, condition_violations,
                                                   spec_violations, specs, undocumented)  # noqa: F401
from tests.mailchimp_fixtures import adapter_for, running_standin

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def exercised() -> SimpleNamespace:
    from functions.rendering import default_renderer

    kalender, table, queue = gegevens.huidig(), FakeTable(), FakeQueue()
    with running_standin() as standin:
        mailchimp = adapter_for(standin)

        def run(at):
            uitnodigingen.plan(kalender, table, queue, at)
            while queue.sent:
                uitnodigingen.verwerk(queue.sent.pop(0), kalender=kalender, table=table,
                                      mailchimp=mailchimp, renderer=default_renderer(), now=at,
                                      base_url="https://denhaag.example/api",
                                      tags={"bestuur": "bestuur", "leden": "lid"},
                                      interests=WERKGROEP_INTEREST_NAMES)

        run(NOW)                                                     # four invitations
        who = {"name": "tim", "role": "bestuur", "token_id": "t"}
        wijzigingen.annuleer(kalender, table, "werkgroep-communicatie-2026-12-07", FormData(), who, NOW)
        wijzigingen.verplaats(kalender, table, "afdelingsbijeenkomst-2026-12-10",
                              FormData({"start": ["2026-12-17T19:30"]}), who, NOW)
        run(NOW)                                                     # the two notices
        run(datetime(2026, 12, 5, 7, 0, tzinfo=timezone.utc))        # the themaBIJ1komst: everyone
        run(datetime(2026, 12, 16, 7, 0, tzinfo=timezone.utc))       # a reminder
        recorded = standin.exchanges()
    return SimpleNamespace(requests=recorded)


def test_the_run_made_every_kind_of_kalender_campaign(exercised):
    titles = sorted(r["body"]["settings"]["title"] for r in exercised.requests
                    if r["method"] == "POST" and r["path"] == "/3.0/campaigns")
    kinds = {t.rsplit(" ", 1)[1].split("-")[0] for t in titles}
    assert kinds == {"uitnodiging", "herinnering", "afgelast", "verplaatst"}
    conditions = [c["condition_type"] for r in exercised.requests
                  if r["method"] == "POST" and r["path"] == "/3.0/campaigns"
                  for c in (r["body"]["recipients"].get("segment_opts") or {}).get("conditions", [])]
    assert {"StaticSegment", "Interests"} <= set(conditions)
    assert any("segment_opts" not in r["body"]["recipients"] for r in exercised.requests
               if r["method"] == "POST" and r["path"] == "/3.0/campaigns")   # everyone
    assert all(r["status"] is not None and r["status"] < 400 for r in exercised.requests)


@pytest.mark.parametrize("spec_name", SPECS)
def test_every_kalender_request_fits_the_spec(specs, exercised, spec_name):
    spec = specs[spec_name]
    assert spec_violations(spec, exercised.requests) == []
    assert undocumented(spec, exercised.requests) == []
    assert condition_violations(spec, exercised.requests) == []
    assert answer_violations(spec, exercised.requests) == []
