"""Assignment of a waiting pool: optimal beats greedy where greedy is known to fail, and both
respect minimum score, declined pairs and capacity; newcomers are placed without disturbing."""
from __future__ import annotations

import dataclasses
import itertools
import random
from collections import Counter

import pytest
from hypothesis import given, settings

from services.matching.domain.assignment import dense_round, greedy_round, place_newcomer, propose_round, total_score
from services.matching.domain.scoring import Weights, score_pair
from shared.rules import RuleBroken
from synthetic.branches import generate_branch
from tests.unit.matching import mentee, mentor, pools

W = Weights()
# Sector only, so a score is 100 * min(years, 20) / 20 and is easy to compute by hand.
SECTOR_ONLY = Weights(sector=1, language=0, distance=0, availability=0, preferences=0)
ROUNDS = [propose_round, dense_round, greedy_round]


def greedy_trap():
    """Scores [[90, 80], [85, 10]]: greedy takes 90 then is left with 10."""
    es = [mentee("e1", sectors=("a",)), mentee("e2", sectors=("b", "c"))]
    os = [mentor("o1", experience={"a": 18, "b": 17}), mentor("o2", experience={"a": 16, "c": 2})]
    return es, os


def pairs_of(proposals) -> set[tuple[str, str]]:
    return {(p.mentee_id, p.mentor_id) for p in proposals}


def test_the_trap_scores_as_designed():
    es, os = greedy_trap()
    assert [[score_pair(e, o, SECTOR_ONLY).score for o in os] for e in es] == [[90.0, 80.0], [85.0, 10.0]]


def test_optimal_beats_greedy_where_greedy_fails():
    es, os = greedy_trap()
    greedy = greedy_round(es, os, SECTOR_ONLY, minimum_score=0)
    optimal = propose_round(es, os, SECTOR_ONLY, minimum_score=0)
    assert pairs_of(greedy) == {("e1", "o1"), ("e2", "o2")} and total_score(greedy) == 100.0
    assert pairs_of(optimal) == {("e1", "o2"), ("e2", "o1")} and total_score(optimal) == 165.0


@pytest.mark.parametrize("round_", ROUNDS)
def test_minimum_score_is_respected(round_):
    es, os = greedy_trap()
    proposals = round_(es, os, SECTOR_ONLY, minimum_score=85)
    assert pairs_of(proposals) == {("e1", "o1")}  # only 90 and 85 qualify, both want o1
    assert round_(es, os, SECTOR_ONLY, minimum_score=95) == []


@pytest.mark.parametrize("round_", ROUNDS)
def test_declined_pair_is_never_proposed(round_):
    es, os = greedy_trap()
    proposals = round_(es, os, SECTOR_ONLY, minimum_score=0, declined={("e2", "o1"), ("e9", "o9")})
    assert ("e2", "o1") not in pairs_of(proposals)
    assert pairs_of(proposals) == {("e1", "o1"), ("e2", "o2")}


@pytest.mark.parametrize("round_", ROUNDS)
def test_a_mentor_with_capacity_two_takes_two(round_):
    es, os = greedy_trap()
    os = [dataclasses.replace(os[0], capacity=2), os[1]]
    proposals = round_(es, os, SECTOR_ONLY, minimum_score=50)
    assert pairs_of(proposals) == {("e1", "o1"), ("e2", "o1")}


@pytest.mark.parametrize("round_", ROUNDS)
def test_a_mentor_with_no_capacity_left_is_never_proposed(round_):
    es, os = greedy_trap()
    os = [dataclasses.replace(os[0], capacity=0), os[1]]
    assert pairs_of(round_(es, os, SECTOR_ONLY, minimum_score=0)) == {("e1", "o2")}  # 80 beats 10


def test_minimum_score_outside_0_100_is_refused():
    es, os = greedy_trap()
    for minimum in (-1, 100.5):
        with pytest.raises(RuleBroken):
            propose_round(es, os, W, minimum)
        with pytest.raises(RuleBroken):
            place_newcomer(es[0], os, W, minimum)


def check_constraints(proposals, es, os, minimum, declined=()):
    capacity = {o.mentor_id: o.capacity for o in os}
    assert all(p.score >= minimum for p in proposals)
    assert not pairs_of(proposals) & set(declined)
    assert all(n == 1 for n in Counter(p.mentee_id for p in proposals).values())
    assert all(n <= capacity[o] for o, n in Counter(p.mentor_id for p in proposals).items())
    by_id = {e.mentee_id: e for e in es}, {o.mentor_id: o for o in os}
    # Every proposal carries the same score and reasons as scoring the pair on its own.
    assert all(p == score_pair(by_id[0][p.mentee_id], by_id[1][p.mentor_id], W) for p in proposals)


def best_possible_total(es, os, minimum, declined=()) -> float:
    """Brute force: every way to give each mentee a mentor or none, within capacity."""
    scores = {(e.mentee_id, o.mentor_id): score_pair(e, o, W).score for e in es for o in os}
    best = 0
    for choice in itertools.product([None, *os], repeat=len(es)):
        used = Counter(o.mentor_id for o in choice if o is not None)
        if any(used[o.mentor_id] > o.capacity for o in os):
            continue
        keys = [(e.mentee_id, o.mentor_id) for e, o in zip(es, choice) if o is not None]
        if any(scores[k] < minimum or k in declined for k in keys):
            continue
        best = max(best, round(sum(scores[k] * 10 for k in keys)))
    return best / 10


