"""Field encryption with KMS (``Encrypt``/``Decrypt`` under the data key), and its fake.

Every value is encrypted with an encryption context (e.g. ``{"purpose":
"meldpunt-beschrijving", "melding": <id>}``), so a ciphertext only decrypts for the
purpose and the report it was made for: a contact ciphertext copied into another
report, or used as a description, fails.

KMS ``Encrypt`` takes at most 4096 bytes. Longer texts are split into byte chunks of
at most ``CHUNK_BYTES``, each encrypted with the same context; the stored value is
``kms1:<base64>.<base64>...``. A bounded description (4000 characters, at most 16000
bytes of UTF-8) needs at most four calls.
"""
from __future__ import annotations

import base64
import logging
from typing import Any, Mapping, Protocol

from functions import errors
from functions.adapters import aws

CHUNK_BYTES = 4096
PREFIX = "kms1:"
FAKE_PREFIX = "fake1:"
# Codes that mean "this ciphertext is not for this key/context": retrying will not help.
_PERMANENT = {"InvalidCiphertextException", "IncorrectKeyException", "AccessDeniedException",
              "DisabledException", "NotFoundException", "KMSInvalidStateException",
              "InvalidKeyUsageException", "ValidationException"}
# botocore logs request and response bodies at DEBUG; KMS bodies hold the plaintext.
_BODY_LOGGERS = ("botocore.endpoint", "botocore.parsers", "botocore.hooks", "botocore.auth")


class CryptoError(errors.AppError):
    """A value cannot be encrypted or decrypted (wrong context, key, or corrupt value)."""


class Crypto(Protocol):
    def encrypt(self, plaintext: str, context: Mapping[str, str]) -> str: ...
    def decrypt(self, ciphertext: str, context: Mapping[str, str]) -> str: ...


def _chunks(data: bytes) -> list[bytes]:
    return [data[i:i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES)] or [b""]


def quiet_body_logging() -> None:
    """Cap botocore's body-dumping loggers at INFO, even when someone turns on DEBUG."""
    for name in _BODY_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level < logging.INFO:
            logger.setLevel(logging.INFO)


class KmsCrypto:
    def __init__(self, key_id: str, kms_client: Any = None):
        self.key_id = key_id
        self._client = kms_client

    @property
    def client(self) -> Any:
        if self._client is None:
            quiet_body_logging()
            self._client = aws.client("kms")
        return self._client

    def _call(self, method: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, method)(**kwargs)
        except Exception as exc:
            if aws.is_client_error(exc):
                code = aws.error_code(exc)
                if code in _PERMANENT:
                    raise CryptoError(f"kms {method} refused: {code}") from exc
                raise errors.TemporarilyUnavailable(f"kms {method} failed: {code}") from exc
            if aws.is_connection_error(exc):
                raise errors.TemporarilyUnavailable(f"kms {method} unreachable") from exc
            raise

    def encrypt(self, plaintext: str, context: Mapping[str, str]) -> str:
        parts = []
        for chunk in _chunks(plaintext.encode("utf-8")):
            response = self._call("encrypt", KeyId=self.key_id, Plaintext=chunk,
                                  EncryptionContext=dict(context))
            parts.append(base64.b64encode(response["CiphertextBlob"]).decode("ascii"))
        return PREFIX + ".".join(parts)

    def decrypt(self, ciphertext: str, context: Mapping[str, str]) -> str:
        if not ciphertext.startswith(PREFIX):
            raise CryptoError("not a kms1 value")
        data = b""
        for part in ciphertext[len(PREFIX):].split("."):
            try:
                blob = base64.b64decode(part, validate=True)
            except ValueError as exc:
                raise CryptoError("corrupt ciphertext") from exc
            # KeyId pins the key: a ciphertext made under another key is refused
            response = self._call("decrypt", CiphertextBlob=blob, KeyId=self.key_id,
                                  EncryptionContext=dict(context))
            data += response["Plaintext"]
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CryptoError("decrypted value is not UTF-8") from exc


class FakeCrypto:
    """Reversible, context-bound and not plaintext: enough for service tests.

    ``calls`` counts encrypt calls (per chunk, like KMS); ``fail = True`` simulates
    an outage.
    """

    def __init__(self) -> None:
        self.fail = False
        self.calls = 0

    @staticmethod
    def _ctx(context: Mapping[str, str]) -> str:
        return "&".join(f"{k}={v}" for k, v in sorted(context.items()))

    def encrypt(self, plaintext: str, context: Mapping[str, str]) -> str:
        if self.fail:
            raise errors.TemporarilyUnavailable("fake kms down")
        data = plaintext.encode("utf-8")
        self.calls += len(_chunks(data))
        blob = (self._ctx(context) + "\x00").encode("utf-8") + bytes(b ^ 0x5A for b in data)
        return FAKE_PREFIX + base64.b64encode(blob).decode("ascii")

    def decrypt(self, ciphertext: str, context: Mapping[str, str]) -> str:
        if self.fail:
            raise errors.TemporarilyUnavailable("fake kms down")
        if not ciphertext.startswith(FAKE_PREFIX):
            raise CryptoError("not a fake1 value")
        blob = base64.b64decode(ciphertext[len(FAKE_PREFIX):])
        ctx, _, data = blob.partition(b"\x00")
        if ctx.decode("utf-8") != self._ctx(context):
            raise CryptoError("encryption context mismatch")
        return bytes(b ^ 0x5A for b in data).decode("utf-8")
