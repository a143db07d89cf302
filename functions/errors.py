"""The project's own errors. Adapters raise these ``from`` the library error;
``functions.http.handle_errors`` maps them to HTTP statuses in one place."""
from __future__ import annotations

from typing import Mapping


class AppError(Exception):
    """Base of every error this project raises on purpose."""


class ValidationError(AppError):
    """Client input is wrong; ``errors`` maps field name to a message (already translated)."""

    def __init__(self, errors: Mapping[str, str]):
        super().__init__("invalid input: " + ", ".join(sorted(errors)))
        self.errors = dict(errors)


class BadRequest(AppError):
    """The request as a whole is unusable (encoding, content type, size)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


class Unauthorized(AppError):
    """No credentials (a page or call that needs a token got none)."""


class Forbidden(AppError):
    """Credentials that do not allow this."""


class NotFound(AppError):
    pass


class TooEarly(AppError):
    """Sent sooner than allowed; the client may retry after ``retry_after`` seconds (429)."""

    def __init__(self, message: str, retry_after: int = 1, errors: Mapping[str, str] | None = None):
        super().__init__(message)
        self.retry_after = retry_after
        self.errors = dict(errors or {})


class Conflict(AppError):
    """A state change that is not allowed from the current state; ``errors`` (optional, a
    catalog key under ``_body``) says why, for a person at a form."""

    def __init__(self, message: str = "", errors: Mapping[str, str] | None = None):
        super().__init__(message)
        self.errors = dict(errors) if errors else None


class NotReady(Conflict):
    """Not ready for what was asked (409); ``errors`` says what is missing."""

    def __init__(self, errors: Mapping[str, str]):
        super().__init__("not ready: " + ", ".join(sorted(errors)))
        self.errors = dict(errors)


class TemporarilyUnavailable(AppError):
    """A dependency failed; the client may retry. Nothing was changed."""


class AlreadyExists(AppError):
    """A conditional write found the item already there (idempotency)."""


class MailchimpError(AppError):
    """Mailchimp answered with an error or not at all."""

    def __init__(self, message: str, status: int | None = None, detail: str = "",
                 retryable: bool = False):
        super().__init__(message)
        self.status = status
        self.detail = detail
        self.retryable = retryable
