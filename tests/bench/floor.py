"""The floor of a cold start: a fresh Python that only imports boto3, creates the clients the
handler creates (same configuration as ``functions.adapters.aws.client``) and makes the
same AWS calls, against the same server (``python tests/bench/floor.py <calls JSON>``).

The calls are the ones ``cold.py`` traced for the handler (service, operation, parameters;
the parent gives a conditional put a fresh key, so it succeeds as the handler's did). No
code of ours is imported: what a cold start costs above this is ours.
"""
import json
import sys

import boto3
from botocore import xform_name
from botocore.config import Config


def decode(value):
    if isinstance(value, dict):
        if set(value) == {"__bytes__"}:
            import base64

            return base64.b64decode(value["__bytes__"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def main() -> None:
    calls = json.loads(sys.argv[1])
    config = Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"})
    clients = {}
    for service, _, _ in calls:
        if service not in clients:
            clients[service] = boto3.client(service, config=config)
    for service, operation, params in calls:
        getattr(clients[service], xform_name(operation))(**decode(params))
    print(json.dumps({"calls": len(calls)}))


main()