@settings(max_examples=120, deadline=None)
@given(pools(max_mentees=5, max_mentors=4))
def test_optimal_equals_brute_force_and_is_never_below_greedy(pool):
    es, os = pool
    declined = {(e.mentee_id, o.mentor_id) for e, o in zip(es, os[1:])}
    optimal = propose_round(es, os, W, 20, declined)
    greedy = greedy_round(es, os, W, 20, declined)
    check_constraints(optimal, es, os, 20, declined)
    check_constraints(greedy, es, os, 20, declined)
    assert total_score(optimal) == best_possible_total(es, os, 20, declined)
    assert total_score(dense_round(es, os, W, 20, declined)) == total_score(optimal)
    assert total_score(optimal) >= total_score(greedy)
    # A graph of one candidate per mentee may miss the optimum, never a rule.
    check_constraints(propose_round(es, os, W, 20, declined, per_mentee=1), es, os, 20, declined)


@pytest.fixture(scope="module")
def brussels():
    return generate_branch("brussels", mentees=300, mentor_ratio=0.6, seed=11)


def test_synthetic_round_respects_every_rule(brussels):
    first = propose_round(brussels.mentees, brussels.mentors, W, 55)
    declined = pairs_of(first[::3])
    again = propose_round(brussels.mentees, brussels.mentors, W, 55, declined)
    check_constraints(again, brussels.mentees, brussels.mentors, 55, declined)
    greedy = greedy_round(brussels.mentees, brussels.mentors, W, 55, declined)
    check_constraints(greedy, brussels.mentees, brussels.mentors, 55, declined)
    assert total_score(again) >= total_score(greedy)
    assert len(first) > 100  # a realistic pool gets many proposals


@pytest.mark.parametrize(("branch", "per_mentee"), [("brussels", 12), ("paris", 4)])
def test_sparse_round_stays_within_half_a_percent_of_the_dense_optimum(branch, per_mentee):
    pool = generate_branch(branch, mentees=700, mentor_ratio=0.6, seed=8)
    declined = pairs_of(dense_round(pool.mentees, pool.mentors, W, 50)[::5])
    sparse = propose_round(pool.mentees, pool.mentors, W, 50, declined, per_mentee=per_mentee)
    dense = dense_round(pool.mentees, pool.mentors, W, 50, declined)
    check_constraints(sparse, pool.mentees, pool.mentors, 50, declined)
    assert total_score(dense) >= total_score(sparse) >= 0.995 * total_score(dense)


def test_same_pool_in_any_order_gives_the_same_proposals(brussels):
    first = propose_round(brussels.mentees, brussels.mentors, W, 50)
    rng = random.Random(1)
    es, os = list(brussels.mentees), list(brussels.mentors)
    rng.shuffle(es)
    rng.shuffle(os)
    assert propose_round(es, os, W, 50) == first
    assert greedy_round(es, os, W, 50) == greedy_round(brussels.mentees, brussels.mentors, W, 50)
    assert [p.mentee_id for p in first] == sorted(p.mentee_id for p in first)


def remaining(os, proposals):
    used = Counter(p.mentor_id for p in proposals)
    return [dataclasses.replace(o, capacity=o.capacity - used[o.mentor_id]) for o in os]


@pytest.mark.parametrize("seed", range(5))
def test_newcomers_placed_without_touching_existing_proposals(seed):
    pool = generate_branch("liege", mentees=120, mentor_ratio=1.0, seed=seed)  # some mentors stay free
    existing = propose_round(pool.mentees, pool.mentors, W, 50)
    snapshot = list(existing)
    left = remaining(pool.mentors, existing)
    assert any(o.capacity == 0 for o in left) and any(o.capacity > 0 for o in left)
    newcomers = [dataclasses.replace(e, mentee_id=f"new-{e.mentee_id}")
                 for e in generate_branch("liege", mentees=10, seed=100 + seed).mentees]
    placed = []
    for newcomer in newcomers:
        pair = place_newcomer(newcomer, left, W, 50)
        if pair is not None:
            eligible = [o for o in left if o.capacity > 0]
            assert pair.score == max(score_pair(newcomer, o, W).score for o in eligible)
            placed.append(pair)
            left = remaining(left, [pair])
    assert existing == snapshot
    assert placed
    check_constraints([*existing, *placed], [*pool.mentees, *newcomers], pool.mentors, 50)


def test_newcomer_respects_capacity_declined_and_minimum():
    newcomer = mentee("new", sectors=("it",))
    full = mentor("o1", experience={"it": 20}, capacity=0)
    refused = mentor("o2", experience={"it": 20})
    weak = mentor("o3", experience={"it": 2})
    fine = mentor("o4", experience={"it": 12})
    args = dict(weights=SECTOR_ONLY, minimum_score=50, declined={("new", "o2")})
    assert place_newcomer(newcomer, [full, refused, weak, fine], **args).mentor_id == "o4"
    assert place_newcomer(newcomer, [full, refused, weak], **args) is None


def test_newcomer_ties_go_to_the_smaller_mentor_id():
    newcomer = mentee("new")
    twins = [mentor("o9"), mentor("o3"), mentor("o5")]
    assert place_newcomer(newcomer, twins, W, 0).mentor_id == "o3"


def test_total_score():
    es, os = greedy_trap()
    assert total_score([]) == 0.0
    assert total_score(propose_round(es, os, SECTOR_ONLY, 0)) == 165.0
