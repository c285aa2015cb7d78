"""Scores: hand-computed pairs with their reasons, bounds, weights, blindness to protected
characteristics, and the vectorised matrix agreeing with the pair-by-pair score."""
from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.matching.domain.candidates import mentee_from_facts, mentor_from_facts
from services.matching.domain.pool_scores import score_matrix
from services.matching.domain.scoring import COMPONENTS, ScoredPair, Weights, score_pair
from shared.rules import RuleBroken
from shared.vocabulary import area_distance_km
from synthetic.branches import generate_branch
from tests.unit.matching import mentee, mentees, mentor, mentors, pools

W = Weights()
BRANCH = generate_branch("brussels", mentees=60, mentor_ratio=0.6, seed=7)
MENTEE_RECORDS, MENTOR_RECORDS = BRANCH.mentee_records(), BRANCH.mentor_records()


def known_pair(**mentor_changes) -> ScoredPair:
    e = mentee(languages={"ar": "C1", "fr": "B1"}, sectors=("logistics", "retail"), area="BE-10",
               slots=("mon-eve", "wed-pm", "sat-am", "tue-am"), wanted=("interview_practice", "digital_skills"))
    o = mentor(**{"languages": {"ar": "native", "fr": "native", "en": "B2"}, "experience": {"logistics": 30},
                  "area": "BE-10", "slots": ("sat-am", "mon-eve", "wed-pm", "fri-pm"),
                  "offered": ("interview_practice", "cv_and_letters"), **mentor_changes})
    return score_pair(e, o, W)


def test_known_pair_score_breakdown_and_reasons():
    pair = known_pair()
    # 35 (30 years saturate) + 25 (shared B1+ language) + 15 (same area) + 15 (3 slots) + 5 (1 of 2 wishes)
    assert pair.breakdown == {"sector": 35.0, "language": 25.0, "distance": 15.0, "availability": 15.0,
                              "preferences": 5.0}
    assert pair.score == 95.0
    assert pair.reasons == (
        "30 years in logistics; targets logistics",
        "both speak Arabic (C1 and native); also French (B1 and native)",
        "both in BE-10",
        "3 weekly slots in common (mon-eve, wed-pm, sat-am)",
        "offers interview practice, as asked; does not offer digital skills, which was asked",
    )


def test_distance_reason_and_linear_points():
    pair = known_pair(area="BE-11")
    km = area_distance_km("BE-10", "BE-11")
    assert f"about {round(km)} km apart (BE-10 and BE-11)" in pair.reasons
    assert pair.breakdown["distance"] == pytest.approx(15 * (1 - km / 60), abs=0.01)


def test_too_far_scores_no_distance_points():
    pair = known_pair(area="BE-40")  # Liège, about 90 km from Brussels
    assert pair.breakdown["distance"] == 0.0
    assert any("too far for a weekly meeting" in r and "(BE-10 and BE-40)" in r for r in pair.reasons)


def test_unknown_area_is_far_not_an_error():
    pair = known_pair(area="FR-99")
    assert pair.breakdown["distance"] == 0.0
    assert "distance between BE-10 and FR-99 unknown, counted as far" in pair.reasons


@pytest.mark.parametrize(("years", "points"), [(0, 0.0), (1, 1.75), (5, 8.75), (10, 17.5), (20, 35.0), (41, 35.0)])
def test_sector_points_grow_with_years_then_saturate(years, points):
    pair = known_pair(experience={"retail": years})
    assert pair.breakdown["sector"] == points
    unit = "year" if years == 1 else "years"
    assert f"{years} {unit} in retail; targets retail" in pair.reasons


def test_no_sector_overlap_scores_zero_and_says_so():
    pair = known_pair(experience={"it": 25, "finance": 10})
    assert pair.breakdown["sector"] == 0.0
    assert "no experience in the sectors targeted (logistics, retail)" in pair.reasons


