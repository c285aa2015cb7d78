"""A duo's life: every transition, every refusal, and nothing changed when refused."""
from __future__ import annotations

import copy
from dataclasses import asdict
from datetime import date, timedelta

import pytest

from services.followup.domain.duo import (
    EARLY_END_REASONS, CheckIn, ContractType, Duo, DuoStatus, Outcome, OutcomeKind, OutcomeMoment, Session,
)
from services.followup.domain.rules import FollowupRules, add_months
from shared.rules import RuleBroken

START = date(2025, 3, 3)
END = date(2025, 9, 3)  # START + 6 months
RULES = FollowupRules()


def new_duo(started_on: date = START) -> Duo:
    return Duo.form("duo-1", "brussels", "mentee-1", "mentor-1", started_on, RULES)


def rules_of(excinfo: pytest.ExceptionInfo[RuleBroken]) -> set[str]:
    return {r.rule for r in excinfo.value.refusals}


def refused(duo: Duo, rule: str, action) -> None:
    """The action is refused for `rule`, with a readable message, and leaves the duo untouched."""
    before = copy.deepcopy(duo)
    with pytest.raises(RuleBroken) as excinfo:
        action(duo)
    assert rule in rules_of(excinfo)
    assert all(r.message.strip() for r in excinfo.value.refusals)
    assert duo == before


def ended(on: date = END) -> Duo:
    duo = new_duo()
    duo.complete(on, RULES)
    return duo


def end_outcome(duo: Duo, **changes):
    values = dict(moment="end", kind="job", contract_type="permanent", achieved_on=date(2025, 8, 20),
                  evidence="signed contract", verified_by="coordinator-7", verified_on=date(2025, 9, 5),
                  recorded_on=date(2025, 9, 5), rules=RULES)
    values.update(changes)
    return duo.record_outcome(**values)


# ---- forming ---------------------------------------------------------------------------------

@pytest.mark.parametrize("started_on, planned_end_on", [
    (date(2025, 3, 3), date(2025, 9, 3)),
    (date(2025, 8, 31), date(2026, 2, 28)),   # clamped to February's end
    (date(2023, 8, 31), date(2024, 2, 29)),   # leap year
    (date(2025, 7, 15), date(2026, 1, 15)),   # crosses the year
    (date(2025, 12, 31), date(2026, 6, 30)),
])
def test_planned_end_is_six_calendar_months_later_clamped_to_month_end(started_on, planned_end_on):
    duo = new_duo(started_on)
    assert duo.planned_end_on == planned_end_on
    assert duo.status == DuoStatus.ACTIVE and duo.sessions == [] and not duo.at_risk


def test_duration_comes_from_the_rules():
    duo = Duo.form("d", "paris", "m", "r", date(2025, 1, 31), FollowupRules(duration_months=1, check_in_months=(1,)))
    assert duo.planned_end_on == date(2025, 2, 28)
    assert add_months(date(2025, 10, 31), 3) == date(2026, 1, 31)


@pytest.mark.parametrize("field_name", ["duo_id", "branch", "mentee_id", "mentor_id"])
def test_forming_refuses_a_missing_id(field_name):
    values = dict(duo_id="d", branch="paris", mentee_id="m", mentor_id="r", started_on=START)
    values[field_name] = " "
    with pytest.raises(RuleBroken) as excinfo:
        Duo.form(**values)
    assert rules_of(excinfo) == {f"duo.{field_name}_missing"}
    assert excinfo.value.refusals[0].field == field_name


def test_forming_refuses_a_mentee_mentoring_themselves():
    with pytest.raises(RuleBroken) as excinfo:
        Duo.form("d", "paris", "p-1", "p-1", START)
    assert rules_of(excinfo) == {"duo.same_person"}


# ---- sessions --------------------------------------------------------------------------------

def test_logging_sessions_adds_up_hours_and_moves_last_activity():
    duo = new_duo()
    assert duo.last_activity_on == START
    duo.log_session("s1", START + timedelta(days=2), 2, "mentor-1", today=START + timedelta(days=2))
    session = duo.log_session("s2", START + timedelta(days=9), 1.5, "mentee-1", today=START + timedelta(days=10))
    assert session.hours == 1.5 and session.logged_by == "mentee-1"
    assert duo.hours_logged == 3.5
    assert duo.last_activity_on == START + timedelta(days=9)
    # a late entry for an earlier meeting does not move the last activity back
    duo.log_session("s0", START, 12, "coordinator-1", today=START + timedelta(days=11))
    assert duo.last_activity_on == START + timedelta(days=9)
    assert duo.hours_logged == 15.5


