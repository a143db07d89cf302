"""Secrets from SSM Parameter Store (SecureString), cached per container."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from functions import errors
from functions.adapters import aws


class SsmSecrets:
    def __init__(self, ssm_client: Any = None):
        self._client = ssm_client

    @lru_cache(maxsize=16)
    def get(self, name: str) -> str:
        client = self._client or aws.client("ssm")
        try:
            return client.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        except Exception as exc:
            if aws.is_client_error(exc) and aws.error_code(exc) == "ParameterNotFound":
                raise errors.AppError(f"secret parameter {name} does not exist") from exc
            if aws.is_client_error(exc) or aws.is_connection_error(exc):
                raise errors.TemporarilyUnavailable("parameter store unavailable") from exc
            raise


def resolve(value: str, param_name: str, secrets: SsmSecrets) -> str:
    """A secret given directly (local stack) wins; otherwise read it from SSM."""
    if value:
        return value
    if not param_name:
        raise errors.AppError("secret not configured (neither value nor SSM parameter name)")
    return secrets.get(param_name)
