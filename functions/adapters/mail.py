"""Transactional e-mail to one person (not a campaign): Amazon SES, and an in-memory fake.

Used for mail that someone asked for and that is not marketing, such as the confirmation of
an "op afspraak" request: the requester may not be in the Mailchimp audience and gave no
consent to newsletters (docs/decisions/006-invitations-exactly-once-and-mail-channels.md).
SES in production; moto emulates it locally and in tests (the local console lists what was
"sent"). Every failure is ``TemporarilyUnavailable``: the queue consumer retries and the
dead-letter queue keeps what keeps failing.
"""
from __future__ import annotations

from typing import Any, Protocol

from functions import errors
from functions.adapters import aws


class Mail(Protocol):
    def send(self, *, to: str, subject: str, text: str, html: str | None = None) -> str:
        """Send one e-mail; return the provider's message id."""


class SesMail:
    def __init__(self, sender: str, ses_client: Any = None, configuration_set: str = ""):
        self.sender = sender
        self.configuration_set = configuration_set
        self._client = ses_client

    def __repr__(self) -> str:
        return f"SesMail(sender={self.sender!r})"

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = aws.client("ses")
        return self._client

    def send(self, *, to: str, subject: str, text: str, html: str | None = None) -> str:
        body: dict[str, Any] = {"Text": {"Data": text, "Charset": "UTF-8"}}
        if html:
            body["Html"] = {"Data": html, "Charset": "UTF-8"}
        kwargs: dict[str, Any] = {
            "Source": self.sender, "Destination": {"ToAddresses": [to]},
            "Message": {"Subject": {"Data": subject, "Charset": "UTF-8"}, "Body": body}}
        if self.configuration_set:
            kwargs["ConfigurationSetName"] = self.configuration_set
        try:
            return self.client.send_email(**kwargs)["MessageId"]
        except Exception as exc:
            if aws.is_client_error(exc) or aws.is_connection_error(exc):
                raise errors.TemporarilyUnavailable(
                    f"ses send_email failed: {aws.error_code(exc) or type(exc).__name__}") from exc
            raise


class FakeMail:
    """Keeps sent mails in ``self.sent``; ``fail = True`` simulates an outage."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.fail = False

    def send(self, *, to: str, subject: str, text: str, html: str | None = None) -> str:
        if self.fail:
            raise errors.TemporarilyUnavailable("fake mail down")
        self.sent.append({"to": to, "subject": subject, "text": text, "html": html})
        return f"fake-mail-{len(self.sent)}"
