"""Followup's own records, read back from its own events: how a rebuilt view gets each duo's sessions,
check-ins, risk, end, outcomes and reminders sent, through the same domain rules that took them live.

Each handler leaves a duo alone when the event is already in it (the relay delivers at least once).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Callable

from shared.events import Envelope, topics
from shared.events.followup import (CheckInDue, CheckInRecorded, DuoAtRisk, DuoEnded, FirstMeetingUpcoming,
                                    OutcomeFollowUpDue, OutcomeRecorded, SessionLogged)
from services.followup.domain.duo import Duo, DuoStatus
from services.followup.domain.reminders import CHECK_IN, FIRST_MEETING, OUTCOME_FOLLOW_UP, Reminder, mark_sent
from services.followup.use_cases import FollowUp


class OwnRecords:
    def __init__(self, followup: FollowUp) -> None:
        self.duos, self.rules = followup.duos, followup.rules

    def subscribe(self, consumer) -> None:
        consumer.subscribe(topics.DUO_ACTIVITY, {
            "session-logged": self.on_session, "check-in-recorded": self.on_check_in,
            "outcome-recorded": self.on_outcome})
        consumer.subscribe(topics.DUOS, {
            "duo-at-risk": self.on_at_risk, "duo-ended": self.on_ended,
            "first-meeting-upcoming": self.on_reminder, "check-in-due": self.on_reminder,
            "outcome-follow-up-due": self.on_reminder})

    async def _change(self, envelope: Envelope, duo_id: str, change: Callable[[Duo], bool]) -> None:
        """Apply `change` (False: already applied) and store the duo, without publishing anything."""
        found = await self.duos.get(envelope.branch, duo_id)
        if found is None:
            raise LookupError(f"{envelope.type} for a duo never formed")
        duo, read = found
        if change(duo):
            await self.duos.save(duo, read)

    async def on_session(self, envelope: Envelope, logged: SessionLogged) -> None:
        def log(duo: Duo) -> bool:
            if any(s.session_id == logged.session_id for s in duo.sessions):
                return False
            duo.log_session(logged.session_id, logged.held_on, logged.hours, logged.logged_by or "unknown",
                            logged.logged_on or envelope.time.date(), self.rules)
            return True
        await self._change(envelope, logged.duo_id, log)

    async def on_check_in(self, envelope: Envelope, check_in: CheckInRecorded) -> None:
        def record(duo: Duo) -> bool:
            if any(c.month == check_in.month for c in duo.check_ins):
                return False
            duo.record_check_in(check_in.month, check_in.held_on, check_in.on_track, self.rules)
            return True
        await self._change(envelope, check_in.duo_id, record)

    async def on_outcome(self, envelope: Envelope, outcome: OutcomeRecorded) -> None:
        def record(duo: Duo) -> bool:
            if duo.outcome(outcome.moment) is not None:
                return False
            duo.record_outcome(outcome.moment, outcome.kind, outcome.contract_type, outcome.achieved_on,
                               outcome.evidence, outcome.verified_by, outcome.verified_on, outcome.recorded_on,
                               self.rules)
            return True
        await self._change(envelope, outcome.duo_id, record)

    async def on_at_risk(self, envelope: Envelope, risk: DuoAtRisk) -> None:
        # The scan's day, from the event: days without a session counted from the last activity.
        await self._change(envelope, risk.duo_id, lambda duo: duo.check_risk(
            duo.last_activity_on + timedelta(days=risk.days_without_session), self.rules))

    async def on_ended(self, envelope: Envelope, ended: DuoEnded) -> None:
        def end(duo: Duo) -> bool:
            if duo.status != DuoStatus.ACTIVE:
                return False
            if ended.completed:
                duo.complete(ended.ended_on, self.rules)
            else:
                duo.end_early(ended.ended_on, ended.reason, ended.mentee_returns_to_pool)
            return True
        await self._change(envelope, ended.duo_id, end)

    async def on_reminder(self, envelope: Envelope,
                          due: FirstMeetingUpcoming | CheckInDue | OutcomeFollowUpDue) -> None:
        if isinstance(due, FirstMeetingUpcoming):
            reminder = Reminder(FIRST_MEETING, due.meeting_on)
        elif isinstance(due, CheckInDue):
            reminder = Reminder(CHECK_IN, due.due_on, due.month)
        else:
            reminder = Reminder(OUTCOME_FOLLOW_UP, due.due_on)

        def sent(duo: Duo) -> bool:
            if reminder.key in duo.reminders_sent:
                return False
            mark_sent(duo, [reminder])
            return True
        await self._change(envelope, due.duo_id, sent)
