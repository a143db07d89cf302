"""One cold start, as Lambda does it: a fresh Python imports the handler's module and serves
one event (``python tests/bench/cold.py <handler> <event JSON>``).

``<handler>`` is a Lambda handler string: ``app.app`` (the API: every route) or a blueprint
function such as ``functions.authorizers.werkgroep_token`` (its own Lambda in production).
It prints what was answered (status, body size) as one JSON line. The parent measures the
wall clock of the whole process, interpreter start included, and compares it with
``floor.py`` doing only the AWS calls.

With ``BENCH_TRACE=1`` it also prints every AWS call the handler made (service, operation,
parameters), so that the floor can make the same calls; a traced run is never timed.
"""
import importlib
import json
import os
import sys


class Context:
    """The part of Lambda's context object Chalice reads."""
    function_name = "bench"
    function_version = "$LATEST"
    aws_request_id = "bench-request"
    memory_limit_in_mb = 256
    log_group_name = log_stream_name = "bench"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:bench"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def _trace() -> list:
    """Record every AWS call the clients created from now on make (tracing runs only)."""
    import base64

    import boto3

    calls: list = []

    def encode(value):
        if isinstance(value, (bytes, bytearray)):
            return {"__bytes__": base64.b64encode(bytes(value)).decode("ascii")}
        if isinstance(value, dict):
            return {k: encode(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [encode(v) for v in value]
        return value

    def record(params, model, **_):
        calls.append([model.service_model.service_name, model.name, encode(params)])

    boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register("provide-client-params", record)
    return calls


def main() -> None:
    handler, event = sys.argv[1], json.loads(sys.argv[2])
    calls = _trace() if os.environ.get("BENCH_TRACE") else None
    module, _, name = handler.rpartition(".")
    answer = getattr(importlib.import_module(module), name)(event, Context())
    if "statusCode" in answer:
        out = {"status": answer["statusCode"], "bytes": len(answer.get("body") or "")}
    else:  # an authorizer's policy
        statement = answer["policyDocument"]["Statement"]
        out = {"status": "allow" if statement and statement[0]["Effect"] == "Allow"
               and statement[0]["Resource"] else "deny", "bytes": 0}
    if calls is not None:
        out["calls"] = calls
    print(json.dumps(out))


if __name__ == "__main__":
    main()
