"""Properties of the body parser and the query reader (functions/http.py), with hypothesis.

Whatever arrives (any bytes, any JSON, any query string), the parser answers with a
:class:`FormData` or with one of the project's own errors (BadRequest, ValidationError:
the 400/413/415 of the one error shape), never with another exception. Valid input of each
field kind (functions/fields.py) comes back as the strings the services read.
"""
from __future__ import annotations

import json
import re
from types import SimpleNamespace
from urllib.parse import urlencode

from chalice.app import MultiDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions import errors, fields, http

KINDS = (fields.TEXT, fields.LIST, fields.FLAG, fields.INTEGER)
# text as a client may send it in a field: any Unicode scalar value (no lone surrogates: JSON
# can carry those) but the control and bidi characters fields refuse (tested below and in
# test_http_parsing.py); tab and line breaks are text
FIELD_CHARS = st.characters(exclude_categories=["Cs"]).filter(lambda c: http.field_text(c))
NAMES = st.text(FIELD_CHARS, min_size=1, max_size=12)
FIELDS = st.dictionaries(NAMES, st.sampled_from(KINDS), max_size=6)
# text as a client may send it: any Unicode scalar value (no lone surrogates: JSON can carry
# those, and the test below holds them to a 400; here they are not "valid input")
TEXT = st.text(FIELD_CHARS, max_size=40)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def request(body: bytes, content_type: str, query: dict[str, list[str]] | None = None):
    return SimpleNamespace(raw_body=body, headers={"content-type": content_type},
                           query_params=MultiDict(query) if query else None)


def parses_or_refuses(req, fields_) -> http.FormData | errors.AppError:
    try:
        return http.parse_body(req, fields_)
    except (errors.BadRequest, errors.ValidationError) as exc:
        assert not isinstance(exc, errors.BadRequest) or exc.status in (400, 413, 415)
        if isinstance(exc, errors.ValidationError):
            assert exc.errors and all(isinstance(k, str) and isinstance(v, str)
                                      for k, v in exc.errors.items())
        return exc


@PROPERTY
@given(body=st.binary(max_size=400), ctype=st.sampled_from([http.FORM, http.JSON, "text/plain", ""]),
       fields_=st.none() | FIELDS)
def test_any_bytes_are_parsed_or_refused_with_the_projects_own_error(body, ctype, fields_):
    got = parses_or_refuses(request(body, ctype), fields_)
    if isinstance(got, http.FormData):
        assert all(isinstance(v, str) and http.field_text(v) for vs in got.values() for v in vs)


@PROPERTY
@given(value=JSON_VALUES, fields_=st.none() | FIELDS)
def test_any_json_is_parsed_or_refused_with_the_projects_own_error(value, fields_):
    got = parses_or_refuses(request(json.dumps(value).encode(), http.JSON), fields_)
    if isinstance(got, http.FormData):
        assert isinstance(value, dict) or value is None
        if fields_ is not None:
            assert set(got) <= set(fields_)  # JSON never carries a field the route does not know


@PROPERTY
@given(pairs=st.dictionaries(NAMES, JSON_VALUES, max_size=6), fields_=FIELDS)
def test_json_objects_of_any_values_name_every_field_they_refuse(pairs, fields_):
    got = parses_or_refuses(request(json.dumps(pairs).encode(), http.JSON), fields_)
    if isinstance(got, errors.ValidationError):
        assert set(got.errors) <= {http.printable_name(k) for k in pairs}


def valid_value(kind: str):
    return {fields.TEXT: TEXT, fields.LIST: st.lists(TEXT, max_size=4), fields.FLAG: st.booleans(),
            fields.INTEGER: st.integers(-(10 ** 9) + 1, 10 ** 9 - 1)}[kind]


@st.composite
def valid_bodies(draw):
    fields_ = draw(FIELDS)
    values = {name: draw(valid_value(kind)) for name, kind in fields_.items() if draw(st.booleans())}
    return fields_, values


def as_read(kind: str, value) -> list[str]:
    """What a service reads back for a valid value (CRLF is read as LF)."""
    if kind == fields.LIST:
        return [v.replace("\r\n", "\n") for v in value]
    if kind == fields.FLAG:
        return ["true" if value else ""]
    return [str(value).replace("\r\n", "\n")]


