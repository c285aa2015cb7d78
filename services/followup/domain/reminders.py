"""Which of a duo's time-based reminders are due on a day: first meeting, check-ins, outcome follow-up.

Followup owns the clock of a duo's life, so it decides when each reminder is due; notify only
reacts to the events. Each reminder has a key and is sent once per duo (Duo.reminders_sent).
A reminder is due from its day until `reminder_stale_days` after it, and only while it still
makes sense (the check-in not yet recorded, the duo still active, the follow-up not yet known).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from services.followup.domain.duo import Duo, DuoStatus, OutcomeMoment
from services.followup.domain.rules import FollowupRules, add_months

FIRST_MEETING, CHECK_IN, OUTCOME_FOLLOW_UP = "first-meeting", "check-in", "outcome-follow-up"


@dataclass(frozen=True)
class Reminder:
    kind: str
    due_on: date
    month: int | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.month}" if self.month is not None else self.kind


def reminders_due(duo: Duo, today: date, rules: FollowupRules) -> list[Reminder]:
    """Reminders due today and not sent yet, oldest first."""
    candidates: list[Reminder] = []
    if duo.status == DuoStatus.ACTIVE:
        if not duo.sessions and today < duo.started_on:
            candidates.append(Reminder(FIRST_MEETING, duo.started_on - timedelta(days=rules.first_meeting_notice_days)))
        recorded = {c.month for c in duo.check_ins}
        candidates += [Reminder(CHECK_IN, duo.check_in_due_on(m), m)
                       for m in sorted(rules.check_in_months) if m not in recorded]
    elif duo.ended_on is not None and duo.outcome(OutcomeMoment.FOLLOW_UP) is None:
        candidates.append(Reminder(OUTCOME_FOLLOW_UP, add_months(duo.ended_on, rules.follow_up_after_months)))
    stale = timedelta(days=rules.reminder_stale_days)
    return [r for r in candidates
            if r.due_on <= today <= r.due_on + stale and r.key not in duo.reminders_sent]


def mark_sent(duo: Duo, reminders: list[Reminder]) -> None:
    duo.reminders_sent.extend(r.key for r in reminders)