def test_a_session_on_the_start_day_and_today_is_accepted():
    duo = new_duo()
    duo.log_session("s1", START, 2, "m", today=START)
    assert [s.session_id for s in duo.sessions] == ["s1"]


def test_the_same_session_twice_is_refused():
    duo = new_duo()
    duo.log_session("s1", START, 2, "m", today=START)
    refused(duo, "session.duplicate", lambda d: d.log_session("s1", START + timedelta(days=1), 1, "m",
                                                              today=START + timedelta(days=1)))


@pytest.mark.parametrize("held_on, today, rule", [
    (START - timedelta(days=1), START, "session.before_start"),
    (START + timedelta(days=5), START + timedelta(days=4), "session.in_future"),
])
def test_session_dates_are_checked(held_on, today, rule):
    refused(new_duo(), rule, lambda d: d.log_session("s1", held_on, 2, "m", today=today))


@pytest.mark.parametrize("hours", [0, -1, 12.01, float("nan"), float("inf"), True, "2"])
def test_session_hours_must_be_above_zero_and_at_most_twelve(hours):
    refused(new_duo(), "session.hours_range", lambda d: d.log_session("s1", START, hours, "m", today=START))


def test_session_needs_an_id_and_an_author_and_reports_every_fault_at_once():
    duo = new_duo()
    before = copy.deepcopy(duo)
    with pytest.raises(RuleBroken) as excinfo:
        duo.log_session("", START - timedelta(days=1), 0, "", today=START)
    assert rules_of(excinfo) == {"session.id_missing", "session.before_start", "session.hours_range",
                                 "session.logged_by_missing"}
    assert duo == before


def test_no_session_once_the_duo_has_ended():
    refused(ended(), "duo.not_active", lambda d: d.log_session("s9", END, 2, "m", today=END))


# ---- risk ------------------------------------------------------------------------------------

def test_at_risk_at_exactly_fourteen_days_not_at_thirteen():
    duo = new_duo()
    duo.log_session("s1", START + timedelta(days=10), 2, "m", today=START + timedelta(days=10))
    assert duo.check_risk(START + timedelta(days=23), RULES) is False
    assert duo.days_without_session(START + timedelta(days=23)) == 13
    assert not duo.at_risk and duo.at_risk_since is None
    assert duo.check_risk(START + timedelta(days=24), RULES) is True
    assert duo.at_risk and duo.at_risk_since == START + timedelta(days=24)


def test_risk_counts_from_the_start_when_the_duo_never_met():
    duo = new_duo()
    assert duo.days_without_session(START - timedelta(days=3)) == 0
    assert duo.check_risk(START + timedelta(days=13), RULES) is False
    assert duo.check_risk(START + timedelta(days=40), RULES) is True
    # the day the threshold was crossed, not the day the sweep ran
    assert duo.at_risk_since == START + timedelta(days=14)


def test_an_at_risk_duo_is_reported_only_once():
    duo = new_duo()
    assert duo.check_risk(START + timedelta(days=14), RULES) is True
    before = copy.deepcopy(duo)
    assert duo.check_risk(START + timedelta(days=30), RULES) is False
    assert duo == before


def test_the_risk_threshold_is_configurable():
    duo, slow = new_duo(), FollowupRules(at_risk_after_days=21)
    assert duo.check_risk(START + timedelta(days=20), slow) is False
    assert duo.check_risk(START + timedelta(days=21), slow) is True


def test_an_ended_duo_is_never_at_risk():
    duo = ended()
    assert duo.check_risk(END + timedelta(days=100), RULES) is False
    assert not duo.at_risk


def test_logging_a_session_clears_the_risk():
    duo = new_duo()
    duo.check_risk(START + timedelta(days=20), RULES)
    duo.log_session("s1", START + timedelta(days=20), 2, "m", today=START + timedelta(days=20))
    assert not duo.at_risk and duo.at_risk_since is None


def test_a_late_entry_for_an_old_meeting_leaves_the_duo_at_risk():
    duo = new_duo()
    duo.check_risk(START + timedelta(days=40), RULES)
    duo.log_session("s1", START + timedelta(days=3), 2, "m", today=START + timedelta(days=40))
    assert duo.at_risk and duo.at_risk_since == START + timedelta(days=14)


