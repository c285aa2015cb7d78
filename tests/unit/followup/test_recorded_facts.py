"""Facts rebuilt from events give the same figures whatever the order the topics are read in."""
from __future__ import annotations

import itertools
from datetime import date

from services.followup.domain.duo import Outcome
from services.followup.domain.figures import compute_figures
from services.followup.domain.recorded_facts import RecordedFacts, surrogate_for

JOB = Outcome("end", "job", "permanent", date(2025, 8, 1), "signed contract", "staff-1", date(2025, 8, 2),
              date(2025, 8, 2))
EVENTS = [
    lambda f: f.registered("me-1", "brussels", "mentee", date(2025, 1, 2)),
    lambda f: f.registered("mo-1", "brussels", "mentor", date(2024, 12, 1)),
    lambda f: f.trained("mo-1", date(2024, 12, 20)),
    lambda f: f.duo_formed("duo-1", "brussels", "me-1", "mo-1", date(2025, 2, 1)),
    lambda f: f.duo_ended("duo-1", date(2025, 8, 1), True, "completed"),
    lambda f: f.outcome_recorded("duo-1", "ev-outcome", JOB),
    lambda f: f.outcome_recorded("duo-1", "ev-outcome", JOB),  # redelivered: counted once
    lambda f: f.erased("me-1", "ev-erasure"),
]


def figures_after(events) -> dict:
    facts = RecordedFacts()
    for apply in events:
        apply(facts)
    return compute_figures(facts.participants(), facts.duos(), "brussels", date(2025, 1, 1),
                           date(2025, 12, 31)).as_dict()["figures"]


def test_any_reading_order_gives_the_same_figures_and_the_erased_id_is_gone():
    expected = figures_after(EVENTS)
    assert expected["positive_outcome_rate"]["value"] == "1/1"
    assert expected["verified_positive_outcome_rate"]["value"] == "1/1"
    assert expected["trained_mentors"]["value"] == 1
    for order in itertools.islice(itertools.permutations(EVENTS), 0, None, 97):
        assert figures_after(order) == expected
    facts = RecordedFacts()
    for apply in EVENTS:
        apply(facts)
    assert {d.mentee_id for d in facts.duos()} == {surrogate_for("ev-erasure")}
    assert "me-1" not in {p.participant_id for p in facts.participants()}
