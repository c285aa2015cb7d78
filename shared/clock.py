"""Today's date in UTC: the one clock the services read, injectable so tests can move it."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Callable

Clock = Callable[[], date]


def utc_today() -> date:
    return datetime.now(timezone.utc).date()


def shifted_today(offset_days: int) -> Clock:
    """Today moved by a number of days: a whole suite can live weeks ahead in a test or a rehearsal."""
    if offset_days == 0:
        return utc_today
    return lambda: utc_today() + timedelta(days=offset_days)


def day_or_none(value: str | None) -> date | None:
    """Dates are stored as ISO strings (BSON has no date-only type)."""
    return date.fromisoformat(value) if value else None


Now = Callable[[], datetime]


def utc_now() -> datetime:
    """The current instant in UTC (for retries and leases, where a day is too coarse)."""
    return datetime.now(timezone.utc)
