"""When a corrected profile makes an open proposal no longer fit."""
from datetime import date

from services.matching.domain.candidates import Mentee, Mentor
from services.matching.domain.proposal import misfit
from services.matching.domain.scoring import Weights


def mentee(languages, slots=("mon-eve",)):
    return Mentee("a", "brussels", languages, ("logistics",), "BE-10", frozenset(slots), frozenset(), date(2025, 1, 1))


MENTOR = Mentor("m", "brussels", {"fr": "native"}, {"logistics": 15}, "BE-10", frozenset({"mon-eve"}), frozenset(), 1)


def test_a_pair_that_still_fits_stays():
    assert misfit(mentee({"fr": "B1"}), MENTOR, Weights(), 35) is None


def test_a_dropped_language_or_slot_or_a_score_under_the_minimum_withdraws_with_the_reason():
    assert misfit(mentee({"fr": "A2"}), MENTOR, Weights(), 35)[0] == "no_shared_language"
    assert misfit(mentee({"fr": "B1"}, ("sat-am",)), MENTOR, Weights(), 35) == (
        "no_shared_slot", "no weekly slot in common")
    code, reason = misfit(mentee({"fr": "B1"}), MENTOR, Weights(), 100)
    assert code == "below_minimum" and "under the branch's minimum of 100" in reason