@PROPERTY
@given(valid_bodies())
def test_valid_json_of_every_kind_round_trips(body):
    fields_, values = body
    got = http.parse_body(request(json.dumps(values).encode(), http.JSON), fields_)
    assert dict(got) == {name: as_read(fields_[name], v) for name, v in values.items()
                         if not (fields_[name] == fields.LIST and v == [])} | \
        {name: [] for name, v in values.items() if fields_[name] == fields.LIST and v == []}
    for name, kind in fields_.items():
        if kind == fields.FLAG and name in values:
            assert got.flag(name) is values[name]


@PROPERTY
@given(valid_bodies())
def test_valid_forms_of_text_and_lists_round_trip(body):
    fields_, values = body
    form = {n: v for n, v in values.items() if fields_[n] in (fields.TEXT, fields.LIST)}
    encoded = urlencode([(n, item) for n, v in form.items() for item in (v if isinstance(v, list) else [v])])
    got = http.parse_body(request(encoded.encode(), http.FORM), fields_)
    assert {n: got.get(n, []) for n in form} == {n: as_read(fields_[n], v) for n, v in form.items()}


@PROPERTY
@given(value=st.integers(-(10 ** 9) + 1, 10 ** 9 - 1))
def test_an_integer_field_reads_the_same_from_json_and_from_a_form(value):
    from_json = http.parse_body(request(json.dumps({"n": value}).encode(), http.JSON), {"n": fields.INTEGER})
    from_form = http.parse_body(request(f"n={value}".encode(), http.FORM), {"n": fields.INTEGER})
    assert from_json["n"] == from_form["n"] == [str(value)]


@PROPERTY
@given(value=JSON_VALUES.filter(lambda v: not isinstance(v, (str, list)) and v is not None))
def test_a_text_field_refuses_every_json_value_but_a_string(value):
    text = json.dumps({"t": value})
    got = parses_or_refuses(request(text.encode(), http.JSON), {"t": fields.TEXT})
    if isinstance(got, errors.BadRequest):  # NaN, Infinity or a number of over 30 characters in it
        assert re.search(r"NaN|Infinity|[-+.eE0-9]{31,}", text), text
    else:
        assert isinstance(got, errors.ValidationError) and set(got.errors) == {"t"}


@PROPERTY
@given(raw=st.text(max_size=14) | st.from_regex(r"\A-*[0-9]{1,12}\Z"))
def test_an_integer_form_field_accepts_only_what_int_reads_within_the_json_bounds(raw):
    # (found a 500: "--5" passed the check and int() then failed in the service)
    got = parses_or_refuses(request(urlencode({"n": raw}).encode(), http.FORM), {"n": fields.INTEGER})
    if isinstance(got, http.FormData) and got.get("n"):
        assert got["n"] == [raw] and abs(int(raw)) < 10 ** 9


@PROPERTY
@given(query=st.dictionaries(st.text(max_size=10), st.lists(st.text(max_size=1200), min_size=1, max_size=3),
                             max_size=5),
       names=st.lists(st.text(max_size=10), max_size=4))
def test_the_query_reader_gives_one_string_a_name_or_names_the_parameter_it_refuses(query, names):
    try:
        got = http.query(request(b"", "", query), names)
    except errors.ValidationError as exc:
        assert exc.errors and all(isinstance(v, str) for v in exc.errors.values())
        return
    for name, value in got.items():
        assert not names or name in names
        assert query[name] == [value] and len(value) <= http.MAX_QUERY_VALUE and http.valid_text(value)


@PROPERTY
@given(value=st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40))
def test_a_text_field_holds_exactly_what_field_text_allows(value):
    got = parses_or_refuses(request(json.dumps({"t": value}).encode(), http.JSON), {"t": fields.TEXT})
    if http.field_text(value):
        assert isinstance(got, http.FormData) and got.first("t") == value.replace("\r\n", "\n")
    else:
        assert isinstance(got, errors.ValidationError) and got.errors == {"t": "error.invalid_characters"}
