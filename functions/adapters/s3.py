"""S3 for the agenda archive: the upload bucket (staging) and the archive bucket, and a fake.

- **Upload bucket** (``UploadBucket``): every upload lands here first under
  ``uploads/<upload id>``, from the API (a direct PUT) or from the board member's own client
  (a presigned POST that fixes key, content type and size range). Its ObjectCreated
  notification goes to an SQS queue; objects expire after two days. No Object Lock, so a
  file that fails validation never enters the archive.
- **Archive bucket** (``ArchiveBucket``): versioned, SSE-KMS, Object Lock in governance
  mode with a default retention (docs/decisions/007). Only the upload consumer writes it,
  with an explicit SHA-256 checksum (S3 verifies it, and Object Lock needs one).

Errors: a missing object or version → ``None``/``NotFound``; anything else AWS answers, or a
network failure → ``TemporarilyUnavailable`` (a consumer retries, a route answers 503).
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator, Mapping, Protocol

from functions import errors
from functions.adapters import aws

_MISSING = {"NoSuchKey", "NoSuchVersion", "404", "NotFound", "InvalidArgument"}
UPLOAD_ID_META = "upload-id"


@dataclass(frozen=True)
class Staged:
    body: bytes | None       # None when larger than the caller's limit (not read)
    size: int
    content_type: str


@dataclass(frozen=True)
class ObjectVersion:
    key: str
    version_id: str
    delete_marker: bool = False
    size: int = 0


class Archive(Protocol):
    def stage(self, upload_id: str, body: bytes, content_type: str) -> None: ...
    def presigned_upload(self, upload_id: str, content_type: str, max_bytes: int,
                         expires_seconds: int) -> dict[str, Any]: ...
    def read_staged(self, upload_id: str, max_bytes: int) -> Staged | None: ...
    def store(self, key: str, body: bytes, content_type: str, sha256_hex: str,
              metadata: Mapping[str, str]) -> str: ...
    def find_version(self, key: str, upload_id: str) -> str | None: ...
    def read(self, key: str, version_id: str) -> bytes: ...
    def sha256(self, key: str, version_id: str) -> str | None: ...
    def versions(self, prefix: str) -> Iterator[ObjectVersion]: ...
    def download_url(self, key: str, version_id: str, content_type: str, filename: str,
                     expires_seconds: int = 300) -> str: ...


def _s3_client() -> Any:
    """S3 with Signature Version 4 everywhere: a presigned link to an SSE-KMS object must be
    SigV4 (botocore would presign with SigV2 otherwise), and reads get a longer timeout."""
    import boto3  # deferred: ~100 ms
    from botocore.config import Config

    return boto3.client("s3", config=Config(signature_version="s3v4", connect_timeout=3, read_timeout=30,
                                            retries={"max_attempts": 3, "mode": "standard"}))


def _checksum(sha256_hex: str) -> str:
    return base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii")


class S3Archive:
    def __init__(self, archive_bucket: str, upload_bucket: str, s3_client: Any = None):
        self.archive_bucket = archive_bucket
        self.upload_bucket = upload_bucket
        self._client = s3_client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = _s3_client()
        return self._client

    def _call(self, method: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, method)(**kwargs)
        except Exception as exc:
            if aws.is_client_error(exc):
                code = aws.error_code(exc)
                if code in _MISSING:
                    raise errors.NotFound(f"s3 {method}: {code}") from exc
                raise errors.TemporarilyUnavailable(f"s3 {method} failed: {code}") from exc
            if aws.is_connection_error(exc):
                raise errors.TemporarilyUnavailable(f"s3 {method} unreachable") from exc
            raise

    # --- the upload bucket -------------------------------------------------------------

    def stage(self, upload_id: str, body: bytes, content_type: str) -> None:
        self._call("put_object", Bucket=self.upload_bucket, Key=f"uploads/{upload_id}", Body=body,
                   ContentType=content_type, ChecksumAlgorithm="SHA256",
                   ChecksumSHA256=_checksum(hashlib.sha256(body).hexdigest()))

    def presigned_upload(self, upload_id: str, content_type: str, max_bytes: int,
                         expires_seconds: int) -> dict[str, Any]:
        """A presigned POST for exactly this key and content type, 1..max_bytes long."""
        try:
            return self.client.generate_presigned_post(
                Bucket=self.upload_bucket, Key=f"uploads/{upload_id}",
                Fields={"Content-Type": content_type},
                Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
                ExpiresIn=expires_seconds)
        except Exception as exc:
            if aws.is_client_error(exc) or aws.is_connection_error(exc) or \
                    type(exc).__module__.startswith("botocore"):
                raise errors.TemporarilyUnavailable("s3 presign failed") from exc
            raise

    def read_staged(self, upload_id: str, max_bytes: int) -> Staged | None:
        try:
            head = self._call("head_object", Bucket=self.upload_bucket, Key=f"uploads/{upload_id}")
        except errors.NotFound:
            return None
        size = int(head.get("ContentLength", 0))
        content_type = str(head.get("ContentType") or "")
        if size > max_bytes:
            return Staged(None, size, content_type)
        response = self._call("get_object", Bucket=self.upload_bucket, Key=f"uploads/{upload_id}")
        return Staged(response["Body"].read(max_bytes + 1), size, content_type)

    # --- the archive bucket ------------------------------------------------------------

    def store(self, key: str, body: bytes, content_type: str, sha256_hex: str,
              metadata: Mapping[str, str]) -> str:
        # ChecksumAlgorithm + our own SHA-256: S3 checks the bytes against it, and Object Lock
        # refuses an upload without a checksum header
        response = self._call("put_object", Bucket=self.archive_bucket, Key=key, Body=body,
                              ContentType=content_type, ChecksumAlgorithm="SHA256",
                              ChecksumSHA256=_checksum(sha256_hex), Metadata=dict(metadata))
        version = response.get("VersionId")
        if not version:
            raise errors.TemporarilyUnavailable("archive bucket is not versioned")
        return str(version)

    def find_version(self, key: str, upload_id: str) -> str | None:
        """The archive version a crashed consumer stored for this upload, if any."""
        for version in self.versions(key):
            if version.key != key or version.delete_marker:
                continue
            head = self._call("head_object", Bucket=self.archive_bucket, Key=key,
                              VersionId=version.version_id)
            if (head.get("Metadata") or {}).get(UPLOAD_ID_META) == upload_id:
                return version.version_id
        return None

    def read(self, key: str, version_id: str) -> bytes:
        response = self._call("get_object", Bucket=self.archive_bucket, Key=key, VersionId=version_id)
        return response["Body"].read()

    def sha256(self, key: str, version_id: str) -> str | None:
        """The SHA-256 of one version's bytes, streamed (None if the version is gone)."""
        try:
            response = self._call("get_object", Bucket=self.archive_bucket, Key=key,
                                  VersionId=version_id)
        except errors.NotFound:
            return None
        digest = hashlib.sha256()
        for chunk in iter(lambda: response["Body"].read(1024 * 1024), b""):
            digest.update(chunk)
        return digest.hexdigest()

    def versions(self, prefix: str) -> Iterator[ObjectVersion]:
        kwargs: dict[str, Any] = {"Bucket": self.archive_bucket, "Prefix": prefix}
        while True:
            page = self._call("list_object_versions", **kwargs)
            for v in page.get("Versions", []):
                yield ObjectVersion(v["Key"], str(v["VersionId"]), False, int(v.get("Size", 0)))
            for m in page.get("DeleteMarkers", []):
                yield ObjectVersion(m["Key"], str(m["VersionId"]), True)
            if not page.get("IsTruncated"):
                return
            kwargs["KeyMarker"] = page.get("NextKeyMarker")
            kwargs["VersionIdMarker"] = page.get("NextVersionIdMarker")

    def download_url(self, key: str, version_id: str, content_type: str, filename: str,
                     expires_seconds: int = 300) -> str:
        try:
            return self.client.generate_presigned_url("get_object", Params={
                "Bucket": self.archive_bucket, "Key": key, "VersionId": version_id,
                "ResponseContentType": content_type,
                "ResponseContentDisposition": f'inline; filename="{filename}"'},
                ExpiresIn=expires_seconds)
        except Exception as exc:
            if type(exc).__module__.startswith("botocore"):
                raise errors.TemporarilyUnavailable("s3 presign failed") from exc
            raise


