"""What the handlers of scheduled events need from the event itself."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


def event_time(event: Any) -> datetime:
    """'now' of a scheduled run: EventBridge's own firing time, so runs are replayable."""
    raw = (event.to_dict() if hasattr(event, "to_dict") else dict(event or {})).get("time")
    if raw:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    return datetime.now(timezone.utc)
