"""Structured, privacy-safe logging.

Only the fields a caller names are logged: event names, ids, counts, statuses and
error *types*. Never request bodies, report text, e-mail addresses, phone numbers or
IP addresses; exception messages are left out because they can carry any of those.
"""
from __future__ import annotations

import json
import logging
import sys
import traceback
from typing import Any

_logger = logging.getLogger("bij1")
_logger.setLevel(logging.INFO)


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one JSON line: ``{"event": ..., **fields}``; an active exception adds its frames."""
    exc = sys.exc_info()[1]
    if exc is not None and level >= logging.ERROR:
        # file:line of each frame, never the message (it may hold personal data)
        fields["trace"] = [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}"
                           for f in traceback.extract_tb(exc.__traceback__)][-6:]
    _logger.log(level, json.dumps({"event": event, **fields}, default=str, ensure_ascii=False))
