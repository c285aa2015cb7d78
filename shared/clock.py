"""Today's date in UTC: the one clock the services read, injectable so tests can move it."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Callable

Clock = Callable[[], date]


def utc_today() -> date:
    return datetime.now(timezone.utc).date()


def day_or_none(value: str | None) -> date | None:
    """Dates are stored as ISO strings (BSON has no date-only type)."""
    return date.fromisoformat(value) if value else None
