"""The programme bench.load pre-seeds: its shape, and that nothing seeded is due for a scan's attention."""
from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from bench.seed import BRANCHES, apply_update, duos, people
from services.followup.domain.rules import add_months

TODAY = date(2026, 12, 4)
AT_RISK_AFTER_DAYS = 14


def programme(count: int = 2000, first: int = 0):
    rng = random.Random(17)
    batch = people(first, count, TODAY, rng)
    return batch, duos(batch, TODAY, rng)


def test_three_mentees_per_mentor_most_in_brussels():
    batch, _ = programme()
    roles = Counter(p.role for p in batch)
    branches = Counter(p.branch for p in batch)

    assert roles["mentee"] == 3 * roles["mentor"]
    assert set(branches) == set(BRANCHES)
    assert branches.most_common(1)[0][0] == "brussels" and branches["brussels"] > len(batch) / 2


def test_about_half_of_the_mentees_in_a_duo_one_active_per_mentor():
    batch, made = programme()
    mentees = sum(p.role == "mentee" for p in batch)
    active = Counter(d.mentor.index for d in made if d.ended_on is None)

    assert 0.4 * mentees <= len(made) <= 0.5 * mentees
    assert len({d.mentee.index for d in made}) == len(made)  # a mentee in one duo at most
    assert max(active.values()) == 1
    assert all(d.mentee.branch == d.mentor.branch for d in made)


def test_registered_and_trained_before_the_duo():
    _, made = programme()
    for duo in made:
        assert duo.mentee.registered_on <= duo.started_on - timedelta(days=20)
        # bench.seed records the eight modules over 14 days from registration
        assert duo.mentor.registered_on + timedelta(days=14) < duo.started_on


def test_active_duos_have_a_recent_session_and_no_reminder_due():
    _, made = programme()
    for duo in (d for d in made if d.ended_on is None):
        sessions = duo.sessions(TODAY)
        assert sessions and all(duo.started_on < s < TODAY for s in sessions)
        assert (TODAY - sessions[-1]).days < AT_RISK_AFTER_DAYS
        assert add_months(duo.started_on, 1) > TODAY  # the month-1 check-in is not due yet


def test_completed_duos_end_at_their_planned_end_with_sessions_in_between():
    _, made = programme()
    completed = [d for d in made if d.ended_on is not None]

    assert completed
    for duo in completed:
        assert duo.ended_on == add_months(duo.started_on, 6)
        assert all(duo.started_on < s < duo.ended_on for s in duo.sessions(TODAY))
        assert (TODAY - duo.ended_on).days > 3 * 31 + 14  # its outcome follow-up is no longer due


def test_later_batches_are_other_people():
    first, _ = programme(1000, 0)
    later, _ = programme(1000, 1000)
    assert {p.index for p in first}.isdisjoint(p.index for p in later)


def test_apply_update_applies_what_intakes_use_cases_send():
    document = {"_id": "p", "version": 1, "training": {}, "history": [{"change": "registration"}],
                "personal": {"email": "a@b.c", "first_name": "A"}}
    apply_update(document, {"$set": {"training.active-listening": "2026-01-02", "trained": True},
                            "$push": {"history": {"change": "training"}}, "$inc": {"version": 1},
                            "$unset": {"personal.email": ""}})

    assert document == {"_id": "p", "version": 2, "training": {"active-listening": "2026-01-02"}, "trained": True,
                        "history": [{"change": "registration"}, {"change": "training"}],
                        "personal": {"first_name": "A"}}
