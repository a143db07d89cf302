"""The composition root: cached getters that build the real adapters from Settings.

Nothing here runs at import time; each getter builds its object on first use and
keeps it for the life of the Lambda container. Tests replace objects with
``override(...)`` (or call ``reset()``) instead of patching modules.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from functions.config import Settings

_overrides: dict[str, Any] = {}


def override(**objects: Any) -> None:
    """Use these objects instead of the real ones (tests, the local stack)."""
    _overrides.update(objects)


def reset() -> None:
    _overrides.clear()
    for getter in (settings, table, signup_queue, meldpunt_queue, nieuwsbrief_queue, kalender_queue,
                   mailchimp, mail, secrets, renderer, crypto, form_secret, archive, retry_backoff):
        getter.cache_clear()


def _get(name: str, build: Any) -> Any:
    return _overrides[name] if name in _overrides else build()


@lru_cache(maxsize=1)
def settings() -> Settings:
    return _overrides.get("settings") or Settings.from_env()


@lru_cache(maxsize=1)
def table() -> Any:
    from functions.adapters.dynamo import DynamoTable

    return _get("table", lambda: DynamoTable(settings().data_table))


@lru_cache(maxsize=1)
def signup_queue() -> Any:
    from functions.adapters.queue import SqsQueue

    return _get("signup_queue", lambda: SqsQueue(settings().signup_queue_url))


@lru_cache(maxsize=1)
def meldpunt_queue() -> Any:
    from functions.adapters.queue import SqsQueue

    return _get("meldpunt_queue", lambda: SqsQueue(settings().meldpunt_queue_url))


@lru_cache(maxsize=1)
def nieuwsbrief_queue() -> Any:
    """The monthly newsletter's work: compile and send messages."""
    from functions.adapters.queue import SqsQueue

    return _get("nieuwsbrief_queue", lambda: SqsQueue(settings().nieuwsbrief_queue_url))


@lru_cache(maxsize=1)
def retry_backoff() -> Any:
    """How a failed queue record waits before its retry (None: the queue's own timeout)."""
    def build() -> Any:
        from functions.adapters.queue import RetryBackoff

        s = settings()
        if s.queue_retry_base_seconds <= 0:
            return None
        return RetryBackoff(s.queue_retry_base_seconds,
                            queue_urls=(s.signup_queue_url, s.meldpunt_queue_url,
                                        s.nieuwsbrief_queue_url, s.kalender_queue_url))

    return _get("retry_backoff", build)


@lru_cache(maxsize=1)
def kalender_queue() -> Any:
    """Invitations, reminders, notices and op-afspraak confirmations (KalenderQueue)."""
    from functions.adapters.queue import SqsQueue

    return _get("kalender_queue", lambda: SqsQueue(settings().kalender_queue_url))


@lru_cache(maxsize=1)
def mail() -> Any:
    """Transactional e-mail to one person (SES)."""
    from functions.adapters.mail import SesMail

    return _get("mail", lambda: SesMail(settings().mail_from))


@lru_cache(maxsize=1)
def crypto() -> Any:
    """Field encryption (KMS) for meldpunt description and contact details."""
    from functions.adapters.crypto import KmsCrypto

    return _get("crypto", lambda: KmsCrypto(settings().kms_key_id))


@lru_cache(maxsize=1)
def form_secret() -> str:
    """Signing secret of the anti-spam form tokens (SSM in production)."""
    def build() -> str:
        from functions.adapters.secrets import resolve

        s = settings()
        return resolve(s.form_secret, s.form_secret_param, secrets())

    return _get("form_secret", build)


@lru_cache(maxsize=1)
def secrets() -> Any:
    from functions.adapters.secrets import SsmSecrets

    return _get("secrets", SsmSecrets)


@lru_cache(maxsize=1)
def mailchimp() -> Any:
    def build() -> Any:
        from functions.adapters.mailchimp import MailchimpMarketing
        from functions.adapters.secrets import resolve

        s = settings()
        api_key = resolve(s.mailchimp_api_key, s.mailchimp_api_key_param, secrets())
        return MailchimpMarketing(api_key=api_key, server=s.mailchimp_server,
                                  list_id=s.mailchimp_list_id, base_url=s.mailchimp_base_url,
                                  timeout=s.mailchimp_timeout, from_name=s.mailchimp_from_name,
                                  reply_to=s.mailchimp_reply_to)

    return _get("mailchimp", build)


@lru_cache(maxsize=1)
def renderer() -> Any:
    from functions.rendering import default_renderer

    return _get("renderer", default_renderer)


@lru_cache(maxsize=1)
def archive() -> Any:
    """The agenda archive: the upload (staging) bucket and the locked archive bucket."""
    from functions.adapters.s3 import S3Archive

    return _get("archive", lambda: S3Archive(settings().archive_bucket, settings().upload_bucket))
