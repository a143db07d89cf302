"""``make run`` = ``python -m infra.local``: the whole system locally, until Ctrl-C.

Environment: PORT (API, default 8000), CONSOLE_PORT (default 8025), 0 = any free port;
LOCAL_STATE_DIR (default .local/) for stack.json and tokens.json. Other variables that
.chalice/config.json sets (e.g. MELDPUNT_MIN_FORM_AGE_SECONDS) are taken from the
environment when present. SIGINT (Ctrl-C) and SIGTERM stop everything and exit 0.
"""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading

from infra.local.stack import LocalStack, StackError


def main() -> int:
    stop = threading.Event()
    running = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        if not running.is_set():
            raise KeyboardInterrupt  # still starting: unwind start(), which stops what it started
        if stop.is_set():  # a second Ctrl-C while stopping: give up waiting
            os.write(2, b"Forced exit.\n")
            os._exit(130)
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    # The functions' JSON log lines (functions.logs) go to stdout, as in Lambda and chalice local.
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")

    stack = None
    try:
        stack = LocalStack.from_environ()
        print("Starting the local stack (moto, Mailchimp stand-in, API, queue pump, scheduler, "
              "console); data lives in memory only ...", flush=True)
        stack.start()
        running.set()
    except KeyboardInterrupt:
        if stack is not None:
            stack.stop()  # idempotent; covers a signal just after start() returned
        print("Stopped while starting.", flush=True)
        return 130
    except StackError as exc:
        print(f"Cannot start the local stack: {exc}", file=sys.stderr, flush=True)
        return 1
    try:
        while not stop.wait(0.5):
            pass
    finally:
        print("Stopping ... (Ctrl-C again to force)", flush=True)
        stack.stop()
        print("Stopped. (Local data was in memory only and is gone.)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
