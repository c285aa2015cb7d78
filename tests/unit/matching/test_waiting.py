"""Why a mentee waits: each reason where it applies, in words, and the order they are checked in."""
from __future__ import annotations

import dataclasses
from datetime import date

from services.matching.domain import waiting as w
from services.matching.domain.scoring import Weights, score_pair
from tests.unit.matching import mentee, mentor

W = Weights()
TODAY = date(2025, 2, 5)  # the builders register mentees on 2025-01-06


def report(mentees, mentors, untrained=(), declined=(), minimum=50.0):
    return w.waiting_report(mentees, mentors, untrained, W, minimum, declined, TODAY)


def only(lines):
    assert len(lines) == 1
    return lines[0]


def test_no_trained_mentor_at_all():
    line = only(report([mentee()], [], untrained=[mentor("o1"), mentor("o2")]))
    assert line.reason_code == w.NO_TRAINED_MENTOR
    assert "2 mentors in training" in line.reason
    assert (line.waiting_since, line.days_waiting, line.best_score) == (date(2025, 1, 6), 30, None)


def test_a_free_suitable_mentor_means_a_round_would_propose():
    line = only(report([mentee()], [mentor("o1"), mentor("o2", capacity=0)]))
    assert line.reason_code == w.READY_FOR_ROUND
    assert line.suitable_mentors == 2 and "1 free mentor" in line.reason and "mentor o1" in line.reason


def test_suitable_mentors_all_busy():
    line = only(report([mentee()], [mentor("o1", capacity=0)]))
    assert line.reason_code == w.SUITABLE_MENTORS_BUSY and "1 mentor scoring" in line.reason


def test_every_suitable_mentor_declined():
    line = only(report([mentee("e1")], [mentor("o1"), mentor("o2")], declined={("e1", "o1"), ("e1", "o2")}))
    assert line.reason_code == w.ALL_DECLINED
    assert line.suitable_mentors == 0 and "(2 mentors) was declined" in line.reason


def test_no_shared_language_names_the_languages_and_mentors_in_training():
    speaks_ti = mentee(languages={"ti": "native", "fr": "A2"})
    untrained = [mentor("o9", languages={"ti": "B2", "fr": "native"})]
    # Without a language in common the pair tops out at 75 points: under a minimum of 80.
    line = only(report([speaks_ti], [mentor("o1")], untrained=untrained, minimum=80))
    assert line.reason_code == w.NO_SHARED_LANGUAGE
    assert "No trained mentor speaks Tigrinya at B1 or above" in line.reason
    assert "1 mentor who do is still in training" in line.reason
    alone = only(report([speaks_ti], [mentor("o1")], minimum=80))
    assert alone.reason.endswith("recruit one who does.")


def test_no_shared_weekly_slot_with_mentors_who_share_a_language():
    line = only(report([mentee(slots=("sat-am",))], [mentor("o1", slots=("mon-eve",))], minimum=90))
    assert line.reason_code == w.NO_SHARED_SLOT and "(sat-am)" in line.reason


def test_otherwise_the_best_score_is_under_the_minimum():
    e, o = mentee(sectors=("it",)), mentor("o1", experience={"logistics": 20})
    line = only(report([e], [o], minimum=90))
    assert line.reason_code == w.BELOW_MINIMUM
    assert line.best_score == score_pair(e, o, W).score and "minimum of 90" in line.reason


def test_longest_wait_first():
    early = dataclasses.replace(mentee("e2"), registered_on=date(2024, 12, 1))
    lines = report([mentee("e1"), early], [mentor("o1")])
    assert [line.mentee_id for line in lines] == ["e2", "e1"]
    assert lines[0].days_waiting == 66
