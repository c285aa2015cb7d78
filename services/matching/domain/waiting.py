"""Why a waiting mentee has no proposal yet, in words a coordinator can act on.

The first cause that applies is given, checked from the most to the least actionable:
nobody to match at all, suitable mentors free (a round would propose), suitable mentors all
busy, every suitable mentor declined, no trained mentor sharing a language, none of those at a
shared weekly slot, and finally scores under the branch's minimum.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from services.matching.domain.candidates import Mentee, Mentor
from services.matching.domain.pool_scores import score_matrix
from services.matching.domain.scoring import Weights, conversation_languages
from shared.vocabulary import language_name

# Reason codes, in the order they are checked.
NO_TRAINED_MENTOR = "no_trained_mentor"
READY_FOR_ROUND = "ready_for_round"
SUITABLE_MENTORS_BUSY = "suitable_mentors_busy"
ALL_DECLINED = "all_declined"
NO_SHARED_LANGUAGE = "no_shared_language"
NO_SHARED_SLOT = "no_shared_slot"
BELOW_MINIMUM = "below_minimum"
REASON_CODES = (NO_TRAINED_MENTOR, READY_FOR_ROUND, SUITABLE_MENTORS_BUSY, ALL_DECLINED, NO_SHARED_LANGUAGE,
                NO_SHARED_SLOT, BELOW_MINIMUM)


@dataclass(frozen=True)
class Waiting:
    mentee_id: str
    waiting_since: date
    days_waiting: int
    reason_code: str
    reason: str
    suitable_mentors: int  # trained mentors at or above the minimum, not declined, busy or not
    best_score: float | None  # the best score with any trained mentor, declined or not


def waiting_report(mentees: Sequence[Mentee], mentors: Sequence[Mentor], untrained: Sequence[Mentor],
                   weights: Weights, minimum_score: float, declined: Collection[tuple[str, str]],
                   today: date) -> list[Waiting]:
    """One line per waiting mentee, longest wait first. `mentors` are the trained mentors
    with their remaining capacity (0 when busy); `untrained` those still in training."""
    mentees = sorted(mentees, key=lambda e: (e.registered_on, e.mentee_id))
    mentors = sorted(mentors, key=lambda o: o.mentor_id)
    scores = score_matrix(mentees, mentors, weights)
    refused = set(declined)
    free = np.array([o.capacity > 0 for o in mentors], dtype=bool)
    report = []
    for i, mentee in enumerate(mentees):
        above = scores[i] >= minimum_score
        not_declined = np.array([(mentee.mentee_id, o.mentor_id) not in refused for o in mentors], dtype=bool)
        suitable = above & not_declined
        code, words = _reason(mentee, mentors, untrained, scores[i], suitable, above, free, minimum_score)
        report.append(Waiting(
            mentee_id=mentee.mentee_id, waiting_since=mentee.registered_on,
            days_waiting=(today - mentee.registered_on).days, reason_code=code, reason=words,
            suitable_mentors=int(suitable.sum()), best_score=float(scores[i].max()) if len(mentors) else None))
    return report


def _reason(mentee: Mentee, mentors: list[Mentor], untrained: Sequence[Mentor], scores: np.ndarray,
            suitable: np.ndarray, above: np.ndarray, free: np.ndarray, minimum: float) -> tuple[str, str]:
    if not mentors:
        return NO_TRAINED_MENTOR, (f"The branch has no trained mentor yet ({_count(len(untrained), 'mentor')} "
                                   "in training); record their training modules to make them available.")
    if (suitable & free).any():
        best = max(np.flatnonzero(suitable & free), key=lambda j: scores[j])
        return READY_FOR_ROUND, (f"{_count(int((suitable & free).sum()), 'free mentor')} score at or above "
                                 f"{minimum:g} (best {scores[best]:g}, mentor {mentors[best].mentor_id}); "
                                 "run a proposal round or place this mentee.")
    if suitable.any():
        return SUITABLE_MENTORS_BUSY, (f"The {_count(int(suitable.sum()), 'mentor')} scoring at or above "
                                       f"{minimum:g} all have their full number of duos or open proposals; "
                                       "one frees up when a duo ends or a proposal is declined.")
    if above.any():
        return ALL_DECLINED, (f"Every mentor scoring at or above {minimum:g} "
                              f"({_count(int(above.sum()), 'mentor')}) was declined for this mentee; recruit "
                              "or train another mentor, or lower the branch's minimum score.")
    spoken = conversation_languages(mentee)
    speaking = [o for o in mentors if spoken & conversation_languages(o)]
    if not speaking:
        names = ", ".join(language_name(c) for c in sorted(spoken)) or "no language at B1 or above"
        waiting_in_training = sum(1 for o in untrained if spoken & conversation_languages(o))
        hint = (f"; {_count(waiting_in_training, 'mentor')} who do {'is' if waiting_in_training == 1 else 'are'} "
                "still in training" if waiting_in_training else "; recruit one who does")
        return NO_SHARED_LANGUAGE, f"No trained mentor speaks {names} at B1 or above{hint}."
    if not any(mentee.availability & o.availability for o in speaking):
        slots = ", ".join(sorted(mentee.availability)) or "none given"
        return NO_SHARED_SLOT, (f"None of the {_count(len(speaking), 'mentor')} who share a language is free at "
                                f"the mentee's weekly slots ({slots}); ask the mentee about other times.")
    best = int(np.argmax(scores))
    return BELOW_MINIMUM, (f"The best mentor scores {scores[best]:g} (mentor {mentors[best].mentor_id}), under the "
                           f"branch's minimum of {minimum:g}; see that pair's reasons to decide whether to "
                           "recruit for this mentee's sector or area.")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
