"""No IP address and no user agent is stored or logged, for reports and for spam."""
import logging

from tests.meldpunt_support import deliver, post_form, queued, table_items, valid_fields

IP = "203.0.113.77"  # a documentation address, as API Gateway would put it in X-Forwarded-For
AGENT = "Mozilla/5.0 (UniekeBrowser/9.9; marker-7f3a)"
HEADERS = {"x-forwarded-for": IP, "user-agent": AGENT, "x-real-ip": IP}


def test_neither_ip_nor_user_agent_reaches_queue_table_or_logs(client, aws, caplog, capsys):
    with caplog.at_level(logging.DEBUG):
        # GIVEN a report and a spam attempt (honeypot filled), from an identifiable browser
        assert post_form(client, valid_fields(), headers=HEADERS).status_code == 200
        assert post_form(client, valid_fields(website="http://spam"), headers=HEADERS).status_code == 200
        # WHEN the queued report is stored
        messages = queued(aws)
        assert len(messages) == 1
        assert deliver(client, [m["Body"] for m in messages]) == {"batchItemFailures": []}
    # THEN no trace of either anywhere
    stored = repr(table_items(aws))
    assert "MELDING#" in stored
    seen = {"queue message": messages[0]["Body"], "table": stored,
            "logs": caplog.text + capsys.readouterr().err}
    for where, text in seen.items():
        for marker in (IP, "marker-7f3a", "UniekeBrowser"):
            assert marker not in text, f"{marker} found in the {where}"
