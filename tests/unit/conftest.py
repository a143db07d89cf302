"""Fakes shared by the unit tests of the services: a fresh table and crypto per test."""
from __future__ import annotations

import pytest

from functions.adapters.crypto import FakeCrypto
from functions.adapters.dynamo import FakeTable


@pytest.fixture
def table() -> FakeTable:
    return FakeTable()


@pytest.fixture
def crypto() -> FakeCrypto:
    return FakeCrypto()
