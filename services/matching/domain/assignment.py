"""Who to propose to whom: the best assignment of a whole waiting pool, one newcomer at a time,
and the greedy baseline the benchmark and tests compare against.

Pools are sorted by id first, so the same pool always gives the same proposals whatever order
the store returned it in.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from services.matching.domain.candidates import Mentee, Mentor
from services.matching.domain.pool_scores import candidate_pairs, score_matrix
from services.matching.domain.scoring import ScoredPair, Weights, score_pair
from shared.rules import RuleBroken


# Candidate mentors per mentee in a round's sparse graph: on synthetic 5,000-mentee pools
# the total stays within 0.05% of the optimum over every pair, in a fraction of the time and
# memory (bench.matching_assignment measures both on the same pools).
PER_MENTEE = 12


def propose_round(mentees: Sequence[Mentee], mentors: Sequence[Mentor], weights: Weights,
                  minimum_score: float, declined: Collection[tuple[str, str]] = (),
                  per_mentee: int = PER_MENTEE) -> list[ScoredPair]:
    """The proposals maximising the pool's total score; each mentee gets at most one mentor and
    each mentor at most `capacity` mentees. Pairs below `minimum_score` or declined never appear.

    The assignment is solved over each mentee's `per_mentee` best mentors (a sparse graph):
    exact whenever no mentee has more eligible mentors than that, and in large pools within a
    hair of the optimum over every pair (`dense_round`, which the benchmark measures it against).
    """
    mentees, mentors = _sorted(mentees, mentors)
    _check_minimum(minimum_score)
    mentors = [o for o in mentors if o.capacity > 0]
    rows, cols, scores = candidate_pairs(mentees, mentors, weights, minimum_score, per_mentee,
                                      _declined_indices(mentees, mentors, declined))
    if rows.size == 0:
        return []
    # A mentor who can take c more duos is c identical rows; never more than there are mentees.
    copies = np.minimum([o.capacity for o in mentors], len(mentees))
    seats = int(copies.sum())
    first = np.cumsum(copies) - copies
    per_edge = copies[cols]
    edge_rows = np.repeat(first[cols], per_edge) + np.arange(per_edge.sum()) - np.repeat(
        np.cumsum(per_edge) - per_edge, per_edge)
    edge_cols = np.repeat(rows, per_edge)
    # Mentor seats are the rows (the smaller side in a branch, so the solver's faster way
    # round); each seat also has a column of its own meaning "left free this round", so a
    # full matching always exists. Values as in dense_round, plus 1: the solver wants no zeros.
    edge_values = np.repeat(_values(scores, len(mentees)), per_edge) + 1
    graph = sparse.csr_array(
        (np.concatenate((edge_values, np.ones(seats))),
         (np.concatenate((edge_rows, np.arange(seats))), np.concatenate((edge_cols, len(mentees) + np.arange(seats))))),
        shape=(seats, len(mentees) + seats))
    seat_rows, picked = min_weight_full_bipartite_matching(graph, maximize=True)
    owner = np.repeat(np.arange(len(mentors)), copies)
    return sorted((score_pair(mentees[i], mentors[owner[seat]], weights)
                   for seat, i in zip(seat_rows.tolist(), picked.tolist()) if i < len(mentees)),
                  key=lambda p: p.mentee_id)


def dense_round(mentees: Sequence[Mentee], mentors: Sequence[Mentor], weights: Weights,
                minimum_score: float, declined: Collection[tuple[str, str]] = ()) -> list[ScoredPair]:
    """The optimum over every pair (one dense assignment problem): the yardstick for propose_round."""
    mentees, mentors = _sorted(mentees, mentors)
    scores, allowed = _eligible(mentees, mentors, weights, minimum_score, declined)
    rows = np.flatnonzero(allowed.any(axis=1))  # mentees with no eligible mentor wait for the next round
    cols = np.flatnonzero(allowed.any(axis=0))
    if rows.size == 0:
        return []
    copies = np.minimum([mentors[j].capacity for j in cols], rows.size)
    columns = np.repeat(cols, copies)
    value = _values(scores[np.ix_(rows, columns)], rows.size)
    del scores
    # Forbidden pairs are worth 0, the same as leaving the mentee unassigned, so forcing one
    # into a square-up never helps and they are dropped.
    value[~allowed[np.ix_(rows, columns)]] = 0.0
    picked_rows, picked_cols = linear_sum_assignment(value, maximize=True)
    proposals = []
    for r, c in zip(picked_rows, picked_cols):
        i, j = rows[r], columns[c]
        if allowed[i, j]:
            proposals.append(score_pair(mentees[i], mentors[j], weights))
    return sorted(proposals, key=lambda p: p.mentee_id)


def _values(scores: np.ndarray, mentees: int) -> np.ndarray:
    """What a pair is worth to the solver. Whole tenths of a point (scores have one decimal),
    so the objective is exact; scaled by (mentees + 1) plus 1 per pair, so the highest total
    comes first and, among equal totals, more pairs are proposed."""
    value = scores * 10
    np.rint(value, out=value)
    value *= mentees + 1
    value += 1
    return value


def _declined_indices(mentees: list[Mentee], mentors: list[Mentor],
                      declined: Collection[tuple[str, str]]) -> list[tuple[int, int]]:
    row = {e.mentee_id: i for i, e in enumerate(mentees)}
    col = {o.mentor_id: j for j, o in enumerate(mentors)}
    return [(row[e], col[o]) for e, o in declined if e in row and o in col]


def greedy_round(mentees: Sequence[Mentee], mentors: Sequence[Mentor], weights: Weights,
                 minimum_score: float, declined: Collection[tuple[str, str]] = ()) -> list[ScoredPair]:
    """Baseline: repeatedly take the highest-scoring pair still possible (ties by ids)."""
    mentees, mentors = _sorted(mentees, mentors)
    scores, allowed = _eligible(mentees, mentors, weights, minimum_score, declined)
    flat = np.flatnonzero(allowed.ravel())
    # Stable sort of ids-ordered pairs by score: equal scores stay in (mentee, mentor) id order.
    order = flat[np.argsort(-scores.ravel()[flat], kind="stable")]
    left = np.array([mentor.capacity for mentor in mentors])
    placed = np.zeros(len(mentees), dtype=bool)
    chosen: list[tuple[int, int]] = []
    m = len(mentors)
    for chunk in np.array_split(order, max(1, order.size // 200_000)):
        i_all, j_all = np.divmod(chunk, m)
        # Drop what earlier chunks settled, vectorised; the rest is decided pair by pair.
        keep = ~placed[i_all] & (left[j_all] > 0)
        for i, j in zip(i_all[keep].tolist(), j_all[keep].tolist()):
            if not placed[i] and left[j] > 0:
                placed[i] = True
                left[j] -= 1
                chosen.append((i, j))
    return sorted((score_pair(mentees[i], mentors[j], weights) for i, j in chosen), key=lambda p: p.mentee_id)


def place_newcomer(mentee: Mentee, mentors: Sequence[Mentor], weights: Weights, minimum_score: float,
                   declined: Collection[tuple[str, str]] = ()) -> ScoredPair | None:
    """The best mentor for one new mentee among those with capacity left, leaving every
    existing proposal as it is; ties go to the smaller mentor id. None when nobody qualifies."""
    _check_minimum(minimum_score)
    refused = set(declined)
    best: ScoredPair | None = None
    for mentor in sorted(mentors, key=lambda o: o.mentor_id):
        if mentor.capacity <= 0 or (mentee.mentee_id, mentor.mentor_id) in refused:
            continue
        pair = score_pair(mentee, mentor, weights)
        if pair.score >= minimum_score and (best is None or pair.score > best.score):
            best = pair
    return best


def total_score(pairs: Iterable[ScoredPair]) -> float:
    return round(sum(p.score for p in pairs), 1)


def _sorted(mentees: Sequence[Mentee], mentors: Sequence[Mentor]) -> tuple[list[Mentee], list[Mentor]]:
    return sorted(mentees, key=lambda e: e.mentee_id), sorted(mentors, key=lambda o: o.mentor_id)


def _check_minimum(minimum_score: float) -> None:
    if not 0 <= minimum_score <= 100:
        raise RuleBroken.single("matching.minimum_score", "The minimum score must be between 0 and 100.",
                                "minimum_score")


def _eligible(mentees: list[Mentee], mentors: list[Mentor], weights: Weights, minimum_score: float,
              declined: Collection[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """The score matrix and which pairs may be proposed at all."""
    _check_minimum(minimum_score)
    scores = score_matrix(mentees, mentors, weights)
    allowed = scores >= minimum_score
    allowed &= np.array([mentor.capacity > 0 for mentor in mentors], dtype=bool)[None, :]
    for i, j in _declined_indices(mentees, mentors, declined):
        allowed[i, j] = False
    return scores, allowed