def test_ending_a_duo_clears_the_risk():
    duo = new_duo()
    duo.check_risk(START + timedelta(days=30), RULES)
    duo.end_early(START + timedelta(days=30), "no_contact", True)
    assert not duo.at_risk and duo.at_risk_since is None


# ---- expected hours --------------------------------------------------------------------------

def test_expected_hours_follow_the_weeks_and_stop_at_the_planned_end():
    duo = new_duo()
    assert duo.expected_hours(START - timedelta(days=7)) == 0
    assert duo.expected_hours(START) == 0
    assert duo.expected_hours(START + timedelta(days=7)) == 2.0
    assert duo.expected_hours(START + timedelta(days=21), FollowupRules(expected_hours_per_week=1.5)) == 4.5
    full = (END - START).days / 7 * 2
    assert duo.expected_hours(END) == full
    assert duo.expected_hours(END + timedelta(days=60)) == full


def test_expected_hours_stop_when_the_duo_ends_early():
    duo = new_duo()
    duo.end_early(START + timedelta(days=14), "mentee_moved", False)
    assert duo.expected_hours(END) == 4.0


# ---- check-ins -------------------------------------------------------------------------------

def test_check_ins_are_recorded_once_per_month_and_leave_the_due_list():
    duo = new_duo()
    month_1 = date(2025, 4, 3)
    assert duo.check_ins_due(month_1 - timedelta(days=1), RULES) == []
    assert duo.check_ins_due(month_1, RULES) == [1]
    check_in = duo.record_check_in(1, month_1 + timedelta(days=2), True, RULES)
    assert (check_in.month, check_in.on_track) == (1, True)
    assert duo.check_ins_due(date(2025, 6, 2), RULES) == []
    assert duo.check_ins_due(date(2025, 6, 3), RULES) == [3]
    assert duo.check_ins_due(END, RULES) == [3, 6]
    duo.record_check_in(6, END, False, RULES)
    duo.record_check_in(3, date(2025, 7, 1), True, RULES)  # late, yet recorded
    assert duo.check_ins_due(END, RULES) == []
    assert duo.late_check_ins(RULES) == [3]
    assert sorted(c.month for c in duo.check_ins) == [1, 3, 6]


def test_no_check_in_is_due_once_the_duo_has_ended():
    duo = new_duo()
    duo.end_early(date(2025, 5, 1), "mentor_withdrew", True)
    assert duo.check_ins_due(END, RULES) == []


@pytest.mark.parametrize("month", [0, 2, 4, 7])
def test_a_check_in_for_another_month_is_refused(month):
    refused(new_duo(), "check_in.unknown_month", lambda d: d.record_check_in(month, date(2025, 6, 3), True, RULES))


def test_a_check_in_month_is_recorded_once():
    duo = new_duo()
    duo.record_check_in(3, date(2025, 6, 3), True, RULES)
    refused(duo, "check_in.duplicate", lambda d: d.record_check_in(3, date(2025, 6, 10), False, RULES))


def test_a_check_in_window_opens_fourteen_days_before_its_date():
    due = date(2025, 6, 3)
    refused(new_duo(), "check_in.too_early",
            lambda d: d.record_check_in(3, due - timedelta(days=15), True, RULES))
    duo = new_duo()
    duo.record_check_in(3, due - timedelta(days=14), True, RULES)
    assert duo.late_check_ins(RULES) == []


def test_a_check_in_is_never_before_the_start():
    wide = FollowupRules(check_in_window_days=60)
    refused(new_duo(), "check_in.before_start",
            lambda d: d.record_check_in(1, START - timedelta(days=1), True, wide))


def test_a_check_in_states_whether_the_duo_is_on_track():
    refused(new_duo(), "check_in.on_track_missing", lambda d: d.record_check_in(1, date(2025, 4, 3), None, RULES))


def test_no_check_in_once_the_duo_has_ended():
    refused(ended(), "duo.not_active", lambda d: d.record_check_in(6, END, True, RULES))


# ---- completing ------------------------------------------------------------------------------

def test_completing_on_the_planned_end():
    duo = new_duo()
    duo.complete(END, RULES)
    assert duo.status == DuoStatus.COMPLETED
    assert (duo.ended_on, duo.end_reason, duo.mentee_returns_to_pool) == (END, "completed", False)


def test_completing_later_than_planned_is_accepted():
    duo = new_duo()
    duo.log_session("s1", END + timedelta(days=3), 2, "m", today=END + timedelta(days=3))
    duo.complete(END + timedelta(days=5), RULES)
    assert duo.ended_on == END + timedelta(days=5)


