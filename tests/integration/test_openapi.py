"""docs/openapi.yaml is true: the document describes every route of ``app.routes`` as it is.

Compared with the app itself, so that a route added later fails here until it is documented:
every path and method; every path parameter (with a pattern or an enum, and an example);
guarded or public, with the roles of its authorizer (``functions/auth.py``); for each body
route, the field names and kinds the route really reads, and for each route the query
parameters it really reads: both found by calling every route once with the document's
own examples and recording what it hands to ``functions.http.parse_body`` / ``query`` /
``raw_document`` (so nobody keeps a second list of fields). Every 4xx/5xx answer is the one
error shape. The document itself is checked with openapi-spec-validator, and the API serves
it. docs/decisions/013-openapi-kept-true.md.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

import app as app_module
from functions import auth, fields, http, tokens

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "docs" / "openapi.yaml"
METHODS = ("get", "put", "post", "delete", "patch")
BODY_METHODS = ("POST", "PUT", "PATCH")
# `lang` is read by every page and every error message (functions/web.py::language), not
# through functions.http.query: documented where a route has text to translate.
COMMON_QUERY = {"lang"}


def load() -> dict[str, Any]:
    return yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return load()


def resolve(document: dict, node: Any) -> Any:
    """Follow ``$ref`` (local ones) until a real object."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def routes():
    for path, methods in app_module.app.routes.items():
        for method, entry in methods.items():
            yield path, method, entry


def operation(document: dict, path: str, method: str) -> dict:
    return document["paths"][path][method.lower()]


def parameters(document: dict, op: dict, where: str) -> dict[str, dict]:
    out = {}
    for p in op.get("parameters", []):
        p = resolve(document, p)
        if p["in"] == where:
            out[p["name"]] = p
    return out


# --- the document itself --------------------------------------------------------------------

def test_the_document_is_valid_openapi_3_1(document):
    from openapi_spec_validator import validate

    assert document["openapi"].startswith("3.1.")
    validate(document)


def test_every_route_and_method_is_in_the_document_and_nothing_else(document):
    in_app = {(path, method) for path, method, _ in routes()}
    in_document = {(path, method.upper()) for path, item in document["paths"].items()
                   for method in item if method in METHODS}
    assert sorted(in_app - in_document) == [], "routes missing from docs/openapi.yaml"
    assert sorted(in_document - in_app) == [], "docs/openapi.yaml names routes the app does not have"


def test_every_path_parameter_is_documented_with_a_pattern_or_enum_and_an_example(document):
    for path, method, _ in routes():
        op = operation(document, path, method)
        documented = parameters(document, op, "path")
        assert set(documented) == set(re.findall(r"\{([^}]+)\}", path)), f"{method} {path}"
        for name, p in documented.items():
            schema = resolve(document, p["schema"])
            assert p.get("required") is True, f"{method} {path} {name}"
            assert "pattern" in schema or "enum" in schema, f"{method} {path} {name}: no pattern or enum"
            assert "example" in p, f"{method} {path} {name}: no example"
            example = str(p["example"])
            if "pattern" in schema:
                assert re.search(schema["pattern"], example), f"{name}: example {example} misses its pattern"
            else:
                assert example in schema["enum"]


def test_guarded_routes_name_their_authorizer_and_its_roles_and_public_ones_none(document):
    from functions.beheer import pagina

    for path, method, entry in routes():
        op = operation(document, path, method)
        what = f"{method} {path}"
        if entry.authorizer is None:
            assert op.get("security") == [], f"{what} is public: security: []"
            assert "x-roles" not in op and "401" not in op["responses"], what
        else:
            assert op.get("security") == [{"bearer": []}], what
            assert op.get("x-authorizer") == entry.authorizer.name, what
            assert set(op.get("x-roles", [])) == set(auth.AUTHORIZER_ROLES[entry.authorizer.name]), what
            assert {"401", "403"} <= set(op["responses"]), f"{what}: 401 and 403 documented"
        if path in pagina.PAGINAS:  # a beheer page: public HTML, its data for these roles
            assert set(op.get("x-page-roles", [])) == set(pagina.PAGINAS[path].rollen), what


