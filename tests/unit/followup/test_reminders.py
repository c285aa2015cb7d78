"""When a duo's reminders are due: a planned first meeting, each check-in, the outcome follow-up; once each."""
from __future__ import annotations

from datetime import date, timedelta

from shared.observability import correlation
from services.followup.domain.duo import Duo
from services.followup.domain.reminders import mark_sent, reminders_due
from services.followup.domain.rules import FollowupRules

RULES = FollowupRules()
START = date(2026, 1, 15)


def duo(started_on: date = START) -> Duo:
    return Duo.form("d1", "brussels", "mentee-1", "mentor-1", started_on, RULES)


def keys(d: Duo, today: date) -> list[str]:
    return [r.key for r in reminders_due(d, today, RULES)]


def test_a_planned_first_meeting_is_announced_two_days_ahead_and_not_after_it():
    d = duo()
    assert keys(d, START - timedelta(days=3)) == []
    assert keys(d, START - timedelta(days=2)) == ["first-meeting"]
    assert keys(d, START) == []  # the day itself: too late for a reminder


def test_each_check_in_is_due_on_its_month_unless_recorded():
    d = duo()
    assert keys(d, date(2026, 2, 14)) == []
    assert keys(d, date(2026, 2, 15)) == ["check-in-1"]
    d.record_check_in(3, date(2026, 4, 10), True, RULES)  # recorded early, within its window
    assert keys(d, date(2026, 4, 15)) == []
    assert keys(d, date(2026, 7, 15)) == ["check-in-6"]


def test_a_reminder_is_sent_once_and_a_stale_one_never():
    d = duo()
    due = reminders_due(d, date(2026, 2, 16), RULES)
    mark_sent(d, due)
    assert keys(d, date(2026, 2, 17)) == []
    fresh = duo()
    assert keys(fresh, date(2026, 2, 15) + timedelta(days=RULES.reminder_stale_days + 1)) == []


def test_the_outcome_follow_up_is_due_three_months_after_the_end_until_recorded():
    d = duo()
    d.log_session("s1", START, 2, "coordinator", START, RULES)
    d.complete(date(2026, 7, 15), RULES)
    assert keys(d, date(2026, 7, 20)) == []  # an ended duo has no check-ins left
    assert keys(d, date(2026, 10, 15)) == ["outcome-follow-up"]
    d.record_outcome("end", "training", None, date(2026, 7, 1), "enrolment certificate", None, None,
                     date(2026, 7, 15), RULES)
    d.record_outcome("follow_up", "job", "permanent", date(2026, 9, 1), "signed contract", None, None,
                     date(2026, 10, 15), RULES)
    assert keys(d, date(2026, 10, 16)) == []


def test_a_reminder_decided_again_after_a_rebuild_is_the_same_event():
    from services.followup.use_cases import _reminder_event

    token = correlation.bind("scan")  # as the periodic job's work; not left behind for other tests
    try:
        [reminder] = reminders_due(duo(), date(2026, 2, 15), RULES)
        first, again = _reminder_event(duo(), reminder), _reminder_event(duo(), reminder)
        [other] = reminders_due(duo(), date(2026, 4, 15), RULES)
        later = _reminder_event(duo(), other)
    finally:
        correlation.reset(token)
    assert first.id == again.id and first.type == "check-in-due" and first.data["month"] == 1
    assert later.id != first.id
