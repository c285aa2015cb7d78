"""Random sequences of requests, valid or not, never leave a duo in an invalid state."""
from __future__ import annotations

import copy
import math
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.followup.domain.duo import (
    EARLY_END_REASONS, MAX_SESSION_HOURS, Duo, DuoStatus, OutcomeKind, OutcomeMoment,
)
from services.followup.domain.rules import FollowupRules, add_months
from shared.rules import RuleBroken

START = date(2025, 1, 31)
RULES = FollowupRules()


def day() -> st.SearchStrategy[date]:
    return st.integers(-10, 320).map(lambda n: START + timedelta(days=n))


def mostly(valid: list, invalid: list) -> st.SearchStrategy:
    """Valid values most of the time, so sequences get deep into the life cycle, with some faults."""
    return st.sampled_from(valid * 4 + invalid)


def outcome_requests(achieved: st.SearchStrategy[date]) -> st.SearchStrategy[tuple]:
    return st.tuples(st.just("outcome"), mostly(["end", "follow_up"], ["later"]),
                     st.sampled_from(["job", "work_placement", "training", "none"]), st.integers(0, 5), achieved,
                     mostly(["signed contract"], ["", " "]), st.booleans(), st.integers(0, 200))


operations = st.one_of(
    st.tuples(st.just("log"), mostly(["s1", "s2", "s3", "s4", "s5"], [""]), day(),
              mostly([0.25, 1.5, 2, 12], [-1, 0, 12.5]), mostly(["mentor"], [""]), st.integers(-3, 30)),
    st.tuples(st.just("check_in"), mostly([1, 3, 6], [0, 2, 7]), day(), st.booleans()),
    st.tuples(st.just("risk"), day()),
    st.tuples(st.just("complete"), day()),
    st.tuples(st.just("end_early"), day(), mostly(list(EARLY_END_REASONS), ["bored"]), st.booleans()),
    outcome_requests(day()),
)


def apply(duo: Duo, op: tuple) -> object:
    name, *args = op
    if name == "log":
        session_id, held_on, hours, by, lag = args
        return duo.log_session(session_id, held_on, hours, by, today=held_on + timedelta(days=lag), rules=RULES)
    if name == "check_in":
        return duo.record_check_in(*args, rules=RULES)
    if name == "risk":
        return duo.check_risk(args[0], RULES)
    if name == "complete":
        return duo.complete(args[0], RULES)
    if name == "end_early":
        return duo.end_early(*args)
    moment, kind, contract_pick, achieved_on, evidence, verified, delay = args
    # mostly the contract that fits the kind; sometimes the wrong one, to be refused
    contract = "permanent" if kind == "job" else None
    if contract_pick == 0:
        contract = None if kind == "job" else "apprenticeship"
    recorded_on = achieved_on + timedelta(days=delay)
    return duo.record_outcome(moment, kind, contract, achieved_on, evidence, "staff" if verified else None,
                              recorded_on if verified else None, recorded_on, RULES)


RANK = {DuoStatus.ACTIVE: 0, DuoStatus.COMPLETED: 1, DuoStatus.ENDED_EARLY: 1}


def assert_valid(duo: Duo) -> None:
    assert duo.hours_logged == math.fsum(s.hours for s in duo.sessions)
    assert all(0 < s.hours <= MAX_SESSION_HOURS and s.held_on >= duo.started_on for s in duo.sessions)
    assert len({s.session_id for s in duo.sessions}) == len(duo.sessions)
    assert len({c.month for c in duo.check_ins}) == len(duo.check_ins)
    assert {c.month for c in duo.check_ins} <= set(RULES.check_in_months)
    assert duo.at_risk == (duo.at_risk_since is not None)
    if duo.status == DuoStatus.ACTIVE:
        assert duo.ended_on is None and duo.end_reason is None and not duo.outcomes
    else:
        assert duo.ended_on is not None and not duo.at_risk
        assert duo.ended_on >= max([duo.started_on, *(s.held_on for s in duo.sessions),
                                    *(c.held_on for c in duo.check_ins)])
    if duo.status == DuoStatus.COMPLETED:
        assert duo.ended_on >= duo.planned_end_on and duo.end_reason == "completed"
    if duo.status == DuoStatus.ENDED_EARLY:
        assert duo.ended_on < duo.planned_end_on and duo.end_reason in EARLY_END_REASONS
    moments = [o.moment for o in duo.outcomes]
    assert len(set(moments)) == len(moments)
    assert OutcomeMoment.FOLLOW_UP not in moments or moments[0] == OutcomeMoment.END
    for o in duo.outcomes:
        assert (o.contract_type is not None) == (o.kind == OutcomeKind.JOB)
        assert (o.verified_by is None) == (o.verified_on is None)
        assert o.evidence.strip() and o.achieved_on <= o.recorded_on


@settings(max_examples=400, deadline=None)
@given(st.lists(operations, max_size=30))
def test_random_requests_keep_the_duo_valid(ops):
    duo = Duo.form("duo", "lille", "mentee", "mentor", START, RULES)
    for op in ops:
        before = copy.deepcopy(duo)
        try:
            result = apply(duo, op)
        except RuleBroken as refusal:
            assert duo == before, f"{op} was refused yet changed the duo"
            assert all(r.rule and r.message for r in refusal.refusals)
        else:
            if op[0] == "risk":
                assert result == (duo != before)  # True exactly when the duo became at risk
                assert not result or (duo.at_risk and not before.at_risk)
            assert RANK[duo.status] >= RANK[before.status]
            if before.status != DuoStatus.ACTIVE:
                assert duo.status == before.status and duo.ended_on == before.ended_on
        assert_valid(duo)


late_day = st.integers(0, 420).map(lambda n: START + timedelta(days=n))


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 320), st.sampled_from(EARLY_END_REASONS), st.lists(outcome_requests(late_day), max_size=12))
def test_random_outcome_requests_on_an_ended_duo_keep_it_valid(end_offset, reason, ops):
    duo = Duo.form("duo", "lille", "mentee", "mentor", START, RULES)
    ended_on = START + timedelta(days=end_offset)
    if ended_on >= duo.planned_end_on:
        duo.complete(ended_on, RULES)
    else:
        duo.end_early(ended_on, reason, False)
    for op in ops:
        before = copy.deepcopy(duo)
        try:
            apply(duo, op)
        except RuleBroken:
            assert duo == before, f"{op} was refused yet changed the duo"
        else:
            assert len(duo.outcomes) == len(before.outcomes) + 1
        assert_valid(duo)
    follow_up = duo.outcome(OutcomeMoment.FOLLOW_UP)
    assert follow_up is None or follow_up.recorded_on >= add_months(duo.ended_on, RULES.follow_up_after_months)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 180), st.sampled_from([0.5, 1, 1.25, 2, 3.75, 12])), max_size=40))
def test_hours_logged_is_the_sum_of_the_sessions_whatever_their_order(sessions):
    duo = Duo.form("duo", "lille", "mentee", "mentor", START, RULES)
    for index, (offset, hours) in enumerate(sessions):
        held_on = START + timedelta(days=offset)
        duo.log_session(f"s{index}", held_on, hours, "mentor", today=held_on)
    assert duo.hours_logged == math.fsum(hours for _, hours in sessions)
    assert len(duo.sessions) == len(sessions)
    assert duo.last_activity_on == max([START, *(START + timedelta(days=o) for o, _ in sessions)])
