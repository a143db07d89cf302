"""Settings of the whole system, read once from the environment.

Every environment variable the functions read is named here, once. In production the
values come from the merge template in ``infra/`` (resource names) and from
``.chalice/config.json`` (plain settings); locally the local stack sets them from the
same template.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from functions import afdeling

# Resource names (set by infra/template.json, Globals.Function.Environment).
ENV_STAGE = "APP_STAGE"
ENV_DATA_TABLE = "DATA_TABLE"
ENV_ARCHIVE_BUCKET = "ARCHIVE_BUCKET"
ENV_KMS_KEY_ID = "KMS_KEY_ID"
ENV_SIGNUP_QUEUE_URL = "SIGNUP_QUEUE_URL"
ENV_MELDPUNT_QUEUE_URL = "MELDPUNT_QUEUE_URL"
ENV_KALENDER_QUEUE_URL = "KALENDER_QUEUE_URL"
ENV_UPLOAD_BUCKET = "UPLOAD_BUCKET"  # agenda uploads land here first (functions/agendas)
ENV_NIEUWSBRIEF_QUEUE_URL = "NIEUWSBRIEF_QUEUE_URL"
# A failed queue record waits this long before its first retry, doubling each time.
ENV_QUEUE_RETRY_BASE_SECONDS = "QUEUE_RETRY_BASE_SECONDS"

# Mailchimp. The API key is a secret: production reads it from SSM Parameter Store
# (MAILCHIMP_API_KEY_PARAM); MAILCHIMP_API_KEY is for the local stand-in only.
ENV_MAILCHIMP_API_KEY = "MAILCHIMP_API_KEY"
ENV_MAILCHIMP_API_KEY_PARAM = "MAILCHIMP_API_KEY_PARAM"
ENV_MAILCHIMP_SERVER = "MAILCHIMP_SERVER"
ENV_MAILCHIMP_LIST_ID = "MAILCHIMP_LIST_ID"
ENV_MAILCHIMP_BASE_URL = "MAILCHIMP_BASE_URL"
ENV_MAILCHIMP_TIMEOUT = "MAILCHIMP_TIMEOUT_SECONDS"
ENV_MAILCHIMP_FROM_NAME = "MAILCHIMP_FROM_NAME"
ENV_MAILCHIMP_REPLY_TO = "MAILCHIMP_REPLY_TO"

# Signing secret for form tokens (anti-spam); same SSM/local split as the API key.
ENV_FORM_SECRET = "FORM_SECRET"
ENV_FORM_SECRET_PARAM = "FORM_SECRET_PARAM"

ENV_PUBLIC_BASE_URL = "PUBLIC_BASE_URL"
ENV_MELDPUNT_K = "MELDPUNT_K"
ENV_MELDPUNT_MIN_FORM_AGE = "MELDPUNT_MIN_FORM_AGE_SECONDS"
ENV_MELDPUNT_CONTACT_DAYS_AFTER_CLOSE = "MELDPUNT_CONTACT_DAYS_AFTER_CLOSE"
ENV_MELDPUNT_CONTACT_MAX_DAYS = "MELDPUNT_CONTACT_MAX_DAYS"
ENV_MELDPUNT_TEXT_MAX_DAYS = "MELDPUNT_TEXT_MAX_DAYS"
# Kalender: the sender of transactional mail (SES; the op-afspraak confirmation) and how long
# op-afspraak requests are kept (docs/privacy.md).
ENV_MAIL_FROM = "MAIL_FROM"
ENV_KALENDER_AFSPRAAK_EMAIL_DAYS = "KALENDER_AFSPRAAK_EMAIL_DAYS"
ENV_KALENDER_AFSPRAAK_MAX_DAYS = "KALENDER_AFSPRAAK_MAX_DAYS"
# Beheer pages (functions/beheer/): a browser session's length, and how long it may sit idle.
ENV_BEHEER_SESSIE_MINUTEN = "BEHEER_SESSIE_MINUTEN"
ENV_BEHEER_INACTIEF_MINUTEN = "BEHEER_INACTIEF_MINUTEN"

# The afdeling's own facts come from its data file (functions/afdeling/data/<code>.json).
_AFDELING = afdeling.current()
WERKGROEPEN = _AFDELING.werkgroep_codes
# How the werkgroepen are named in Mailchimp: interests in one interest category.
WERKGROEP_INTEREST_CATEGORY = _AFDELING.werkgroep_interest_category
WERKGROEP_INTEREST_NAMES = _AFDELING.werkgroep_interests
BESTUUR = "bestuur"
ROLES = (BESTUUR,) + WERKGROEPEN


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    return int(raw) if raw.strip() else default


@dataclass(frozen=True)
class Settings:
    stage: str = "local"
    data_table: str = ""
    archive_bucket: str = ""
    kms_key_id: str = ""
    signup_queue_url: str = ""
    meldpunt_queue_url: str = ""
    kalender_queue_url: str = ""
    mail_from: str = ""
    kalender_afspraak_email_days: int = 14
    kalender_afspraak_max_days: int = 365
    upload_bucket: str = ""
    nieuwsbrief_queue_url: str = ""
    queue_retry_base_seconds: int = 30
    mailchimp_api_key: str = ""
    mailchimp_api_key_param: str = ""
    mailchimp_server: str = "us1"
    mailchimp_list_id: str = ""
    mailchimp_base_url: str = ""
    mailchimp_timeout: float = 10.0
    mailchimp_from_name: str = ""
    mailchimp_reply_to: str = ""
    form_secret: str = ""
    form_secret_param: str = ""
    public_base_url: str = "http://127.0.0.1:8000"
    meldpunt_k: int = 5
    meldpunt_min_form_age: int = 3
    meldpunt_contact_days_after_close: int = 90
    meldpunt_contact_max_days: int = 365
    meldpunt_text_max_days: int = 365
    beheer_sessie_minuten: int = 240
    beheer_inactief_minuten: int = 30

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        return cls(
            stage=env.get(ENV_STAGE, "local"),
            data_table=env.get(ENV_DATA_TABLE, ""),
            archive_bucket=env.get(ENV_ARCHIVE_BUCKET, ""),
            kms_key_id=env.get(ENV_KMS_KEY_ID, ""),
            signup_queue_url=env.get(ENV_SIGNUP_QUEUE_URL, ""),
            meldpunt_queue_url=env.get(ENV_MELDPUNT_QUEUE_URL, ""),
            kalender_queue_url=env.get(ENV_KALENDER_QUEUE_URL, ""),
            mail_from=env.get(ENV_MAIL_FROM) or _AFDELING.contact_email,
            kalender_afspraak_email_days=_int(env, ENV_KALENDER_AFSPRAAK_EMAIL_DAYS, 14),
            kalender_afspraak_max_days=_int(env, ENV_KALENDER_AFSPRAAK_MAX_DAYS, 365),
            upload_bucket=env.get(ENV_UPLOAD_BUCKET, ""),
            nieuwsbrief_queue_url=env.get(ENV_NIEUWSBRIEF_QUEUE_URL, ""),
            queue_retry_base_seconds=_int(env, ENV_QUEUE_RETRY_BASE_SECONDS, 30),
            mailchimp_api_key=env.get(ENV_MAILCHIMP_API_KEY, ""),
            mailchimp_api_key_param=env.get(ENV_MAILCHIMP_API_KEY_PARAM, ""),
            mailchimp_server=env.get(ENV_MAILCHIMP_SERVER, "us1"),
            mailchimp_list_id=env.get(ENV_MAILCHIMP_LIST_ID, ""),
            mailchimp_base_url=env.get(ENV_MAILCHIMP_BASE_URL, ""),
            mailchimp_timeout=float(env.get(ENV_MAILCHIMP_TIMEOUT, "") or 10.0),
            mailchimp_from_name=env.get(ENV_MAILCHIMP_FROM_NAME)
            or str(_AFDELING.mailchimp.get("from_name") or _AFDELING.naam),
            mailchimp_reply_to=env.get(ENV_MAILCHIMP_REPLY_TO)
            or str(_AFDELING.mailchimp.get("reply_to") or _AFDELING.contact_email),
            form_secret=env.get(ENV_FORM_SECRET, ""),
            form_secret_param=env.get(ENV_FORM_SECRET_PARAM, ""),
            public_base_url=env.get(ENV_PUBLIC_BASE_URL, "http://127.0.0.1:8000").rstrip("/"),
            meldpunt_k=_int(env, ENV_MELDPUNT_K, 5),
            meldpunt_min_form_age=_int(env, ENV_MELDPUNT_MIN_FORM_AGE, 3),
            meldpunt_contact_days_after_close=_int(env, ENV_MELDPUNT_CONTACT_DAYS_AFTER_CLOSE, 90),
            meldpunt_contact_max_days=_int(env, ENV_MELDPUNT_CONTACT_MAX_DAYS, 365),
            meldpunt_text_max_days=_int(env, ENV_MELDPUNT_TEXT_MAX_DAYS, 365),
            beheer_sessie_minuten=_int(env, ENV_BEHEER_SESSIE_MINUTEN, 240),
            beheer_inactief_minuten=_int(env, ENV_BEHEER_INACTIEF_MINUTEN, 30),
        )
