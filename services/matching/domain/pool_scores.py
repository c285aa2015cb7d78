"""Scores of a whole pool at once, equal to score_pair's, and the few best mentors per mentee.

Each attribute becomes a 0/1 matrix, so overlaps are matrix products and a 5,000 x 3,000 pool
costs a few BLAS calls instead of 15 million Python function calls. Every component takes a
handful of values, so its points come from small tables built with score_pair's own
arithmetic (weight points times fit); the components are then added in score_pair's order,
which keeps every matrix score bit-for-bit equal to the pair's.
"""
from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence

import numpy as np

from services.matching.domain.candidates import Mentee, Mentor
from services.matching.domain.scoring import (
    ENOUGH_SLOTS, Weights, conversation_languages, distance_fit, sector_fit,
)
from shared.vocabulary import SLOTS, area_distance_km

_BLOCK_ROWS = 256  # mentees per block: keeps temporaries small and cache-friendly
# Each mentor's best mentee in every group of this many enters the candidate graph (smaller
# groups in small pools, so a mentor has at least MENTOR_CANDIDATES).
MENTEE_GROUP = 128
MENTOR_CANDIDATES = 24


def score_matrix(mentees: Sequence[Mentee], mentors: Sequence[Mentor], weights: Weights) -> np.ndarray:
    """Scores of every mentee (rows) with every mentor (columns)."""
    scores = np.zeros((len(mentees), len(mentors)), dtype=np.float64)
    if len(mentees) and len(mentors):
        encoding = PoolEncoding(mentees, mentors, weights)
        for rows, totals in encoding.blocks():
            scores[rows] = rounded(totals)
    return scores


def candidate_pairs(mentees: Sequence[Mentee], mentors: Sequence[Mentor], weights: Weights, minimum_score: float,
                    per_mentee: int, excluded: Collection[tuple[int, int]] = ()) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The edges (rows, columns, scores) of a sparse candidate graph, all at or above
    `minimum_score` and none of the (mentee index, mentor index) pairs in `excluded`:

    - for each mentee, the best mentor in each of `per_mentee` groups of neighbouring mentors
      (a spread of good candidates for a fraction of a full sort's cost);
    - for each mentor, the best mentee in each group of up to MENTEE_GROUP mentees, so no mentor
      drops out because others outscore them everywhere (mentors are the scarce side).

    With per_mentee >= len(mentors) every eligible pair is an edge. Only one block of scores
    exists at a time."""
    if not len(mentees) or not len(mentors) or per_mentee <= 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp), np.zeros(0)
    by_row: dict[int, list[int]] = {}
    for i, j in excluded:
        by_row.setdefault(i, []).append(j)
    m = len(mentors)
    width = -(-m // min(per_mentee, m))  # mentors per group
    height = max(1, min(MENTEE_GROUP, len(mentees) // MENTOR_CANDIDATES))  # mentees per group
    found = []
    for rows, totals in PoolEncoding(mentees, mentors, weights).blocks():
        for i in range(rows.start, rows.stop):
            if i in by_row:
                totals[i - rows.start, by_row[i]] = -1.0
        cols = _best_in_groups(totals, width)  # mentees x groups
        local = [np.repeat(np.arange(totals.shape[0]), cols.shape[1]), cols.ravel()]
        if width > 1:
            best = _best_rows_in_groups(totals, height)  # groups x mentors
            local = [np.concatenate((local[0], best.ravel())),
                     np.concatenate((local[1], np.tile(np.arange(m), best.shape[0])))]
        scores = rounded(totals[local[0], local[1]])
        ok = scores >= minimum_score
        found.append((local[0][ok] + rows.start, local[1][ok], scores[ok]))
    rows, cols, scores = (np.concatenate(column) for column in zip(*found))
    # A pair picked from both sides is one edge.
    _, first = np.unique(rows * m + cols, return_index=True)
    return rows[first], cols[first], scores[first]


def _best_in_groups(values: np.ndarray, width: int) -> np.ndarray:
    """Column index of each row's maximum within each run of `width` columns (the last run
    may be shorter). Rounding is monotone, so the best unrounded total is the best score."""
    if width == 1:
        return np.broadcast_to(np.arange(values.shape[1]), values.shape)
    whole = values.shape[1] // width * width
    parts = [np.argmax(values[:, :whole].reshape(values.shape[0], -1, width), axis=2) + np.arange(0, whole, width)]
    if whole < values.shape[1]:
        parts.append(np.argmax(values[:, whole:], axis=1)[:, None] + whole)
    return np.concatenate(parts, axis=1)


def _best_rows_in_groups(values: np.ndarray, height: int) -> np.ndarray:
    """Row index of each column's maximum within each run of `height` rows (the last run may
    be shorter), as a running maximum over rows: no transposed copy of the block."""
    groups = -(-values.shape[0] // height)
    best = np.full((groups, values.shape[1]), -np.inf)
    where = np.zeros((groups, values.shape[1]), dtype=np.intp)
    starts = np.arange(groups) * height
    for r in range(height):
        rows = starts + r
        if rows[-1] >= values.shape[0]:  # the short last run has no row r
            rows, head = rows[:-1], slice(0, groups - 1)
        else:
            head = slice(0, groups)
        candidate = values[rows]
        better = candidate > best[head]
        np.copyto(best[head], candidate, where=better)
        np.copyto(where[head], rows[:, None], where=better)
    return where


def rounded(totals: np.ndarray) -> np.ndarray:
    """Half-up to one decimal, as round_score does for one pair."""
    return np.floor(totals * 10 + 0.5) / 10


def _bits(items: Sequence[Collection[str]], index: dict[str, int]) -> np.ndarray:
    """Each item's set as bits in 64-bit words (people x words): overlaps are then a bitwise
    and, with no BLAS call (whose threads only contend on a busy machine at these sizes)."""
    words = max(1, -(-len(index) // 64))
    masks = [sum(1 << index[value] for value in values) for values in items]
    return np.array([[(mask >> (64 * w)) & 0xFFFF_FFFF_FFFF_FFFF for w in range(words)] for mask in masks],
                    dtype=np.uint64).reshape(len(items), words)


def _shared(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How many items each of a's rows shares with each of b's (rows x columns), as small ints."""
    count = np.bitwise_count(a[:, None, 0] & b[None, :, 0])
    for word in range(1, a.shape[1]):
        count += np.bitwise_count(a[:, None, word] & b[None, :, word])
    return count