def test_completing_before_the_planned_end_is_refused():
    refused(new_duo(), "end.before_planned_end", lambda d: d.complete(END - timedelta(days=1), RULES))


def test_completing_before_the_last_session_is_refused():
    duo = new_duo()
    duo.log_session("s1", END + timedelta(days=3), 2, "m", today=END + timedelta(days=3))
    refused(duo, "end.before_last_activity", lambda d: d.complete(END + timedelta(days=2), RULES))


def test_a_duo_ends_once():
    refused(ended(), "duo.not_active", lambda d: d.complete(END + timedelta(days=1), RULES))
    refused(ended(), "duo.not_active", lambda d: d.end_early(END - timedelta(days=1), "other", False))


# ---- ending early ----------------------------------------------------------------------------

@pytest.mark.parametrize("reason", EARLY_END_REASONS)
def test_every_early_end_reason_is_accepted(reason):
    duo = new_duo()
    duo.end_early(date(2025, 5, 5), reason, True)
    assert duo.status == DuoStatus.ENDED_EARLY
    assert (duo.ended_on, duo.end_reason, duo.mentee_returns_to_pool) == (date(2025, 5, 5), reason, True)


def test_an_early_end_keeps_the_coordinators_pool_decision():
    duo = new_duo()
    duo.end_early(START, "mentee_found_job", False)
    assert duo.mentee_returns_to_pool is False and duo.ended_on == START


def test_an_unknown_reason_is_refused():
    refused(new_duo(), "end.reason_unknown", lambda d: d.end_early(date(2025, 5, 5), "bored", False))


@pytest.mark.parametrize("on, rule", [
    (START - timedelta(days=1), "end.before_start"),
    (END, "end.not_early"),
    (END + timedelta(days=1), "end.not_early"),
])
def test_an_early_end_lies_between_start_and_planned_end(on, rule):
    refused(new_duo(), rule, lambda d: d.end_early(on, "mentee_moved", False))


def test_an_early_end_cannot_precede_recorded_activity():
    duo = new_duo()
    duo.record_check_in(1, date(2025, 4, 3), True, RULES)
    refused(duo, "end.before_last_activity", lambda d: d.end_early(date(2025, 4, 2), "mismatch", True))
    duo.log_session("s1", date(2025, 4, 10), 2, "m", today=date(2025, 4, 10))
    refused(duo, "end.before_last_activity", lambda d: d.end_early(date(2025, 4, 9), "mismatch", True))


def test_an_early_end_says_whether_the_mentee_returns_to_the_pool():
    refused(new_duo(), "end.pool_choice_missing", lambda d: d.end_early(date(2025, 5, 5), "other", None))


# ---- outcomes --------------------------------------------------------------------------------

def test_the_end_outcome_keeps_its_evidence():
    duo = ended()
    outcome = end_outcome(duo)
    assert outcome.moment == OutcomeMoment.END and outcome.kind == OutcomeKind.JOB
    assert outcome.contract_type == ContractType.PERMANENT
    assert (outcome.evidence, outcome.verified_by, outcome.verified_on) == ("signed contract", "coordinator-7",
                                                                            date(2025, 9, 5))
    assert duo.outcome("end") is outcome and duo.outcome(OutcomeMoment.FOLLOW_UP) is None


def test_an_unverified_outcome_is_accepted_without_verifier():
    duo = ended()
    outcome = end_outcome(duo, kind=OutcomeKind.TRAINING, contract_type=None, evidence="self-declared",
                          verified_by=None, verified_on=None)
    assert outcome.verified_by is None and outcome.verified_on is None


def test_the_end_outcome_waits_for_the_end():
    refused(new_duo(), "outcome.duo_not_ended", lambda d: end_outcome(d))


def test_an_early_ended_duo_has_an_end_outcome():
    duo = new_duo()
    duo.end_early(date(2025, 6, 1), "mentee_found_job", False)
    end_outcome(duo, achieved_on=date(2025, 5, 28), verified_on=date(2025, 6, 1), recorded_on=date(2025, 6, 1))
    assert duo.outcome("end").kind == OutcomeKind.JOB


def test_the_end_outcome_is_recorded_once():
    duo = ended()
    end_outcome(duo)
    refused(duo, "outcome.duplicate", lambda d: end_outcome(d, kind="none", contract_type=None))