def test_best_of_several_shared_sectors_counts():
    pair = known_pair(experience={"retail": 8, "logistics": 12})
    assert pair.breakdown["sector"] == 21.0  # 12 / 20 * 35
    assert "12 years in logistics; targets logistics" in pair.reasons


def test_no_shared_language_scores_zero_on_language():
    pair = known_pair(languages={"nl": "native", "en": "C1"})
    assert pair.breakdown["language"] == 0.0
    assert "no shared language at B1 or above" in pair.reasons


def test_a_shared_language_below_b1_on_one_side_scores_zero_but_is_named():
    e = mentee(languages={"ti": "native", "fr": "A2"})
    pair = score_pair(e, mentor(languages={"fr": "native"}), W)
    assert pair.breakdown["language"] == 0.0
    assert "no shared language at B1 or above (French only at A2 and native)" in pair.reasons
    mentor_weak = score_pair(mentee(languages={"fr": "C1"}), mentor(languages={"fr": "A2"}), W)
    assert mentor_weak.breakdown["language"] == 0.0


@pytest.mark.parametrize(("slots", "points", "reason"), [
    ((), 0.0, "no weekly slot in common"),
    (("sat-am",), 7.5, "1 weekly slot in common (sat-am)"),
    (("sat-am", "mon-eve"), 15.0, "2 weekly slots in common (mon-eve, sat-am)"),
])
def test_availability_counts_up_to_two_shared_slots(slots, points, reason):
    pair = known_pair(slots=slots or ("sun-eve",))
    assert pair.breakdown["availability"] == points
    assert reason in pair.reasons


def test_preferences():
    assert known_pair(offered=()).breakdown["preferences"] == 0.0
    assert known_pair(offered=("interview_practice", "digital_skills")).breakdown["preferences"] == 10.0
    assert ("offers digital skills and interview practice, as asked"
            in known_pair(offered=("interview_practice", "digital_skills")).reasons)
    nothing_asked = score_pair(mentee(wanted=()), mentor(offered=()), W)
    assert nothing_asked.breakdown["preferences"] == 10.0
    assert "no specific support asked for" in nothing_asked.reasons


def test_weights_are_normalised_to_100():
    e, o = mentee(), mentor(experience={"logistics": 10})
    only_sector = score_pair(e, o, Weights(sector=3, language=0, distance=0, availability=0, preferences=0))
    assert only_sector.score == 50.0 and only_sector.breakdown["sector"] == 50.0
    assert score_pair(e, o, Weights(70, 50, 30, 30, 20)) == score_pair(e, o, W)


@pytest.mark.parametrize("weights", [dict(sector=-1), dict(sector=0, language=0, distance=0, availability=0,
                                                                preferences=0)])
def test_invalid_weights_are_refused(weights):
    with pytest.raises(RuleBroken) as excinfo:
        Weights(**weights)
    assert all(r.rule == "matching.weights" and r.message for r in excinfo.value.refusals)


def test_every_negative_weight_is_reported():
    with pytest.raises(RuleBroken) as excinfo:
        Weights(sector=-1, distance=-2)
    assert {r.field for r in excinfo.value.refusals} == {"sector", "distance"}


weights = st.lists(st.integers(0, 50), min_size=len(COMPONENTS), max_size=len(COMPONENTS)).filter(
    lambda ws: sum(ws) > 0).map(lambda ws: Weights(*ws))


@settings(max_examples=300)
@given(mentees(), mentors(), weights)
def test_score_bounds_and_breakdown_sum(e, o, w):
    pair = score_pair(e, o, w)
    assert 0.0 <= pair.score <= 100.0
    assert pair.score == round(pair.score, 1)
    assert set(pair.breakdown) == set(COMPONENTS)
    assert abs(sum(pair.breakdown.values()) - pair.score) <= 0.1
    for name, points in w.points().items():
        assert 0.0 <= pair.breakdown[name] <= points + 0.005
    assert len(pair.reasons) == len(COMPONENTS) and all(r.strip() for r in pair.reasons)


