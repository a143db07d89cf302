"""Cached boto3 clients, created on first use (never at import time of ``app.py``).

``AWS_ENDPOINT_URL`` (set by the local stack and by tests) points every client at
moto's server; in Lambda it is unset and the clients talk to real AWS.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=None)
def client(service: str) -> Any:
    import boto3  # deferred: ~100 ms
    from botocore.config import Config

    return boto3.client(service, config=Config(
        connect_timeout=3, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"}))


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError ('' for anything else)."""
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def is_client_error(exc: BaseException) -> bool:
    """A botocore ClientError, including its modeled subclasses (botocore.errorfactory's
    ConditionalCheckFailedException, TransactionCanceledException, ...)."""
    return hasattr(exc, "response") and any(
        cls.__name__ == "ClientError" and cls.__module__.startswith("botocore")
        for cls in type(exc).__mro__)


def is_connection_error(exc: BaseException) -> bool:
    """Network-level failures of botocore (endpoint down, timeouts)."""
    module = type(exc).__module__ or ""
    return module.startswith("botocore") and not is_client_error(exc)
