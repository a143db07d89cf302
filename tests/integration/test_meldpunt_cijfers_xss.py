"""The figures page and JSON never echo a query value unescaped (the only user input)."""
from __future__ import annotations

from urllib.parse import quote

import pytest

PAYLOADS = ['<script>alert(1)</script>', '"><svg onload=alert(1)>', "2026-01'><img src=x onerror=alert(1)>",
            "javascript:alert(1)", "{{7*7}}"]


def text(response) -> str:
    return response.body.decode() if isinstance(response.body, bytes) else response.body


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("path", ["/meldpunt/cijfers", "/meldpunt/cijfers.json"])
def test_query_values_never_come_back_raw(client, aws, payload, path):
    for param in ("van", "tot", "lang"):
        response = client.http.get(f"{path}?{param}={quote(payload)}",
                                   headers={"accept-language": payload})
        assert response.status_code in (200, 400)
        body = text(response)
        assert payload not in body
        assert "<script>alert" not in body and "onerror=alert" not in body
        assert "onload=alert" not in body