def test_the_end_outcome_is_not_recorded_before_the_end_date():
    refused(ended(), "outcome.recorded_before_end",
            lambda d: end_outcome(d, achieved_on=date(2025, 8, 1), verified_on=None, verified_by=None,
                                  recorded_on=END - timedelta(days=1)))


def test_the_follow_up_comes_after_the_end_outcome_and_its_delay():
    duo = ended()
    follow_up = dict(moment="follow_up", achieved_on=date(2025, 10, 1), verified_on=date(2025, 12, 3),
                     recorded_on=date(2025, 12, 3))
    refused(duo, "outcome.end_missing", lambda d: end_outcome(d, **follow_up))
    end_outcome(duo)
    refused(duo, "outcome.follow_up_too_early",
            lambda d: end_outcome(d, **{**follow_up, "recorded_on": date(2025, 12, 2),
                                        "verified_on": date(2025, 12, 2)}))
    outcome = end_outcome(duo, **follow_up)  # END + 3 months exactly
    assert outcome.moment == OutcomeMoment.FOLLOW_UP
    refused(duo, "outcome.duplicate", lambda d: end_outcome(d, **{**follow_up, "recorded_on": date(2026, 1, 5)}))


def test_the_follow_up_delay_is_configurable():
    duo = ended()
    end_outcome(duo)
    soon = FollowupRules(follow_up_after_months=1)
    end_outcome(duo, moment="follow_up", recorded_on=date(2025, 10, 3), verified_on=date(2025, 10, 3), rules=soon)
    assert duo.outcome("follow_up") is not None


def test_the_follow_up_is_refused_while_the_duo_is_active():
    refused(new_duo(), "outcome.end_missing", lambda d: end_outcome(d, moment="follow_up"))


@pytest.mark.parametrize("changes, rule", [
    ({"contract_type": None}, "outcome.contract_type_missing"),
    ({"kind": "training", "contract_type": "permanent"}, "outcome.contract_type_forbidden"),
    ({"kind": "none", "contract_type": ContractType.OTHER}, "outcome.contract_type_forbidden"),
    ({"verified_by": None}, "outcome.verification_incomplete"),
    ({"verified_by": "  "}, "outcome.verification_incomplete"),
    ({"verified_on": None}, "outcome.verification_incomplete"),
    ({"evidence": ""}, "outcome.evidence_missing"),
    ({"achieved_on": START - timedelta(days=1)}, "outcome.before_start"),
    ({"achieved_on": date(2025, 9, 6)}, "outcome.not_yet_achieved"),
    ({"verified_on": date(2025, 9, 6)}, "outcome.verified_after_recorded"),
    ({"kind": "interview"}, "outcome.kind_unknown"),
    ({"moment": "midway"}, "outcome.moment_unknown"),
    ({"contract_type": "zero_hours"}, "outcome.contract_type_unknown"),
])
def test_outcome_refusals(changes, rule):
    refused(ended(), rule, lambda d: end_outcome(d, **changes))


@pytest.mark.parametrize("kind", ["work_placement", "training", "none"])
def test_outcomes_other_than_a_job_need_no_contract(kind):
    duo = ended()
    assert end_outcome(duo, kind=kind, contract_type=None).kind == OutcomeKind(kind)


@pytest.mark.parametrize("contract", list(ContractType))
def test_every_contract_type_is_accepted_for_a_job(contract):
    assert end_outcome(ended(), contract_type=contract.value).contract_type is contract


# ---- storage round trip ----------------------------------------------------------------------

def test_a_duo_rebuilt_from_stored_strings_behaves_the_same():
    duo = new_duo()
    duo.log_session("s1", START, 2, "m", today=START)
    duo.record_check_in(1, date(2025, 4, 3), True, RULES)
    duo.complete(END, RULES)
    end_outcome(duo)
    stored = asdict(duo)
    stored["status"] = "completed"
    stored["outcomes"] = [{**o, "moment": "end", "kind": "job", "contract_type": "permanent"}
                          for o in stored["outcomes"]]
    rebuilt = Duo(**{**stored, "sessions": [Session(**s) for s in stored["sessions"]],
                     "check_ins": [CheckIn(**c) for c in stored["check_ins"]],
                     "outcomes": [Outcome(**o) for o in stored["outcomes"]]})
    assert rebuilt == duo
    assert rebuilt.status is DuoStatus.COMPLETED and rebuilt.outcomes[0].kind is OutcomeKind.JOB
    refused(rebuilt, "duo.not_active", lambda d: d.log_session("s", END, 1, "m", today=END))
