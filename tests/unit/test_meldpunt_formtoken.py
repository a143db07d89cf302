"""Anti-spam form tokens, the honeypot, and receipt codes."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from functions.http import FormData
from functions.meldpunt import formtoken, ontvangstcode
from functions.meldpunt.formtoken import Check

SECRET = "s3cret"
NOW = datetime(2026, 11, 27, 20, 0, tzinfo=timezone.utc)


def issued(seconds_ago: float, secret: str = SECRET) -> str:
    return formtoken.issue(secret, NOW - timedelta(seconds=seconds_ago))


def test_a_token_of_the_right_age_passes():
    assert formtoken.check(issued(10), SECRET, NOW, min_age_seconds=3) is Check.OK


def test_a_form_sent_faster_than_a_person_can_is_too_young():
    assert formtoken.check(issued(1), SECRET, NOW, min_age_seconds=3) is Check.TOO_YOUNG


def test_the_minimum_age_is_configurable_down_to_zero():
    assert formtoken.check(issued(0), SECRET, NOW, min_age_seconds=0) is Check.OK


def test_a_token_older_than_two_hours_has_expired():
    assert formtoken.check(issued(2 * 3600 + 1), SECRET, NOW, 3) is Check.EXPIRED
    assert formtoken.check(issued(2 * 3600 - 1), SECRET, NOW, 3) is Check.OK


def test_tokens_from_the_future_are_refused_beyond_a_little_clock_skew():
    assert formtoken.check(issued(-10), SECRET, NOW, 0) is Check.OK
    assert formtoken.check(issued(-600), SECRET, NOW, 0) is Check.INVALID


def test_a_token_signed_with_another_secret_is_invalid():
    assert formtoken.check(issued(10, "other"), SECRET, NOW, 3) is Check.INVALID


def test_changing_the_time_breaks_the_signature():
    version, ts, nonce, sig = issued(1).split(".")
    older = f"{version}.{int(ts) - 3600}.{nonce}.{sig}"
    assert formtoken.check(older, SECRET, NOW, 3) is Check.INVALID


@pytest.mark.parametrize("token", ["", "abc", "v1.x.y.z", "v2.1.2.3", "v1.123.ab.cd.ef",
                                   "v1.99999999999999.ab.cd", "v1.1.ñ.é", "v1.1.a\x00.b"])
def test_malformed_tokens_are_invalid_not_errors(token):
    assert formtoken.check(token, SECRET, NOW, 3) is Check.INVALID


def test_no_secret_no_tokens():
    with pytest.raises(ValueError):
        formtoken.issue("", NOW)
    assert formtoken.check(issued(10), "", NOW, 3) is Check.INVALID


def test_tokens_are_unique_and_carry_no_personal_data():
    tokens = {formtoken.issue(SECRET, NOW) for _ in range(50)}
    assert len(tokens) == 50
    assert all(re.fullmatch(r"v1\.\d+\.[0-9a-f]{16}\.[0-9a-f]{64}", t) for t in tokens)


def test_the_honeypot_catches_any_content():
    assert formtoken.honeypot_filled(FormData({formtoken.HONEYPOT_FIELD: ["http://spam"]}))
    assert not formtoken.honeypot_filled(FormData({formtoken.HONEYPOT_FIELD: ["  "]}))
    assert not formtoken.honeypot_filled(FormData({}))


# --- receipt codes ------------------------------------------------------------------------

def test_receipt_codes_are_four_groups_of_crockford_base32():
    codes = {ontvangstcode.nieuw() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", code)
        assert ontvangstcode.is_geldig(code)


def test_reading_a_code_forgives_case_separators_and_look_alike_letters():
    code = "7KQ2-M9XD-40ZT-81BW"
    same = ["7kq2m9xd40zt81bw", " 7KQ2 M9XD 4OZT 8IBW ", "7kq2-m9xd-4ozt-8lbw"]
    assert {ontvangstcode.hash_van(c) for c in same} == {ontvangstcode.hash_van(code)}


def test_only_the_hash_of_the_code_is_kept_and_it_does_not_contain_the_code():
    code = ontvangstcode.nieuw()
    digest = ontvangstcode.hash_van(code)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert ontvangstcode.normaliseer(code) not in digest.upper()


def test_wrong_length_or_letters_are_not_valid_codes():
    assert not ontvangstcode.is_geldig("7KQ2-M9XD-40ZT")
    assert not ontvangstcode.is_geldig("7KQ2-M9XD-40ZT-81BU")  # U is not in the alphabet