def test_every_error_answer_is_the_one_error_shape(document):
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"] and error["additionalProperties"] is False
    assert set(error["properties"]) == {"error", "errors"}
    for path, method, _ in routes():
        for status, answer in operation(document, path, method)["responses"].items():
            answer = resolve(document, answer)
            if int(status) < 400:
                continue
            content = answer.get("content", {})
            assert content.get("application/json", {}).get("schema") == \
                {"$ref": "#/components/schemas/Error"}, f"{method} {path} {status}"
            assert set(content) <= {"application/json", "text/html"}, f"{method} {path} {status}"
            if status == "429":
                assert resolve(document, answer["headers"]["Retry-After"])["required"] is True


def test_the_feeds_in_the_document_are_the_afdelings(document):
    from functions.kalender import paginas

    feed = resolve(document, document["components"]["parameters"]["feed"])
    assert set(feed["schema"]["enum"]) == {f"{name}.ics" for name in paginas.feed_names()}


def test_the_body_kinds_are_the_kinds_of_functions_fields(document):
    schemas = document["components"]["schemas"]
    kinds = {s["x-kind"] for s in schemas.values() if "x-kind" in s}
    assert kinds == {fields.TEXT, fields.LIST, fields.FLAG, fields.INTEGER}
    assert set(schemas["FlagField"]["anyOf"][1]["enum"]) == http.FLAG_WORDS


# --- what each route really reads -------------------------------------------------------------

class RecordingQuery(dict):
    """The dict ``http.query`` returns, noting every name the route asks it for."""

    def __init__(self, data, names: set[str]):
        super().__init__(data)
        self._names = names

    def get(self, key, default=None):
        self._names.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self._names.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._names.add(key)
        return super().__contains__(key)


def _example_path(document: dict, path: str, method: str) -> str:
    op = operation(document, path, method)
    out = path
    for name, p in parameters(document, op, "path").items():
        out = out.replace("{" + name + "}", str(p["example"]))
    return out


@pytest.fixture
def recorded(document, client, aws, monkeypatch):
    from functions import wiring
    from functions.adapters.mailchimp import FakeMailchimp

    wiring.override(mailchimp=FakeMailchimp())  # the routes that approve a newsletter ask it
    now = datetime.now(timezone.utc)
    issued = {role: tokens.issue(role, f"openapi-{role}", wiring.table(), now)[0]
              for role in ("bestuur", "communicatie", "politieke-agenda", "organizing")}
    seen: dict[str, Any] = {}
    real_parse, real_query, real_raw = http.parse_body, http.query, http.raw_document

    def parse_body(request, fields_=None, max_bytes=http.DEFAULT_MAX_BODY):
        seen.setdefault("fields", dict(fields_) if fields_ is not None else None)
        return real_parse(request, fields_, max_bytes)

    def query(request, names=()):
        names = tuple(names)
        read = seen.setdefault("query", set())
        if names:
            read.update(names)
            return real_query(request, names)
        return RecordingQuery(real_query(request, names), read)

    def raw_document(request, max_bytes):
        seen["raw_document"] = True
        return real_raw(request, max_bytes)

    monkeypatch.setattr(http, "parse_body", parse_body)
    monkeypatch.setattr(http, "query", query)
    monkeypatch.setattr(http, "raw_document", raw_document)  # (web.submit_form imports
    # parse_body from functions.http when it is called, so it gets this one too)

    out: dict[tuple[str, str], dict[str, Any]] = {}
    for path, method, entry in routes():
        seen.clear()
        headers = {"accept": "application/json"}
        if entry.authorizer is not None:
            role = sorted(auth.AUTHORIZER_ROLES[entry.authorizer.name])[0]
            headers["authorization"] = f"Bearer {issued[role]}"
        body = None
        if method in BODY_METHODS:
            ctype = http.JSON if http.JSON in entry.content_types else entry.content_types[0]
            headers["content-type"] = ctype
            body = b"{}" if ctype == http.JSON else b""
        # (an unknown parameter keeps a route's query dict non-empty: "params or {}" keeps ours)
        response = client.http.request(method, _example_path(document, path, method) + "?probe=1",
                                       headers=headers, body=body)
        assert response.status_code < 500, f"{method} {path}: {response.status_code}"
        out[(path, method)] = {"status": response.status_code, **seen,
                               "query": set(seen.get("query", set()))}
    return out


