"""Warm POST /meldpunt in-process ÷ a bare encrypt + send of the same message (issue 12).

The app is served as Lambda serves it once warm (``app.app(event, context)`` in this
process, its clients made), against moto's server; the bare side uses the same warm boto3
clients to make only the KMS Encrypt and the SQS SendMessage the route made (their
parameters traced from the route). Interleaved, median of ``ROUNDS`` each.
"""
from __future__ import annotations

import os
import time

from tests.bench.cold import Context
from tests.bench.support import FORM_SECRET, median_ms, meldpunt_event

ROUNDS = int(os.environ.get("BENCH_WARM_ROUNDS", "150"))
WARMUP = 10
GOAL = 2.0


def test_warm_report_against_a_bare_encrypt_and_send(table, function_environment):
    import app
    from functions.adapters import aws

    kms, sqs = aws.client("kms"), aws.client("sqs")
    traced: list = []

    def record(params, model, **_):
        traced.append((model.name, dict(params)))

    def serve(n: int, html: bool) -> float:
        event = meldpunt_event(FORM_SECRET, n, html=html)
        started = time.perf_counter()
        answer = app.app(event, Context())
        seconds = time.perf_counter() - started
        assert answer["statusCode"] == (200 if html else 201), answer.get("body", "")[:500]
        return seconds

    # one report traced: what the route sent to KMS and SQS (and DynamoDB, the token's claim)
    serve(-1, True)  # the first request makes the clients
    aws.client("dynamodb").meta.events.register("provide-client-params", record)
    kms.meta.events.register("provide-client-params", record)
    sqs.meta.events.register("provide-client-params", record)
    serve(-2, True)
    for client in (kms, sqs, aws.client("dynamodb")):
        client.meta.events.unregister("provide-client-params", record)
    assert [name for name, _ in traced] == ["PutItem", "Encrypt", "SendMessage"], traced
    encrypt, send = traced[1][1], traced[2][1]

    def bare() -> float:
        started = time.perf_counter()
        kms.encrypt(**encrypt)
        sqs.send_message(**send)
        return time.perf_counter() - started

    results = {}
    for html in (True, False):
        for n in range(WARMUP):
            serve(n, html)
            bare()
        route, floor = [], []
        for n in range(ROUNDS):
            if n % 2:
                floor.append(bare())
                route.append(serve(1000 + n, html))
            else:
                route.append(serve(1000 + n, html))
                floor.append(bare())
        results[html] = (median_ms(route), median_ms(floor))

    (m, f), (mj, fj) = results[True], results[False]
    table.record("warm_meldpunt", f"{m / f:.2f} ({m:.1f} ms ÷ {f:.1f} ms)", m / f <= GOAL,
                 f"browser form (HTML answer) {m / f:.2f}; script (JSON answer) {mj / fj:.2f} "
                 f"({mj:.1f} ms ÷ {fj:.1f} ms); the route also claims the form token "
                 f"(a conditional DynamoDB PutItem) and validates; app.app(event) in-process, "
                 f"median of {ROUNDS} interleaved; message {len(send['MessageBody'])} bytes")
