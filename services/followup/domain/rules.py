"""The programme's time rules for a duo, as one value the service builds from its settings."""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class FollowupRules:
    """How long a duo runs and when it needs attention.

    check_in_window_days: a check-in for month m is due on `started_on + m months`. It counts for
    month m when held no earlier than `window` days before that date (earlier would really be the
    previous phase, so it is refused). A late check-in is still accepted, because a coordinator
    catching up is better than a permanent gap; it stays recognisable as late when held more
    than `window` days after the due date (Duo.late_check_ins).
    """

    duration_months: int = 6
    expected_hours_per_week: float = 2.0
    check_in_months: tuple[int, ...] = (1, 3, 6)
    at_risk_after_days: int = 14
    follow_up_after_months: int = 3
    check_in_window_days: int = 14
    # A planned first meeting is announced this many days ahead (not when the duo starts the day it is formed).
    first_meeting_notice_days: int = 2
    # A reminder whose day passed longer ago than this is dropped: a rebuilt view must not send stale news.
    reminder_stale_days: int = 14

    def __post_init__(self) -> None:
        # Misconfiguration is a programmer/ops error, not a coordinator's: plain ValueError.
        if self.duration_months < 1 or self.at_risk_after_days < 1 or self.follow_up_after_months < 0:
            raise ValueError("duration_months and at_risk_after_days must be >= 1, follow_up_after_months >= 0")
        if min(self.expected_hours_per_week, self.check_in_window_days, self.first_meeting_notice_days,
               self.reminder_stale_days) < 0:
            raise ValueError("expected_hours_per_week and the day counts must be >= 0")
        if any(m < 1 or m > self.duration_months for m in self.check_in_months):
            raise ValueError("check_in_months must lie within the duo's duration")
        if len(set(self.check_in_months)) != len(self.check_in_months):
            raise ValueError("check_in_months must not repeat")


DEFAULT_RULES = FollowupRules()


def add_months(day: date, months: int) -> date:
    """Same day `months` calendar months later, clamped to the month's end (31 Aug + 6 -> 28/29 Feb)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
