"""Followup's use cases: a duo's six months from duo-formed to its outcomes, and the branch figures."""
from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from shared.branch_directory import BranchDirectory
from shared.branch_rules import in_force_during
from shared.clock import Clock, utc_today
from shared.events import Envelope, new_envelope
from shared.events.followup import (CheckInDue, CheckInRecorded, DuoAtRisk, DuoEnded, FirstMeetingUpcoming,
                                    OutcomeFollowUpDue, OutcomeRecorded, SessionLogged)
from shared.rules import NotFound, RuleBroken
from shared.storage import ConcurrentChange, retried_on_conflict
from services.followup.adapters.figures_cache import FiguresCache
from services.followup.adapters.duos import DuoRepository
from services.followup.adapters.participant_facts import ParticipantFacts
from services.followup.domain.duo import Duo, DuoStatus
from services.followup.domain.figures import Figures, ParticipantFact, compute_figures
from services.followup.domain.reminders import CHECK_IN, FIRST_MEETING, Reminder, mark_sent, reminders_due
from services.followup.domain.rules import FollowupRules


BranchFacts = tuple[list[ParticipantFact], list[Duo]]  # what a branch's figures are computed from


class FollowUp:
    def __init__(self, duos: DuoRepository, facts: ParticipantFacts, rules: FollowupRules, branches: BranchDirectory,
                 today: Clock = utc_today, figures_cache: FiguresCache[BranchFacts] | None = None) -> None:
        self.duos, self.facts, self.rules, self.branches, self.today = duos, facts, rules, branches, today
        self.figures_cache = figures_cache

    async def _at_risk_days(self) -> dict[str, int]:
        """Each known branch's days without a session before a duo is at risk, in force today."""
        return {branch: rules["at_risk_after_days"] for branch, rules in
                (await self.branches.all_rules_on(self.today())).items()}

    def _rules_with(self, at_risk_days: dict[str, int], branch: str) -> FollowupRules:
        """The programme's time rules with the branch's own at-risk threshold (the setting's for a branch not
        heard of yet)."""
        days = at_risk_days.get(branch)
        return self.rules if days is None else replace(self.rules, at_risk_after_days=days)

    async def rules_for(self, branch: str) -> FollowupRules:
        rules = await self.branches.rules_on(branch, self.today())
        return self._rules_with({branch: rules["at_risk_after_days"]} if rules else {}, branch)

    async def start_duo(self, branch: str, duo_id: str, mentee_id: str, mentor_id: str, started_on: date) -> bool:
        duo = Duo.form(duo_id, branch, mentee_id, mentor_id, started_on, self.rules)
        return await self.duos.add_once(duo)

    @retried_on_conflict
    async def log_session(self, branch: str, duo_id: str, held_on: date, hours: float, logged_by: str,
                          session_id: str | None) -> Duo:
        duo, read = await self._get(branch, duo_id)
        today = self.today()
        session = duo.log_session(session_id or str(uuid.uuid4()), held_on, hours, logged_by, today,
                                  await self.rules_for(branch))
        await self.duos.save(duo, read, _event(duo, SessionLogged(duo_id=duo_id, session_id=session.session_id,
                                                                  held_on=held_on, hours=session.hours,
                                                                  logged_by=logged_by, logged_on=today)))
        return duo

    @retried_on_conflict
    async def record_check_in(self, branch: str, duo_id: str, month: int, held_on: date, on_track: bool) -> Duo:
        duo, read = await self._get(branch, duo_id)
        duo.record_check_in(month, held_on, on_track, self.rules)
        await self.duos.save(duo, read, _event(duo, CheckInRecorded(duo_id=duo_id, month=month, held_on=held_on,
                                                                    on_track=on_track)))
        return duo

    @retried_on_conflict
    async def complete(self, branch: str, duo_id: str, on: date) -> Duo:
        duo, read = await self._get(branch, duo_id)
        self._refuse_future(on, "completed_on")
        duo.complete(on, self.rules)
        await self.duos.save(duo, read, _ended(duo))
        return duo

    @retried_on_conflict
    async def end_early(self, branch: str, duo_id: str, on: date, reason: str, mentee_returns_to_pool: bool) -> Duo:
        duo, read = await self._get(branch, duo_id)
        self._refuse_future(on, "ended_on")
        duo.end_early(on, reason, mentee_returns_to_pool)
        await self.duos.save(duo, read, _ended(duo))
        return duo

    @retried_on_conflict
    async def record_outcome(self, branch: str, duo_id: str, verified_by: str | None, **outcome: Any) -> Duo:
        duo, read = await self._get(branch, duo_id)
        recorded = duo.record_outcome(**outcome, verified_by=verified_by, recorded_on=self.today(), rules=self.rules)
        event = _event(duo, OutcomeRecorded(
            duo_id=duo_id, mentee_id=duo.mentee_id, moment=recorded.moment.value, kind=recorded.kind.value,
            contract_type=recorded.contract_type.value if recorded.contract_type else None,
            achieved_on=recorded.achieved_on, evidence=recorded.evidence, recorded_on=recorded.recorded_on,
            verified_by=recorded.verified_by, verified_on=recorded.verified_on))
        await self.duos.save(duo, read, event)
        return duo

    async def scan_at_risk(self, branch: str | None = None) -> int:
        """Flag every active duo without a session for too long; each flag is one duo-at-risk event."""
        today, flagged = self.today(), 0
        at_risk_days = await self._at_risk_days()
        shortest = min([self.rules.at_risk_after_days, *at_risk_days.values()])
        for duo, read in await self.duos.quiet_since(today - timedelta(days=shortest - 1), branch):
            if duo.check_risk(today, self._rules_with(at_risk_days, duo.branch)):
                last = duo.sessions[-1].held_on if duo.sessions else None
                event = _event(duo, DuoAtRisk(duo_id=duo.duo_id, last_session_on=last,
                                              days_without_session=duo.days_without_session(today)))
                try:
                    await self.duos.save(duo, read, event)
                    flagged += 1
                except ConcurrentChange:  # a session logged meanwhile: the next scan sees the new state
                    continue
        return flagged

    async def scan_reminders(self, branch: str | None = None) -> int:
        """Publish every reminder that has come (first meeting, check-in, outcome follow-up), once per duo."""
        today, published = self.today(), 0
        since = today - timedelta(days=31 * self.rules.follow_up_after_months + self.rules.reminder_stale_days)
        for duo, read in await self.duos.followed_since(since, branch):
            due = reminders_due(duo, today, self.rules)
            if not due:
                continue
            mark_sent(duo, due)
            try:  # the keys and their events in one conditional write: a concurrent scan loses, never repeats
                await self.duos.save(duo, read, *(_reminder_event(duo, r) for r in due))
                published += len(due)
            except ConcurrentChange:
                continue
        return published

    async def figures(self, branch: str | None, period_start: date, period_end: date) -> Figures:
        return compute_figures(*await self._facts_of(branch), branch, period_start, period_end)

    async def _facts_of(self, branch: str | None) -> BranchFacts:
        return await self.facts.all_in(branch), await self.duos.all_in(branch)

    async def branch_figures(self, branch: str, period_start: date, period_end: date) -> dict[str, Any]:
        """The branch's figures as shown: kept until a fact they count changes (adapters/figures_cache.py)."""
        if self.figures_cache is None or period_end < period_start:  # a reversed period: the rule's own problem
            return (await self.figures(branch, period_start, period_end)).as_dict()
        return await self.figures_cache.figures(
            branch, period_start, period_end, lambda: self._facts_of(branch),
            lambda facts: compute_figures(*facts, branch, period_start, period_end).as_dict())

    async def rules_in_force(self, branch: str, period_start: date, period_end: date) -> list[dict[str, Any]]:
        """Which versions of the branch's rules applied during the period, so figures say under what rules
        they were made."""
        return [v.as_dict() for v in in_force_during(await self.branches.versions(branch), period_start, period_end)]

    async def rules_in_force_everywhere(self, period_start: date, period_end: date) -> dict[str, list[dict[str, Any]]]:
        return {branch: [v.as_dict() for v in in_force_during(versions, period_start, period_end)]
                for branch, versions in (await self.branches.all_versions()).items()}

    async def get(self, branch: str, duo_id: str) -> Duo:
        return (await self._get(branch, duo_id))[0]

    async def _get(self, branch: str, duo_id: str) -> tuple[Duo, dict[str, Any]]:
        found = await self.duos.get(branch, duo_id)
        if found is None:
            raise NotFound("duo")
        return found

    def _refuse_future(self, on: date, field: str) -> None:
        if on > self.today():
            raise RuleBroken.single("duo.end_in_future", "A duo cannot be closed on a day still to come.", field)


