"""Who to propose to whom: the best assignment of a whole waiting pool, one newcomer at a time,
and the greedy baseline the benchmark and tests compare against.

Pools are sorted by id first, so the same pool always gives the same proposals whatever order
the store returned it in.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from services.matching.domain.candidates import Mentee, Mentor
from services.matching.domain.scoring import ScoredPair, Weights, score_matrix, score_pair
from shared.rules import RuleBroken


def propose_round(mentees: Sequence[Mentee], mentors: Sequence[Mentor], weights: Weights,
                  minimum_score: float, declined: Collection[tuple[str, str]] = ()) -> list[ScoredPair]:
    """The proposals maximising the pool's total score; each mentee gets at most one mentor and
    each mentor at most `capacity` mentees. Pairs below `minimum_score` or declined never appear."""
    mentees, mentors = _sorted(mentees, mentors)
    scores, allowed = _eligible(mentees, mentors, weights, minimum_score, declined)
    rows = np.flatnonzero(allowed.any(axis=1))  # mentees with no eligible mentor wait for the next round
    cols = np.flatnonzero(allowed.any(axis=0))
    if rows.size == 0:
        return []
    # A mentor who can take c more duos is c identical columns; never more than there are mentees.
    copies = np.minimum([mentors[j].capacity for j in cols], rows.size)
    columns = np.repeat(cols, copies)
    # Work in whole tenths of a point (scores have one decimal), so the objective is exact.
    # Scaling by (rows + 1) and adding 1 per eligible pair keeps the highest total first and,
    # among equal totals, proposes more pairs. Forbidden pairs are worth 0, the same as leaving
    # the mentee unassigned, so forcing one into a square-up never helps and they are dropped.
    value = scores[np.ix_(rows, columns)]
    del scores  # in place from here: a 5,000-mentee pool's matrices are over 100 MB each
    value *= 10
    np.rint(value, out=value)
    value *= rows.size + 1
    value += 1
    value[~allowed[np.ix_(rows, columns)]] = 0.0
    picked_rows, picked_cols = linear_sum_assignment(value, maximize=True)
    proposals = []
    for r, c in zip(picked_rows, picked_cols):
        i, j = rows[r], columns[c]
        if allowed[i, j]:
            proposals.append(score_pair(mentees[i], mentors[j], weights))
    return sorted(proposals, key=lambda p: p.mentee_id)


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
    row = {e.mentee_id: i for i, e in enumerate(mentees)}
    col = {o.mentor_id: j for j, o in enumerate(mentors)}
    for mentee_id, mentor_id in declined:
        if mentee_id in row and mentor_id in col:
            allowed[row[mentee_id], col[mentor_id]] = False
    return scores, allowed
