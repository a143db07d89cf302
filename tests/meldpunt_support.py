"""Helpers for the meldpunt tests: valid answers, aged form tokens, posting, delivering."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from functions.meldpunt import formtoken

SECRET = "test-form-secret"  # what the `aws` fixture sets as FORM_SECRET
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # what every browser navigation sends
FORM_HEADERS = {"content-type": "application/x-www-form-urlencoded", "accept": BROWSER_ACCEPT}
JSON_HEADERS = {"content-type": "application/json"}
CODE_RE = re.compile(r"\b([0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4})\b")

DESCRIPTION = "Bij de tramhalte riep een man mij steeds na, het bleef maar doorgaan"
EMAIL = "melder.geheim@example.org"
PHONE = "06 98765432"


def aged_token(seconds: int = 60, secret: str = SECRET) -> str:
    """A token issued ``seconds`` ago: old enough to pass the minimum form age."""
    return formtoken.issue(secret, datetime.now(timezone.utc) - timedelta(seconds=seconds))


def today() -> str:
    from functions.meldpunt.intake import vandaag

    return vandaag(datetime.now(timezone.utc)).isoformat()


def valid_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "categorieen": ["nafluiten", "achtervolgen"], "gronden": ["seksisme"], "rol": "slachtoffer",
        "wijk": "WK051830", "datum": today(), "dagdeel": "avond", "beschrijving": DESCRIPTION,
        "toestemming": "ja", "token": aged_token(),
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def with_contact(**overrides: Any) -> dict[str, Any]:
    return valid_fields(contact_gewenst="ja", contact_email=EMAIL, contact_telefoon=PHONE, **overrides)


def post_form(client: Any, fields: dict[str, Any], path: str = "/meldpunt", lang: str | None = None,
              headers: dict | None = None) -> Any:
    url = f"{path}?lang={lang}" if lang else path
    return client.http.post(url, body=urlencode(fields, doseq=True),
                            headers={**FORM_HEADERS, **(headers or {})})


def post_json(client: Any, data: dict[str, Any], path: str = "/meldpunt") -> Any:
    body = dict(data)
    if body.get("toestemming") == "ja":
        body["toestemming"] = True
    if body.get("contact_gewenst") == "ja":
        body["contact_gewenst"] = True
    return client.http.post(path, body=json.dumps(body), headers=JSON_HEADERS)


def receipt_code(html: str) -> str:
    match = CODE_RE.search(html)
    assert match, "no receipt code on the page"
    return match.group(1)


def queued(aws: Any) -> list[dict[str, Any]]:
    """Receive every message on the meldpunt queue (they become invisible for a while)."""
    url = aws.env["MELDPUNT_QUEUE_URL"]
    out: list[dict[str, Any]] = []
    while True:
        batch = aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                        VisibilityTimeout=600).get("Messages", [])
        if not batch:
            return out
        out.extend(batch)


def deliver(client: Any, bodies: list[str]) -> dict[str, Any]:
    """Run the intake consumer on these message bodies, as Lambda would."""
    from tests.conftest import sqs_records

    response = client.lambda_.invoke("meldpunt_intake_consumer", {"Records": sqs_records(*bodies)})
    return response.payload


def table_items(aws: Any) -> list[dict[str, Any]]:
    from boto3.dynamodb.types import TypeDeserializer

    d = TypeDeserializer()
    items, kwargs = [], {"TableName": aws.env["DATA_TABLE"]}
    while True:
        page = aws.dynamodb.scan(**kwargs)
        items += [{k: d.deserialize(v) for k, v in i.items()} for i in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def get_item(aws: Any, pk: str, sk: str) -> dict[str, Any] | None:
    from boto3.dynamodb.types import TypeDeserializer

    d = TypeDeserializer()
    item = aws.dynamodb.get_item(TableName=aws.env["DATA_TABLE"],
                                 Key={"pk": {"S": pk}, "sk": {"S": sk}}).get("Item")
    return {k: d.deserialize(v) for k, v in item.items()} if item else None
