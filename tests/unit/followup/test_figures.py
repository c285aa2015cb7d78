"""Programme figures: a small case computed by hand from the written definitions.

Period: 1 Jan - 30 Jun 2025. Branches brussels (B) and paris (P).

duo  br  mentee  mentor  started     planned end  ended                         end outcome
D1   B   e1      r1      2024-10-01  2025-04-01   completed 2025-04-01          job, verified
D2   B   e2      r1      2025-01-15  2025-07-15   (active)                      -
D3   B   e3      r2      2025-02-10  2025-08-10   early 2025-03-20 mismatch     none
D8   B   e8      r7      2024-03-10  2024-09-10   completed 2024-09-10          training; follow-up job 2025-03-20
D4   P   e4      r4      2024-06-20  2024-12-20   completed 2024-12-20          job 2024-12-01; follow-up job
D5   P   e5      r4      2025-02-15  2025-08-15   early 2025-05-10 found job    job, self-declared (unverified)
D6   P   e6      r6      2024-12-01  2025-06-01   early 2025-02-01 found job    job (apprenticeship), verified
D7   P   e7      r5      2024-11-20  2025-05-20   (still active)                -
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.followup.domain.duo import EARLY_END_REASONS, Duo, DuoStatus, Outcome, OutcomeKind, OutcomeMoment
from services.followup.domain.figures import (
    DEFINITIONS, DEFINITIONS_VERSION, ParticipantFact, compute_figures, percent,
)
from services.followup.domain.rules import FollowupRules
from shared.rules import RuleBroken

RULES = FollowupRules()
P_START, P_END = date(2025, 1, 1), date(2025, 6, 30)


def fact(pid: str, branch: str, role: str, registered: str, trained: str | None = None) -> ParticipantFact:
    return ParticipantFact(pid, branch, role, date.fromisoformat(registered),
                           date.fromisoformat(trained) if trained else None)


PARTICIPANTS = [
    fact("e1", "brussels", "mentee", "2024-09-01"), fact("e2", "brussels", "mentee", "2024-12-20"),
    fact("e3", "brussels", "mentee", "2025-01-10"), fact("e8", "brussels", "mentee", "2024-02-01"),
    fact("e4", "paris", "mentee", "2024-06-01"), fact("e5", "paris", "mentee", "2025-02-01"),
    fact("e6", "paris", "mentee", "2024-11-01"), fact("e7", "paris", "mentee", "2024-10-15"),
    fact("r1", "brussels", "mentor", "2024-07-01", "2024-08-01"),
    fact("r2", "brussels", "mentor", "2025-05-01", "2025-06-30"),  # trained on the period's last day
    fact("r3", "brussels", "mentor", "2025-05-01", "2025-07-01"),  # trained after the period
    fact("r7", "brussels", "mentor", "2024-01-01", "2024-02-01"),
    fact("r4", "paris", "mentor", "2024-04-01", "2024-05-01"),
    fact("r5", "paris", "mentor", "2024-10-01", None),              # never trained
    fact("r6", "paris", "mentor", "2024-11-01", "2024-11-15"),
]


def d(value: str) -> date:
    return date.fromisoformat(value)


def outcome(duo: Duo, moment: str, kind: str, contract: str | None, achieved: str, recorded: str,
            verified: bool) -> None:
    duo.record_outcome(moment, kind, contract, d(achieved), "signed contract" if verified else "self-declared",
                       "staff-1" if verified else None, d(recorded) if verified else None, d(recorded), RULES)


def build_duos() -> list[Duo]:
    d1 = Duo.form("D1", "brussels", "e1", "r1", d("2024-10-01"), RULES)
    d1.complete(d("2025-04-01"), RULES)
    outcome(d1, "end", "job", "permanent", "2025-03-15", "2025-04-02", True)

    d2 = Duo.form("D2", "brussels", "e2", "r1", d("2025-01-15"), RULES)
    d2.log_session("s1", d("2025-06-20"), 2, "r1", today=d("2025-06-20"))

    d3 = Duo.form("D3", "brussels", "e3", "r2", d("2025-02-10"), RULES)
    d3.end_early(d("2025-03-20"), "mismatch", True)
    outcome(d3, "end", "none", None, "2025-03-20", "2025-03-20", False)

    d8 = Duo.form("D8", "brussels", "e8", "r7", d("2024-03-10"), RULES)
    d8.complete(d("2024-09-10"), RULES)
    outcome(d8, "end", "training", None, "2024-09-01", "2024-09-10", True)
    outcome(d8, "follow_up", "job", "fixed_term", "2025-03-20", "2025-04-01", True)  # after its 12 months

    d4 = Duo.form("D4", "paris", "e4", "r4", d("2024-06-20"), RULES)
    d4.complete(d("2024-12-20"), RULES)
    outcome(d4, "end", "job", "fixed_term", "2024-12-01", "2024-12-20", True)
    outcome(d4, "follow_up", "job", "permanent", "2025-03-01", "2025-03-25", False)

    d5 = Duo.form("D5", "paris", "e5", "r4", d("2025-02-15"), RULES)
    d5.end_early(d("2025-05-10"), "mentee_found_job", False)
    outcome(d5, "end", "job", "temporary_agency", "2025-05-05", "2025-05-10", False)

    d6 = Duo.form("D6", "paris", "e6", "r6", d("2024-12-01"), RULES)
    d6.end_early(d("2025-02-01"), "mentee_found_job", False)
    outcome(d6, "end", "job", "apprenticeship", "2025-01-25", "2025-02-03", True)

    d7 = Duo.form("D7", "paris", "e7", "r5", d("2024-11-20"), RULES)
    return [d1, d2, d3, d8, d4, d5, d6, d7]


def numbers(figures) -> dict[str, tuple]:
    """(numerator, denominator, value) of each figure: the hand-computed expectations below."""
    return {name: (f.numerator, f.denominator, f.value) for name, f in figures.figures.items()}


F = Fraction
COUNT = (None, None)

EXPECTED = {
    None: {
        "young_people_supported": (*COUNT, 6),          # e1 e2 e3 e5 e6 e7 (D4, D8 ended in 2024)
        "trained_mentors": (*COUNT, 5),                 # r1 r2 r7 r4 r6 (not r3: July; not r5)
        "active_mentors": (*COUNT, 5),                  # r1 r2 r4 r6 r5
        "active_duos": (*COUNT, 2),                     # D2 D7 on 30 Jun
        "days_registration_to_match_median": (None, 3, F(26)),     # waits 26 (e2), 31 (e3), 14 (e5)
        "days_registration_to_match_mean": (71, 3, F(71, 3)),
        "completion_rate": (2, 3, F(2, 3)),             # planned end in period: D1 yes, D6 job yes, D7 open no
        "positive_outcome_rate": (3, 4, F(3, 4)),       # ended in period: e1 yes, e3 no, e5 yes, e6 yes
        "verified_positive_outcome_rate": (2, 4, F(1, 2)),         # e5 only self-declared
        "employment_rate": (1, 2, F(1, 2)),             # 12 months run out: e4 (job in time), e8 (too late)
        "mentor_repeat_rate": (2, 5, F(2, 5)),          # first duo ended: r1 r2 r7 r4 r6; again: r1 r4
    },
    "brussels": {
        "young_people_supported": (*COUNT, 3),          # e1 e2 e3
        "trained_mentors": (*COUNT, 3),                 # r1 r2 r7
        "active_mentors": (*COUNT, 2),                  # r1 r2
        "active_duos": (*COUNT, 1),                     # D2
        "days_registration_to_match_median": (None, 2, F(57, 2)),  # 26, 31
        "days_registration_to_match_mean": (57, 2, F(57, 2)),
        "completion_rate": (1, 1, F(1)),                # D1
        "positive_outcome_rate": (1, 2, F(1, 2)),       # e1 yes, e3 no
        "verified_positive_outcome_rate": (1, 2, F(1, 2)),
        "employment_rate": (0, 1, F(0)),                # e8
        "mentor_repeat_rate": (1, 3, F(1, 3)),          # r1 r2 r7; again: r1
    },
    "paris": {
        "young_people_supported": (*COUNT, 3),          # e5 e6 e7
        "trained_mentors": (*COUNT, 2),                 # r4 r6
        "active_mentors": (*COUNT, 3),                  # r4 r6 r5
        "active_duos": (*COUNT, 1),                     # D7
        "days_registration_to_match_median": (None, 1, F(14)),     # e5
        "days_registration_to_match_mean": (14, 1, F(14)),
        "completion_rate": (1, 2, F(1, 2)),             # D6 yes, D7 no
        "positive_outcome_rate": (2, 2, F(1)),          # e5 e6
        "verified_positive_outcome_rate": (1, 2, F(1, 2)),         # e6
        "employment_rate": (1, 1, F(1)),                # e4
        "mentor_repeat_rate": (1, 2, F(1, 2)),          # r4 r6; again: r4
    },
}


@pytest.mark.parametrize("branch", [None, "brussels", "paris"])
def test_hand_computed_figures(branch):
    figures = compute_figures(PARTICIPANTS, build_duos(), branch, P_START, P_END)
    assert numbers(figures) == EXPECTED[branch]
    assert (figures.branch, figures.period_start, figures.period_end) == (branch, P_START, P_END)
    assert figures.definitions_version == DEFINITIONS_VERSION


def test_rates_of_branches_add_up_to_all_branches():
    all_branches = compute_figures(PARTICIPANTS, build_duos(), None, P_START, P_END).figures
    parts = [compute_figures(PARTICIPANTS, build_duos(), b, P_START, P_END).figures for b in ("brussels", "paris")]
    for name, figure in all_branches.items():
        if figure.definition.unit == "rate":
            assert figure.numerator == sum(p[name].numerator for p in parts)
            assert figure.denominator == sum(p[name].denominator for p in parts)


def test_a_branch_without_duos_has_no_rate_rather_than_an_error():
    figures = compute_figures(PARTICIPANTS, build_duos(), "marseille", P_START, P_END)
    for figure in figures.figures.values():
        if figure.definition.unit == "rate":
            assert (figure.numerator, figure.denominator, figure.value) == (0, 0, None)
            assert figure.as_dict()["percent"] is None
        elif figure.definition.unit == "days":
            assert figure.denominator == 0 and figure.value is None
        else:
            assert figure.value == 0


def test_a_period_before_any_duo_has_zero_denominators():
    figures = compute_figures(PARTICIPANTS, build_duos(), None, date(2020, 1, 1), date(2020, 12, 31))
    assert figures.figures["completion_rate"].value is None
    assert figures.figures["days_registration_to_match_median"].value is None
    assert figures.figures["young_people_supported"].value == 0


def test_nothing_at_all_gives_empty_figures():
    figures = compute_figures([], [], None, P_START, P_END)
    assert set(figures.figures) == set(DEFINITIONS)
    assert all(f.value in (0, None) for f in figures.figures.values())


def test_a_single_day_period():
    figures = compute_figures(PARTICIPANTS, build_duos(), None, date(2025, 4, 1), date(2025, 4, 1))
    # D1 ends that day (still active on it), D2 D5 D7 run; D3 ended in March, D6 in February
    assert figures.figures["active_duos"].value == 4
    assert numbers(figures)["completion_rate"] == (1, 1, F(1))


def test_a_reversed_period_is_refused():
    with pytest.raises(RuleBroken) as excinfo:
        compute_figures(PARTICIPANTS, build_duos(), None, P_END, P_START)
    assert excinfo.value.refusals[0].rule == "figures.period_reversed"


def test_the_same_duo_twice_counts_once_and_conflicting_copies_are_refused():
    duos = build_duos()
    twice = compute_figures(PARTICIPANTS, duos + [build_duos()[0]], None, P_START, P_END)
    assert numbers(twice) == EXPECTED[None]
    changed = build_duos()[0]
    changed.branch = "paris"
    with pytest.raises(RuleBroken) as excinfo:
        compute_figures(PARTICIPANTS, duos + [changed], None, P_START, P_END)
    assert excinfo.value.refusals[0].rule == "figures.duo_conflict"


def test_registration_to_match_counts_only_a_mentees_first_duo():
    # e3 rematched after D3; its id sorts first, so only the start date can tell which duo came first
    rematch = Duo.form("A-rematch", "brussels", "e3", "r1", d("2025-04-01"), RULES)
    figures = compute_figures(PARTICIPANTS, build_duos() + [rematch], "brussels", P_START, P_END)
    assert numbers(figures)["days_registration_to_match_mean"] == (57, 2, F(57, 2))


@pytest.mark.parametrize("second_start, repeats", [("2025-06-30", 2), ("2025-07-01", 1)])
def test_a_second_duo_counts_when_it_started_by_the_periods_end(second_start, repeats):
    second = Duo.form("D10", "brussels", "e9", "r2", d(second_start), RULES)
    figures = compute_figures(PARTICIPANTS, build_duos() + [second], "brussels", P_START, P_END)
    assert numbers(figures)["mentor_repeat_rate"] == (repeats, 3, F(repeats, 3))


def test_definitions_are_plain_text_for_every_figure():
    figures = compute_figures(PARTICIPANTS, build_duos(), None, P_START, P_END)
    assert set(DEFINITIONS) == set(figures.figures)
    for name, definition in DEFINITIONS.items():
        assert definition.name == name and definition.numerator and definition.denominator and definition.notes
        assert figures.figures[name].definition is definition
    assert "mentee_found_job" in DEFINITIONS["completion_rate"].notes or "job early" in \
        DEFINITIONS["completion_rate"].notes


def test_as_dict_is_json_with_fractions_as_text_and_rounded_percents():
    shown = compute_figures(PARTICIPANTS, build_duos(), None, P_START, P_END).as_dict()
    json.dumps(shown)
    assert shown["period_start"] == "2025-01-01" and shown["definitions_version"] == DEFINITIONS_VERSION
    assert shown["figures"]["completion_rate"] == {"numerator": 2, "denominator": 3, "unit": "rate",
                                                   "value": "2/3", "percent": 66.7}
    assert shown["figures"]["mentor_repeat_rate"]["percent"] == 40.0
    assert shown["figures"]["days_registration_to_match_mean"]["rounded"] == 23.7
    assert shown["figures"]["young_people_supported"]["value"] == 6
    assert shown["definitions"]["employment_rate"]["denominator"] == DEFINITIONS["employment_rate"].denominator


@pytest.mark.parametrize("value, shown", [
    (F(1, 2000), 0.0),    # 0.05 -> 0.0 (half to even), not 0.1
    (F(3, 2000), 0.2),    # 0.15 -> 0.2
    (F(1, 3), 33.3),
    (F(2, 3), 66.7),
    (F(1), 100.0),
    (F(0), 0.0),
])
def test_percent_rounds_half_even_at_one_decimal(value, shown):
    assert percent(value) == shown


# ---- order of the facts never matters ---------------------------------------------------------

@settings(max_examples=50, deadline=None)
@given(st.randoms(use_true_random=False), st.sampled_from([None, "brussels", "paris"]))
def test_shuffling_the_hand_case_changes_nothing(rng, branch):
    duos, people = build_duos(), list(PARTICIPANTS)
    rng.shuffle(duos)
    rng.shuffle(people)
    assert compute_figures(people, duos, branch, P_START, P_END).as_dict() == \
        compute_figures(PARTICIPANTS, build_duos(), branch, P_START, P_END).as_dict()


KINDS = list(OutcomeKind)


@st.composite
def random_duos(draw) -> list[Duo]:
    """Arbitrary facts (not necessarily reachable by the life cycle): figures must cope with any."""
    duos = []
    for index in range(draw(st.integers(0, 10))):
        start = date(2024, 6, 1) + timedelta(days=draw(st.integers(0, 500)))
        duo = Duo.form(f"D{index}", draw(st.sampled_from(["a", "b"])), f"e{draw(st.integers(0, 5))}",
                       f"r{draw(st.integers(0, 3))}", start, RULES)
        status = draw(st.sampled_from(list(DuoStatus)))
        if status != DuoStatus.ACTIVE:
            duo.status, duo.ended_on = status, start + timedelta(days=draw(st.integers(0, 200)))
            duo.end_reason = draw(st.sampled_from(("completed",) + EARLY_END_REASONS))
            for moment in draw(st.lists(st.sampled_from(list(OutcomeMoment)), unique=True)):
                kind = draw(st.sampled_from(KINDS))
                achieved = start + timedelta(days=draw(st.integers(0, 500)))
                duo.outcomes.append(Outcome(moment, kind, "permanent" if kind == OutcomeKind.JOB else None, achieved,
                                            "self-declared", None, None, achieved))
        duos.append(duo)
    return duos


@settings(max_examples=100, deadline=None)
@given(random_duos(), st.randoms(use_true_random=False), st.sampled_from([None, "a", "b"]),
       st.integers(0, 400), st.integers(0, 400))
def test_any_facts_in_any_order_give_the_same_figures(duos, rng, branch, start_offset, length):
    people = [ParticipantFact(f"e{i}", "a" if i % 2 else "b", "mentee", date(2024, 1, 1) + timedelta(days=9 * i))
              for i in range(6)]
    people += [ParticipantFact(f"r{i}", "a", "mentor", date(2024, 1, 1), date(2024, 3, 1) + timedelta(days=60 * i))
               for i in range(4)]
    start = date(2024, 6, 1) + timedelta(days=start_offset)
    end = start + timedelta(days=length)
    expected = compute_figures(people, duos, branch, start, end)
    shuffled_duos, shuffled_people = list(duos), list(people)
    rng.shuffle(shuffled_duos)
    rng.shuffle(shuffled_people)
    again = compute_figures(shuffled_people, shuffled_duos, branch, start, end)
    assert again == expected and again.as_dict() == expected.as_dict()
    for figure in expected.figures.values():
        if figure.definition.unit == "rate":
            assert 0 <= figure.numerator <= figure.denominator
            assert figure.value == (F(figure.numerator, figure.denominator) if figure.denominator else None)

