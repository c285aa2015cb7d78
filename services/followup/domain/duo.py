"""A duo's life after the coordinator formed it: sessions, check-ins, risk, closing and outcomes.

Every method checks everything first and only then changes the duo, so a refused request
(RuleBroken) leaves it exactly as it was. Dates and ids are arguments: the domain never reads
a clock or makes an id, which keeps it replayable from the event log.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum
from typing import TypeVar

from services.followup.domain.rules import DEFAULT_RULES, FollowupRules, add_months
from shared.rules import Refusal, RuleBroken

MAX_SESSION_HOURS = 12
COMPLETED_REASON = "completed"
# An early job is a success that ends the duo early, hence a valid reason among the others.
EARLY_END_REASONS: tuple[str, ...] = (
    "mentee_found_job", "mentee_moved", "mentee_withdrew", "mentor_withdrew", "no_contact", "mismatch", "other",
)


class DuoStatus(str, Enum):
    ACTIVE = "active"
    COMPLETED = "completed"
    ENDED_EARLY = "ended_early"


class OutcomeKind(str, Enum):
    JOB = "job"
    WORK_PLACEMENT = "work_placement"
    TRAINING = "training"
    NONE = "none"


class ContractType(str, Enum):
    PERMANENT = "permanent"
    FIXED_TERM = "fixed_term"
    TEMPORARY_AGENCY = "temporary_agency"
    APPRENTICESHIP = "apprenticeship"
    SELF_EMPLOYED = "self_employed"
    OTHER = "other"


class OutcomeMoment(str, Enum):
    END = "end"
    FOLLOW_UP = "follow_up"


POSITIVE_OUTCOMES = frozenset({OutcomeKind.JOB, OutcomeKind.WORK_PLACEMENT, OutcomeKind.TRAINING})


@dataclass
class Session:
    session_id: str
    held_on: date
    hours: float
    logged_by: str


@dataclass
class CheckIn:
    month: int
    held_on: date
    on_track: bool


@dataclass
class Outcome:
    moment: OutcomeMoment
    kind: OutcomeKind
    contract_type: ContractType | None
    achieved_on: date
    evidence: str  # the kind of proof: "signed contract", "enrolment certificate", "self-declared", ...
    verified_by: str | None
    verified_on: date | None
    recorded_on: date

    def __post_init__(self) -> None:
        # The store gives strings back: coerce so comparisons with the enums hold after a round trip.
        self.moment, self.kind = OutcomeMoment(self.moment), OutcomeKind(self.kind)
        if self.contract_type is not None:
            self.contract_type = ContractType(self.contract_type)


_E = TypeVar("_E", bound=Enum)


def _parse(enum: type[_E], value: object, rule: str, field_name: str) -> _E:
    """Accept the enum member or its string value (the API and the store speak strings)."""
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise RuleBroken.single(rule, f"'{value}' is not one of: {allowed}.", field_name) from None


def _blank(text: object) -> bool:
    return not isinstance(text, str) or not text.strip()


@dataclass
class Duo:
    duo_id: str
    branch: str
    mentee_id: str
    mentor_id: str
    started_on: date
    planned_end_on: date
    status: DuoStatus = DuoStatus.ACTIVE
    sessions: list[Session] = field(default_factory=list)
    check_ins: list[CheckIn] = field(default_factory=list)
    at_risk: bool = False
    at_risk_since: date | None = None
    ended_on: date | None = None
    end_reason: str | None = None
    mentee_returns_to_pool: bool = False
    outcomes: list[Outcome] = field(default_factory=list)
    reminders_sent: list[str] = field(default_factory=list)  # keys of reminders.Reminder, each sent once

    def __post_init__(self) -> None:
        self.status = DuoStatus(self.status)  # a stored string comes back as the enum

    # ---- forming -------------------------------------------------------------------------

    @classmethod
    def form(cls, duo_id: str, branch: str, mentee_id: str, mentor_id: str, started_on: date,
             rules: FollowupRules = DEFAULT_RULES) -> "Duo":
        named = {"duo_id": duo_id, "branch": branch, "mentee_id": mentee_id, "mentor_id": mentor_id}
        refusals = [Refusal(f"duo.{name}_missing", f"A duo needs a {name.replace('_', ' ')}.", name)
                    for name, value in named.items() if _blank(value)]
        if not refusals and mentee_id == mentor_id:
            refusals.append(Refusal("duo.same_person", "A mentee cannot be their own mentor.", "mentor_id"))
        if refusals:
            raise RuleBroken(*refusals)
        return cls(duo_id=duo_id, branch=branch, mentee_id=mentee_id, mentor_id=mentor_id,
                   started_on=started_on, planned_end_on=add_months(started_on, rules.duration_months))

    # ---- reading -------------------------------------------------------------------------

    @property
    def last_activity_on(self) -> date:
        """The last session, or the start when the duo has not met yet."""
        return max((s.held_on for s in self.sessions), default=self.started_on)

    @property
    def hours_logged(self) -> float:
        return math.fsum(s.hours for s in self.sessions)  # fsum: the total does not depend on order

    def days_without_session(self, today: date) -> int:
        return max(0, (today - self.last_activity_on).days)

    def expected_hours(self, on: date, rules: FollowupRules = DEFAULT_RULES) -> float:
        """Hours the duo should have met by `on`: weeks elapsed (up to its end) x hours a week."""
        end = self.planned_end_on if self.ended_on is None else min(self.ended_on, self.planned_end_on)
        days = max(0, (min(on, end) - self.started_on).days)
        return days / 7 * rules.expected_hours_per_week

    def check_in_due_on(self, month: int) -> date:
        return add_months(self.started_on, month)

    def check_ins_due(self, today: date, rules: FollowupRules = DEFAULT_RULES) -> list[int]:
        """Months whose check-in date has come with no check-in; none once the duo has ended."""
        if self.status != DuoStatus.ACTIVE:
            return []
        done = {c.month for c in self.check_ins}
        return [m for m in sorted(rules.check_in_months) if m not in done and self.check_in_due_on(m) <= today]

    def late_check_ins(self, rules: FollowupRules = DEFAULT_RULES) -> list[int]:
        """Months whose check-in was held after its window closed (accepted, but late)."""
        window = timedelta(days=rules.check_in_window_days)
        return sorted(c.month for c in self.check_ins if c.held_on > self.check_in_due_on(c.month) + window)

    def outcome(self, moment: OutcomeMoment | str) -> Outcome | None:
        wanted = OutcomeMoment(moment)
        return next((o for o in self.outcomes if o.moment == wanted), None)

    # ---- changing ------------------------------------------------------------------------

    def _require_active(self, doing: str) -> None:
        if self.status != DuoStatus.ACTIVE:
            raise RuleBroken.single("duo.not_active",
                                    f"Cannot {doing}: this duo has already ended ({self.status.value}).")

    def _last_recorded_on(self) -> date:
        """The latest day anything happened in the duo: an end cannot come before it."""
        return max([self.last_activity_on, *(c.held_on for c in self.check_ins)])

    def log_session(self, session_id: str, held_on: date, hours: float, logged_by: str, today: date,
                    rules: FollowupRules = DEFAULT_RULES) -> Session:
        """Record a meeting. It lifts the at-risk flag when the duo is no longer `rules` days without one
        (a late entry for an old meeting may leave it at risk)."""
        self._require_active("log a session")
        refusals = []
        if _blank(session_id):
            refusals.append(Refusal("session.id_missing", "A session needs an id.", "session_id"))
        elif any(s.session_id == session_id for s in self.sessions):
            refusals.append(Refusal("session.duplicate", "This session has already been logged.", "session_id"))
        if held_on < self.started_on:
            refusals.append(Refusal("session.before_start", f"The duo started on {self.started_on}: "
                                    "a session cannot be held before that.", "held_on"))
        elif held_on > today:
            refusals.append(Refusal("session.in_future", "A session cannot be logged before it is held.", "held_on"))
        if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not 0 < hours <= MAX_SESSION_HOURS:
            refusals.append(Refusal("session.hours_range",
                                    f"A session lasts more than 0 and at most {MAX_SESSION_HOURS} hours.", "hours"))
        if _blank(logged_by):
            refusals.append(Refusal("session.logged_by_missing", "Say who logged the session.", "logged_by"))
        if refusals:
            raise RuleBroken(*refusals)
        session = Session(session_id=session_id, held_on=held_on, hours=float(hours), logged_by=logged_by)
        self.sessions.append(session)
        if self.at_risk and self.days_without_session(today) < rules.at_risk_after_days:
            self.at_risk, self.at_risk_since = False, None
        return session

    def record_check_in(self, month: int, held_on: date, on_track: bool,
                        rules: FollowupRules = DEFAULT_RULES) -> CheckIn:
        self._require_active("record a check-in")
        if month not in rules.check_in_months:
            months = ", ".join(str(m) for m in rules.check_in_months)
            raise RuleBroken.single("check_in.unknown_month", f"Check-ins are held at months {months}.", "month")
        if any(c.month == month for c in self.check_ins):
            raise RuleBroken.single("check_in.duplicate", f"The month {month} check-in is already recorded.", "month")
        opens_on = self.check_in_due_on(month) - timedelta(days=rules.check_in_window_days)
        refusals = []
        if held_on < self.started_on:
            refusals.append(Refusal("check_in.before_start", "A check-in cannot be held before the duo started.",
                                    "held_on"))
        elif held_on < opens_on:
            refusals.append(Refusal("check_in.too_early", f"The month {month} check-in can be held from {opens_on}.",
                                    "held_on"))
        if not isinstance(on_track, bool):
            refusals.append(Refusal("check_in.on_track_missing", "Say whether the duo is on track.", "on_track"))
        if refusals:
            raise RuleBroken(*refusals)
        check_in = CheckIn(month=month, held_on=held_on, on_track=on_track)
        self.check_ins.append(check_in)
        return check_in

    def check_risk(self, today: date, rules: FollowupRules = DEFAULT_RULES) -> bool:
        """True only when the duo becomes at risk now (so the alert goes out once).

        at_risk_since is the day the threshold was crossed, not the day of the sweep, so the
        record does not depend on when the sweep happened to run."""
        if self.status != DuoStatus.ACTIVE or self.at_risk:
            return False
        if self.days_without_session(today) < rules.at_risk_after_days:
            return False
        self.at_risk = True
        self.at_risk_since = self.last_activity_on + timedelta(days=rules.at_risk_after_days)
        return True

    def _end_date_refusals(self, on: date) -> list[Refusal]:
        if on < self._last_recorded_on():
            return [Refusal("end.before_last_activity", f"The duo was active until {self._last_recorded_on()}: "
                            "it cannot end before that.", "on")]
        return []

    def _close(self, status: DuoStatus, on: date, reason: str, mentee_returns_to_pool: bool) -> None:
        self.status, self.ended_on, self.end_reason = status, on, reason
        self.mentee_returns_to_pool = mentee_returns_to_pool
        self.at_risk, self.at_risk_since = False, None  # an ended duo is no longer watched

    def complete(self, on: date, rules: FollowupRules = DEFAULT_RULES) -> None:
        self._require_active("complete the duo")
        if on < self.planned_end_on:
            raise RuleBroken.single("end.before_planned_end", f"The duo runs until {self.planned_end_on}; "
                                    "to end it before, end it early with a reason.", "on")
        refusals = self._end_date_refusals(on)
        if refusals:
            raise RuleBroken(*refusals)
        self._close(DuoStatus.COMPLETED, on, COMPLETED_REASON, False)

    def end_early(self, on: date, reason: str, mentee_returns_to_pool: bool) -> None:
        self._require_active("end the duo")
        refusals = []
        if reason not in EARLY_END_REASONS:
            refusals.append(Refusal("end.reason_unknown", "The reason must be one of: "
                                    + ", ".join(EARLY_END_REASONS) + ".", "reason"))
        if on < self.started_on:
            refusals.append(Refusal("end.before_start", f"The duo started on {self.started_on}.", "on"))
        elif on >= self.planned_end_on:
            refusals.append(Refusal("end.not_early", f"The duo's six months end on {self.planned_end_on}: "
                                    "complete it instead.", "on"))
        else:
            refusals.extend(self._end_date_refusals(on))
        if not isinstance(mentee_returns_to_pool, bool):
            refusals.append(Refusal("end.pool_choice_missing", "Say whether the mentee goes back to the pool.",
                                    "mentee_returns_to_pool"))
        if refusals:
            raise RuleBroken(*refusals)
        self._close(DuoStatus.ENDED_EARLY, on, reason, mentee_returns_to_pool)

    def record_outcome(self, moment: OutcomeMoment | str, kind: OutcomeKind | str,
                       contract_type: ContractType | str | None, achieved_on: date, evidence: str,
                       verified_by: str | None, verified_on: date | None, recorded_on: date,
                       rules: FollowupRules = DEFAULT_RULES) -> Outcome:
        """What the mentee reached, with the proof a funder can audit (what, who verified, when)."""
        moment = _parse(OutcomeMoment, moment, "outcome.moment_unknown", "moment")
        kind = _parse(OutcomeKind, kind, "outcome.kind_unknown", "kind")
        if contract_type is not None:
            contract_type = _parse(ContractType, contract_type, "outcome.contract_type_unknown", "contract_type")
        self._outcome_moment_allowed(moment, recorded_on, rules)
        refusals = []
        if kind == OutcomeKind.JOB and contract_type is None:
            refusals.append(Refusal("outcome.contract_type_missing", "A job needs its contract type.", "contract_type"))
        if kind != OutcomeKind.JOB and contract_type is not None:
            refusals.append(Refusal("outcome.contract_type_forbidden", "Only a job has a contract type.",
                                    "contract_type"))
        if _blank(evidence):
            refusals.append(Refusal("outcome.evidence_missing", "Say what proves the outcome "
                                    "(e.g. signed contract, or self-declared).", "evidence"))
        if (verified_by is None or _blank(verified_by)) != (verified_on is None):
            refusals.append(Refusal("outcome.verification_incomplete",
                                    "A verification needs both who verified and when.", "verified_by"))
        if achieved_on < self.started_on:
            refusals.append(Refusal("outcome.before_start", "An outcome cannot predate the duo.", "achieved_on"))
        if achieved_on > recorded_on:
            refusals.append(Refusal("outcome.not_yet_achieved", "An outcome is recorded once achieved.",
                                    "achieved_on"))
        if verified_on is not None and verified_on > recorded_on:
            refusals.append(Refusal("outcome.verified_after_recorded",
                                    "A verification cannot be dated after the record.", "verified_on"))
        if refusals:
            raise RuleBroken(*refusals)
        outcome = Outcome(moment=moment, kind=kind, contract_type=contract_type, achieved_on=achieved_on,
                          evidence=evidence, verified_by=None if verified_on is None else verified_by,
                          verified_on=verified_on, recorded_on=recorded_on)
        self.outcomes.append(outcome)
        return outcome

    def _outcome_moment_allowed(self, moment: OutcomeMoment, recorded_on: date, rules: FollowupRules) -> None:
        if self.outcome(moment) is not None:
            raise RuleBroken.single("outcome.duplicate", f"The {moment.value} outcome is already recorded.", "moment")
        if moment == OutcomeMoment.END:
            if self.ended_on is None:
                raise RuleBroken.single("outcome.duo_not_ended", "The end outcome is recorded once the duo has ended.",
                                        "moment")
            if recorded_on < self.ended_on:
                raise RuleBroken.single("outcome.recorded_before_end", f"The duo ended on {self.ended_on}.",
                                        "recorded_on")
            return
        if self.outcome(OutcomeMoment.END) is None or self.ended_on is None:
            raise RuleBroken.single("outcome.end_missing", "Record the end outcome before the follow-up.", "moment")
        due_on = add_months(self.ended_on, rules.follow_up_after_months)
        if recorded_on < due_on:
            raise RuleBroken.single("outcome.follow_up_too_early", f"The follow-up is due from {due_on}.",
                                    "recorded_on")