class PoolEncoding:
    """The pool's attributes as matrices and per-component point tables over a shared vocabulary."""

    def __init__(self, mentees: Sequence[Mentee], mentors: Sequence[Mentor], weights: Weights) -> None:
        points = weights.points()
        self.rows = len(mentees)
        # sector: points of each (sector, mentor); a last all-zero row pads mentees' target lists.
        sectors = {s: i for i, s in enumerate(sorted(
            {s for e in mentees for s in e.sectors} | {s for o in mentors for s in o.experience}))}
        self.sector_points = np.zeros((len(sectors) + 1, len(mentors)))
        for j, mentor in enumerate(mentors):
            for sector, years in mentor.experience.items():
                self.sector_points[sectors[sector], j] = points["sector"] * sector_fit(years)
        width = max((len(e.sectors) for e in mentees), default=0)
        self.targets = np.full((len(mentees), max(width, 1)), len(sectors), dtype=np.intp)
        for i, mentee in enumerate(mentees):
            self.targets[i, :len(mentee.sectors)] = [sectors[s] for s in mentee.sectors]

        codes = {c: i for i, c in enumerate(sorted({c for p in [*mentees, *mentors] for c in p.languages}))}
        self.speaks, self.speaks_mentor = _bits([conversation_languages(e) for e in mentees], codes), \
            _bits([conversation_languages(o) for o in mentors], codes)
        self.language_points = points["language"]  # with a shared language (fit 1), else nothing

        areas = sorted({p.postcode_area for p in [*mentees, *mentors]})
        where = {a: i for i, a in enumerate(areas)}
        mentor_areas = sorted({o.postcode_area for o in mentors})
        near = np.array([[points["distance"] * distance_fit(area_distance_km(a, b)) for b in mentor_areas]
                         for a in areas]).reshape(len(areas), len(mentor_areas))
        column = {a: k for k, a in enumerate(mentor_areas)}
        self.distance_points = near[:, [column[o.postcode_area] for o in mentors]]  # area x mentor
        self.mentee_area = np.array([where[e.postcode_area] for e in mentees], dtype=np.intp)

        slots = {s: i for i, s in enumerate(SLOTS)}
        self.free, self.free_mentor = _bits([e.availability for e in mentees], slots), \
            _bits([o.availability for o in mentors], slots)
        self.availability_points = np.array([points["availability"] * (min(c, ENOUGH_SLOTS) / ENOUGH_SLOTS)
                                             for c in range(len(SLOTS) + 1)])  # by shared slots

        kinds = {k: i for i, k in enumerate(sorted(
            {k for e in mentees for k in e.support_wanted} | {k for o in mentors for k in o.support_offered}))}
        self.wanted, self.offered = _bits([e.support_wanted for e in mentees], kinds), \
            _bits([o.support_offered for o in mentors], kinds)
        size = len(kinds) + 1
        # by (support asked for) * size + (of which offered): 1 when nothing is asked.
        self.preference_points = np.array([
            points["preferences"] * (1.0 if asked == 0 else got / asked) for asked in range(size) for got in range(size)])
        self.asked = np.array([len(e.support_wanted) for e in mentees], dtype=np.intp)[:, None] * size

    def blocks(self) -> Iterator[tuple[slice, np.ndarray]]:
        """Unrounded totals, one block of mentees at a time, added in score_pair's order."""
        for start in range(0, self.rows, _BLOCK_ROWS):
            rows = slice(start, min(start + _BLOCK_ROWS, self.rows))
            yield rows, self.totals(rows)

    def totals(self, rows: slice) -> np.ndarray:
        targets = self.targets[rows]
        total = self.sector_points[targets[:, 0]]  # a gathered copy: safe to add into
        for t in range(1, targets.shape[1]):  # best targeted sector
            np.maximum(total, self.sector_points[targets[:, t]], out=total)
        np.add(total, self.language_points, out=total, where=_shared(self.speaks[rows], self.speaks_mentor) > 0)
        total += self.distance_points[self.mentee_area[rows]]
        total += self.availability_points[_shared(self.free[rows], self.free_mentor)]
        offered = self.asked[rows] + _shared(self.wanted[rows], self.offered)
        total += self.preference_points[offered]
        return total
