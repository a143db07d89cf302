"""An AWS fault injector for tests: makes a chosen share of a client's calls fail as AWS does.

Registered first on a boto3 client's ``before-send`` event (before moto's own stub), it answers
a share of requests with AWS's throttling (HTTP 400 ``ThrottlingException``) or an internal
error (HTTP 500), as the service itself would, so botocore's retry logic and our adapters see
exactly what they would see from AWS. Optionally a share of the calls of some operations fails
*after* AWS did the work (``after_applying``): the request is carried out, and the caller gets
an error instead of the answer, as when a response is lost.

    faults = AwsFaults(share=0.3, seed=1)
    faults.install(boto3_client)
    ...
    faults.stop()
"""
from __future__ import annotations

import json
import random
from typing import Any, Iterable

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError


class _Raw:
    """The minimal raw stream an AWSResponse reads its body from."""

    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **_: Any):
        yield self._body


class AwsFaults:
    def __init__(self, share: float, seed: int = 0, *, after_applying: Iterable[str] = (),
                 after_share: float = 0.0):
        self.share = share
        self.after_applying = set(after_applying)  # operation names, e.g. "SendMessage"
        self.after_share = after_share
        self.rng = random.Random(seed)
        self.active = True
        self.injected = {"before": 0, "after": 0}
        self.calls = 0

    def install(self, client: Any) -> None:
        client.meta.events.register_first("before-send", self._before_send)
        client.meta.events.register_first("after-call", self._after_call)

    def stop(self) -> None:
        self.active = False

    def _before_send(self, request: Any, **_: Any) -> AWSResponse | None:
        if not self.active:
            return None
        self.calls += 1
        if self.rng.random() >= self.share:
            return None
        self.injected["before"] += 1
        if self.rng.random() < 0.5:
            status, body = 400, {"__type": "ThrottlingException", "message": "Rate exceeded"}
        else:
            status, body = 500, {"__type": "InternalFailure", "message": "Internal error"}
        raw = json.dumps(body).encode()
        return AWSResponse(request.url, status, {"Content-Type": "application/x-amz-json-1.0",
                                                 "x-amzn-RequestId": "fault"}, _Raw(raw))

    def _after_call(self, model: Any = None, **_: Any) -> None:
        if not self.active or not model or model.name not in self.after_applying:
            return
        if self.rng.random() < self.after_share:
            self.injected["after"] += 1
            raise ClientError({"Error": {"Code": "InternalFailure", "Message": "response lost"},
                               "ResponseMetadata": {"HTTPStatusCode": 500}}, model.name)