def _event(duo: Duo, payload) -> Envelope:
    return new_envelope(payload, branch=duo.branch, subject=duo.duo_id)


def _ended(duo: Duo) -> Envelope:
    return _event(duo, DuoEnded(duo_id=duo.duo_id, mentee_id=duo.mentee_id, mentor_id=duo.mentor_id,
                                ended_on=duo.ended_on, completed=duo.status == DuoStatus.COMPLETED,
                                reason=duo.end_reason, mentee_returns_to_pool=duo.mentee_returns_to_pool))


# A reminder's event id derives from the duo and the reminder: if the view is rebuilt from the log and
# the scan decides it again, notify recognises the same event and sends nothing twice.
REMINDER_NAMESPACE = uuid.UUID("0d6b3f2e-98c4-4a57-b1e3-5c7a2f9e6d41")


def _reminder_event(duo: Duo, reminder: Reminder) -> Envelope:
    people = {"duo_id": duo.duo_id, "mentee_id": duo.mentee_id, "mentor_id": duo.mentor_id}
    if reminder.kind == FIRST_MEETING:
        payload = FirstMeetingUpcoming(**people, meeting_on=duo.started_on)
    elif reminder.kind == CHECK_IN:
        payload = CheckInDue(**people, month=reminder.month, due_on=reminder.due_on)
    else:
        payload = OutcomeFollowUpDue(**people, due_on=reminder.due_on)
    return new_envelope(payload, branch=duo.branch, subject=duo.duo_id,
                        id=uuid.uuid5(REMINDER_NAMESPACE, f"{duo.duo_id}|{reminder.key}"))