@settings(max_examples=100)
@given(st.integers(0, len(BRANCH.mentees) - 1), st.integers(0, len(BRANCH.mentors) - 1))
def test_bounds_over_synthetic_candidates(i, j):
    pair = score_pair(BRANCH.mentees[i], BRANCH.mentors[j], W)
    assert 0.0 <= pair.score <= 100.0
    assert abs(sum(pair.breakdown.values()) - pair.score) <= 0.1


protected_values = st.fixed_dictionaries({
    "nationality": st.text(max_size=20), "origin": st.text(max_size=20), "religion": st.text(max_size=20),
    "gender": st.sampled_from(["female", "male", "non-binary", "", "x"]), "name": st.text(max_size=30),
    "birth_date": st.dates().map(str), "age_band": st.sampled_from(["18-24", "25-29", "50-59", "70+"]),
    "migration_background": st.booleans(),
})


@settings(max_examples=200)
@given(st.integers(0, len(BRANCH.mentees) - 1), st.integers(0, len(BRANCH.mentors) - 1),
       protected_values, protected_values)
def test_protected_characteristics_never_change_a_score(i, j, for_mentee, for_mentor):
    e_record, o_record = MENTEE_RECORDS[i], MENTOR_RECORDS[j]
    before = score_pair(mentee_from_facts(e_record), mentor_from_facts(o_record, 1), W)
    after = score_pair(mentee_from_facts({**e_record, **for_mentee}),
                       mentor_from_facts({**o_record, **for_mentor}, 1), W)
    assert after == before


def test_the_matrix_ignores_protected_characteristics_too():
    rng = random.Random(3)
    shuffled = [{**r, "nationality": rng.choice(["A", "B"]), "religion": rng.choice(["C", "D"]),
                 "gender": rng.choice(["E", "F"]), "name": str(rng.random())} for r in MENTEE_RECORDS]
    again = [mentee_from_facts(r) for r in shuffled]
    assert np.array_equal(score_matrix(again, BRANCH.mentors, W), score_matrix(BRANCH.mentees, BRANCH.mentors, W))


def pairwise(es, os, w) -> np.ndarray:
    return np.array([[score_pair(e, o, w).score for o in os] for e in es]).reshape(len(es), len(os))


@settings(max_examples=150)
@given(pools(max_mentees=7, max_mentors=7), weights)
def test_matrix_equals_pairwise_scores_on_random_pools(pool, w):
    es, os = pool
    matrix = score_matrix(es, os, w)
    assert matrix.shape == (len(es), len(os))
    assert np.allclose(matrix, pairwise(es, os, w), rtol=0, atol=0.05 + 1e-9)


@pytest.mark.parametrize(("branch", "seed"), [("brussels", 1), ("paris", 2), ("rotterdam", 3), ("lyon", 4)])
def test_matrix_equals_pairwise_scores_on_synthetic_branches(branch, seed):
    pool = generate_branch(branch, mentees=80, mentor_ratio=0.7, seed=seed)
    matrix = score_matrix(pool.mentees, pool.mentors, W)
    assert np.allclose(matrix, pairwise(pool.mentees, pool.mentors, W), rtol=0, atol=0.05 + 1e-9)
    assert matrix.min() >= 0 and matrix.max() <= 100


def test_matrix_spans_several_row_blocks():
    pool = generate_branch("antwerp", mentees=2100, mentor_ratio=0.01, seed=5)  # more rows than one block
    matrix = score_matrix(pool.mentees, pool.mentors, W)
    rows = [0, 1023, 1024, 2047, 2048, 2099]
    chosen = [pool.mentees[i] for i in rows]
    assert np.allclose(matrix[rows], pairwise(chosen, pool.mentors, W), rtol=0, atol=0.05 + 1e-9)


def test_empty_pools_give_empty_matrices():
    assert score_matrix([], [mentor()], W).shape == (0, 1)
    assert score_matrix([mentee()], [], W).shape == (1, 0)
