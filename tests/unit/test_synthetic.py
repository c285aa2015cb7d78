"""The synthetic branch generator: seedable, regional, and shaped like the pool records."""
from __future__ import annotations

from collections import Counter

import pytest

from services.matching.domain.candidates import mentee_from_facts, mentor_from_facts
from shared.vocabulary import AREA_PATTERN, CEFR_LEVELS, SLOTS, SUPPORT_KINDS
from synthetic.branches import BRANCHES, MENTEE_SECTORS, MENTOR_SECTORS, SUPPORT_WEIGHTS, generate_branch

EXPECTED_AREAS = {
    "brussels": {"BE-10", "BE-11", "BE-12"},
    "antwerp": {f"BE-{n}" for n in range(20, 30)},
    "liege": {f"BE-{n}" for n in range(40, 50)},
    "paris": {"FR-75", "FR-77", "FR-78", "FR-91", "FR-92", "FR-93", "FR-94", "FR-95"},
    "lille": {"FR-59", "FR-62"},
    "marseille": {"FR-13", "FR-83", "FR-84"},
    "lyon": {"FR-69", "FR-01", "FR-38", "FR-42"},
    "rotterdam": {"NL-30", "NL-31"},
    "amsterdam": {"NL-10", "NL-11"},
}
PROTECTED = ("nationality", "religion", "gender", "name", "birth_date")


def test_same_seed_same_branch():
    a, b = generate_branch("paris", 200, seed=42), generate_branch("paris", 200, seed=42)
    assert a.mentee_records() == b.mentee_records() and a.mentor_records() == b.mentor_records()
    assert a.mentees == b.mentees and a.mentors == b.mentors


def test_another_seed_or_branch_gives_other_people():
    base = generate_branch("paris", 100, seed=1).mentee_records()
    assert generate_branch("paris", 100, seed=2).mentee_records() != base
    assert generate_branch("lille", 100, seed=1).mentee_records() != base


def test_sizes_follow_the_mentor_ratio():
    pool = generate_branch("lyon", mentees=250, mentor_ratio=0.6, seed=0)
    assert len(pool.mentees) == 250 and len(pool.mentors) == 150
    assert len({e.mentee_id for e in pool.mentees}) == 250 and len({o.mentor_id for o in pool.mentors}) == 150
    assert generate_branch("lyon", mentees=0).mentees == []


def test_more_mentors_do_not_change_the_mentees():
    assert (generate_branch("lyon", 50, 0.2, seed=3).mentee_records()
            == generate_branch("lyon", 50, 1.5, seed=3).mentee_records())


@pytest.mark.parametrize("branch", sorted(EXPECTED_AREAS))
def test_people_live_in_their_branch_region(branch):
    assert branch in BRANCHES
    pool = generate_branch(branch, mentees=150, seed=4)
    areas = {p.postcode_area for p in [*pool.mentees, *pool.mentors]}
    assert areas <= EXPECTED_AREAS[branch]
    assert all(AREA_PATTERN.match(a) for a in areas)
    assert all(p.branch == branch for p in [*pool.mentees, *pool.mentors])


@pytest.mark.parametrize("branch", ["brussels", "antwerp", "marseille", "amsterdam"])
def test_languages_are_realistic(branch):
    pool = generate_branch(branch, mentees=400, seed=5)
    working = set(BRANCHES[branch].working)
    # Every mentee speaks a working language of the branch, at A2 to C1, and a mother tongue.
    for e in pool.mentees:
        assert {e.languages[c] for c in working if c in e.languages} <= {"A2", "B1", "B2", "C1"}
        assert working & set(e.languages)
        assert "native" in e.languages.values()
    mother_tongues = Counter(c for e in pool.mentees for c, lvl in e.languages.items() if lvl == "native")
    assert {"ar", "prs", "ti"} <= set(mother_tongues) and mother_tongues.most_common(1)[0][0] == "ar"
    native_mentors = sum(any(pool_level == "native" and c in working for c, pool_level in o.languages.items())
                         for o in pool.mentors)
    assert native_mentors >= 0.8 * len(pool.mentors)
    assert any("en" in o.languages for o in pool.mentors)


def test_attributes_stay_in_the_programme_vocabulary():
    pool = generate_branch("brussels", mentees=500, seed=6)
    for e in pool.mentees:
        assert 2 <= len(e.availability) <= 8 and e.availability <= set(SLOTS)
        assert len(e.support_wanted) <= 3 and e.support_wanted <= set(SUPPORT_KINDS)
        assert 1 <= len(e.sectors) <= 3 and set(e.sectors) <= set(MENTEE_SECTORS)
        assert set(e.languages.values()) <= set(CEFR_LEVELS)
    for o in pool.mentors:
        assert 2 <= len(o.availability) <= 8 and o.support_offered <= set(SUPPORT_KINDS)
        assert set(o.experience) <= set(MENTOR_SECTORS) and all(0 < y <= 40 for y in o.experience.values())
    assert set(SUPPORT_WEIGHTS) == set(SUPPORT_KINDS)
    capacities = Counter(o.capacity for o in pool.mentors)
    assert set(capacities) == {1, 2} and capacities[1] > 3 * capacities[2]


def test_working_mentors_skew_to_evenings_and_weekends():
    pool = generate_branch("brussels", mentees=500, seed=8)
    def late(slots) -> float:
        return sum(s.endswith("-eve") or s.startswith(("sat", "sun")) for s in slots) / len(slots)

    share = sum(late(o.availability) for o in pool.mentors) / len(pool.mentors)
    mentee_share = sum(late(e.availability) for e in pool.mentees) / len(pool.mentees)
    assert share > mentee_share


def test_records_are_pool_documents_with_protected_attributes():
    pool = generate_branch("rotterdam", mentees=50, seed=9)
    records = pool.mentee_records()
    assert all(all(key in r for key in PROTECTED) for r in records)
    assert all(r["role"] == "mentee" and r["status"] == "waiting" for r in records)
    assert [mentee_from_facts(r) for r in records] == pool.mentees
    assert [mentor_from_facts(r, r["max_active_duos"]) for r in pool.mentor_records()] == pool.mentors
    assert all(all(key in r for key in PROTECTED) for r in pool.mentor_records())


def test_records_handed_out_are_copies():
    pool = generate_branch("rotterdam", mentees=5, seed=9)
    pool.mentee_records()[0]["languages"].clear()
    assert pool.mentee_records()[0]["languages"]


def test_unknown_branch_is_refused():
    with pytest.raises(ValueError):
        generate_branch("atlantis")