KIND_OF = {"TextField": fields.TEXT, "ListField": fields.LIST, "FlagField": fields.FLAG,
           "FormFlagField": fields.FLAG, "IntegerField": fields.INTEGER}


def documented_fields(document: dict, schema: dict, ctype: str) -> dict[str, str]:
    schema = resolve(document, schema)
    out = {}
    for name, prop in (schema.get("properties") or {}).items():
        ref = prop.get("$ref", "").rsplit("/", 1)[-1]
        assert ref in KIND_OF, f"field {name}: use one of {sorted(KIND_OF)}"
        # a JSON flag is a boolean (or a checkbox word), a form flag a checkbox's text
        wrong_flag = "FormFlagField" if ctype == http.JSON else "FlagField"
        assert ref != wrong_flag, f"field {name}: {ctype} flags are not {wrong_flag}"
        out[name] = KIND_OF[ref]
    return out


def test_body_routes_document_the_fields_and_kinds_the_route_reads(document, recorded):
    failures = []
    for path, method, entry in routes():
        op = operation(document, path, method)
        what = f"{method} {path}"
        if method not in BODY_METHODS:
            assert "requestBody" not in op, f"{what} takes no body"
            continue
        body = resolve(document, op.get("requestBody"))
        assert body, f"{what}: requestBody missing"
        content = body["content"]
        assert set(content) == set(entry.content_types), f"{what}: content types {sorted(content)}"
        read = recorded[(path, method)]
        if "raw_document" in read:
            assert not set(content) & {http.FORM, http.JSON}, f"{what} takes a whole document"
            continue
        if "fields" not in read:
            failures.append(f"{what} answered {read['status']} before reading its body: "
                            "give its path parameters an example that reaches the body")
            continue
        for ctype, media in content.items():
            got = documented_fields(document, media["schema"], ctype)
            if got != read["fields"]:
                failures.append(f"{what} {ctype}: documented {got}, the route reads {read['fields']}")
            if ctype == http.JSON and resolve(document, media["schema"]).get("additionalProperties") is not False:
                failures.append(f"{what}: JSON refuses unknown fields: additionalProperties: false")
    assert not failures, "\n".join(failures)


def test_every_route_documents_the_query_parameters_it_reads(document, recorded):
    failures = []
    for path, method, _ in routes():
        op = operation(document, path, method)
        documented = set(parameters(document, op, "query")) - COMMON_QUERY
        read = recorded[(path, method)]["query"]
        if documented != read:
            failures.append(f"{method} {path}: documented {sorted(documented)}, reads {sorted(read)}")
    assert not failures, "\n".join(failures)


# --- served by the API, and consistent with docs/api.md --------------------------------------

def test_the_api_serves_the_document_as_yaml_cached_with_an_etag(client):
    response = client.http.get("/openapi.yaml")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/yaml")
    assert response.body.decode("utf-8") == DOCUMENT.read_text(encoding="utf-8")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    again = client.http.get("/openapi.yaml", headers={"if-none-match": response.headers["ETag"]})
    assert again.status_code == 304 and again.body == b""


def test_the_document_ships_in_the_deployment_zip_at_the_path_the_route_reads():
    link = ROOT / "vendor" / "docs" / "openapi.yaml"
    assert link.is_symlink() and link.resolve() == DOCUMENT.resolve()


def test_docs_api_md_names_the_same_access_as_the_document(document):
    from tests.integration.test_api_docs import ROLE_WORDS, documented

    rows = documented()
    for path, method, _ in routes():
        op = operation(document, path, method)
        expected = ROLE_WORDS[op["x-authorizer"]] if "x-authorizer" in op else "public"
        assert rows[(path, method)] == expected, f"{method} {path}"
