"""Fixtures for tests that talk to the Mailchimp stand-in.

``tests/conftest.py`` registers the fixtures ``standin`` and ``mailchimp_adapter`` for every
test; the helpers ``running_standin`` and ``adapter_for`` are imported where needed.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import pytest

from functions.adapters.mailchimp import MailchimpMarketing
from infra.local.mailchimp_standin import MailchimpStandIn


@contextmanager
def running_standin(seed: bool = True) -> Iterator[MailchimpStandIn]:
    """A started stand-in (with the demo audience), stopped afterwards."""
    standin = MailchimpStandIn().start()
    try:
        if seed:
            standin.seed_demo()
        yield standin
    finally:
        standin.stop()
    assert not standin.internal_errors, standin.internal_errors[0]


def adapter_for(standin: MailchimpStandIn, timeout: float = 5.0) -> MailchimpMarketing:
    """The real adapter, pointed at the stand-in."""
    return MailchimpMarketing(api_key=standin.api_key, server="us1", list_id=standin.list_id,
                              base_url=standin.base_url, timeout=timeout)


@pytest.fixture
def standin() -> Iterator[MailchimpStandIn]:
    with running_standin() as started:
        yield started


@pytest.fixture
def mailchimp_adapter(standin: MailchimpStandIn) -> MailchimpMarketing:
    return adapter_for(standin)