class FakeArchive:
    """Both buckets in memory, with versions; ``fail = True`` simulates an outage."""

    def __init__(self) -> None:
        self.staged: dict[str, tuple[bytes, str]] = {}
        self.objects: dict[str, list[dict[str, Any]]] = {}  # key -> versions, oldest first
        self.fail = False
        self.stores = 0
        self._n = 0

    def _check(self) -> None:
        if self.fail:
            raise errors.TemporarilyUnavailable("fake s3 down")

    def stage(self, upload_id: str, body: bytes, content_type: str) -> None:
        self._check()
        self.staged[upload_id] = (bytes(body), content_type)

    def presigned_upload(self, upload_id: str, content_type: str, max_bytes: int,
                         expires_seconds: int) -> dict[str, Any]:
        self._check()
        return {"url": "https://uploads.example/", "fields": {
            "key": f"uploads/{upload_id}", "Content-Type": content_type,
            "policy": f"max={max_bytes};expires={expires_seconds}"}}

    def read_staged(self, upload_id: str, max_bytes: int) -> Staged | None:
        self._check()
        if upload_id not in self.staged:
            return None
        body, content_type = self.staged[upload_id]
        return Staged(body if len(body) <= max_bytes else None, len(body), content_type)

    def store(self, key: str, body: bytes, content_type: str, sha256_hex: str,
              metadata: Mapping[str, str]) -> str:
        self._check()
        if hashlib.sha256(body).hexdigest() != sha256_hex:
            raise ValueError("checksum mismatch")  # what S3 answers with BadDigest
        self._n += 1
        self.stores += 1
        version = f"v{self._n:04d}"
        self.objects.setdefault(key, []).append({"version": version, "body": bytes(body),
                                                 "content_type": content_type,
                                                 "metadata": dict(metadata), "delete_marker": False,
                                                 "at": datetime.now()})
        return version

    def find_version(self, key: str, upload_id: str) -> str | None:
        self._check()
        for v in self.objects.get(key, []):
            if not v["delete_marker"] and v["metadata"].get(UPLOAD_ID_META) == upload_id:
                return str(v["version"])
        return None

    def _version(self, key: str, version_id: str) -> dict[str, Any]:
        for v in self.objects.get(key, []):
            if v["version"] == version_id and not v["delete_marker"]:
                return v
        raise errors.NotFound(f"{key}@{version_id}")

    def read(self, key: str, version_id: str) -> bytes:
        self._check()
        return bytes(self._version(key, version_id)["body"])

    def sha256(self, key: str, version_id: str) -> str | None:
        try:
            return hashlib.sha256(self.read(key, version_id)).hexdigest()
        except errors.NotFound:
            return None

    def versions(self, prefix: str) -> Iterator[ObjectVersion]:
        self._check()
        for key in sorted(self.objects):
            if key.startswith(prefix):
                for v in self.objects[key]:
                    yield ObjectVersion(key, str(v["version"]), bool(v["delete_marker"]), len(v["body"]))

    def download_url(self, key: str, version_id: str, content_type: str, filename: str,
                     expires_seconds: int = 300) -> str:
        self._version(key, version_id)
        return f"https://archive.example/{key}?versionId={version_id}&filename={filename}"
