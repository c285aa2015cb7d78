"""Candidates from pool records: only allow-listed attributes are read, and they stay immutable."""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime

import pytest

from services.matching.domain.candidates import (
    IDENTITY_ATTRIBUTES, SCORED_ATTRIBUTES, Mentee, mentee_from_facts, mentor_from_facts,
)

PROTECTED = {"origin", "nationality", "migration_background", "religion", "gender", "age", "age_band",
             "birth_date", "name", "first_name", "last_name"}

MENTEE_RECORD = {
    "_id": "e1", "branch": "brussels", "role": "mentee", "status": "waiting",
    "languages": [{"code": "ar", "level": "native"}, {"code": "fr", "level": "A2"}, {"code": "fr", "level": "B1"}],
    "sectors": ["logistics", "retail"], "postcode_area": "BE-10", "availability": ["mon-eve", "sat-am"],
    "support_wanted": ["interview_practice"], "registered_on": "2025-01-06",
}
MENTOR_RECORD = {
    "_id": "o1", "branch": "brussels", "role": "mentor", "trained": True,
    "languages": [{"code": "fr", "level": "native"}],
    "experience": [{"sector": "logistics", "years": 30}, {"sector": "logistics", "years": 12}],
    "postcode_area": "BE-11", "availability": ["mon-eve"], "max_active_duos": 2,
}


class Watched(Mapping):
    """A record that remembers which keys were read."""

    def __init__(self, data: dict) -> None:
        self.data, self.read = data, set()

    def __getitem__(self, key):
        self.read.add(key)
        return self.data[key]

    def __iter__(self):
        raise AssertionError("a builder must not walk the whole record")

    def __len__(self):
        return len(self.data)


def test_protected_characteristics_are_not_scored_attributes():
    assert not SCORED_ATTRIBUTES & PROTECTED
    assert not IDENTITY_ATTRIBUTES & PROTECTED


def test_mentee_from_a_pool_record():
    e = mentee_from_facts(MENTEE_RECORD)
    assert e.mentee_id == "e1" and e.branch == "brussels"
    assert dict(e.languages) == {"ar": "native", "fr": "B1"}  # the same language twice keeps the higher level
    assert e.sectors == ("logistics", "retail")
    assert e.availability == frozenset({"mon-eve", "sat-am"})
    assert e.support_wanted == frozenset({"interview_practice"})
    assert e.registered_on == date(2025, 1, 6)


def test_mentor_from_a_pool_record():
    o = mentor_from_facts(MENTOR_RECORD, capacity=1)
    assert o.mentor_id == "o1" and o.capacity == 1
    assert dict(o.experience) == {"logistics": 30}
    assert o.support_offered == frozenset()  # optional, defaults to nothing


@pytest.mark.parametrize("registered_on", ["2025-01-06", date(2025, 1, 6), datetime(2025, 1, 6, 9, 30)])
def test_registration_day_from_string_date_or_datetime(registered_on):
    assert mentee_from_facts({**MENTEE_RECORD, "registered_on": registered_on}).registered_on == date(2025, 1, 6)


def test_builders_read_only_allow_listed_keys():
    extra = {"nationality": "x", "religion": "y", "gender": "z", "name": "n", "origin": "o", "age_band": "25-29"}
    for build, record in ((mentee_from_facts, MENTEE_RECORD), (lambda r: mentor_from_facts(r, 1), MENTOR_RECORD)):
        watched = Watched({**record, **extra})
        build(watched)
        assert watched.read <= SCORED_ATTRIBUTES | IDENTITY_ATTRIBUTES
        assert not watched.read & PROTECTED


def test_extra_keys_make_no_difference():
    extra = {"nationality": "Eritrean", "religion": "christianity", "gender": "female", "name": "Sara"}
    assert mentee_from_facts({**MENTEE_RECORD, **extra}) == mentee_from_facts(MENTEE_RECORD)
    assert mentor_from_facts({**MENTOR_RECORD, **extra}, 1) == mentor_from_facts(MENTOR_RECORD, 1)


def test_candidates_are_immutable_and_hashable():
    e = mentee_from_facts(MENTEE_RECORD)
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.postcode_area = "BE-11"  # type: ignore[misc]
    with pytest.raises(TypeError):
        e.languages["fr"] = "C2"  # type: ignore[index]
    o = mentor_from_facts(MENTOR_RECORD, 1)
    with pytest.raises(TypeError):
        o.experience["it"] = 3  # type: ignore[index]
    assert len({e, mentee_from_facts(dict(MENTEE_RECORD))}) == 1
    assert hash(o) == hash(mentor_from_facts(dict(MENTOR_RECORD), 1))


def test_changing_the_source_record_afterwards_changes_nothing():
    record = {**MENTEE_RECORD, "languages": [{"code": "fr", "level": "B1"}]}
    e = mentee_from_facts(record)
    record["languages"].append({"code": "en", "level": "C1"})
    assert dict(e.languages) == {"fr": "B1"}


@pytest.mark.parametrize(("change", "builder"), [
    ({"languages": [{"code": "fr", "level": "B3"}]}, "mentee"),
    ({"availability": ["someday"]}, "mentee"),
    ({"registered_on": "06/01/2025"}, "mentee"),
    ({"experience": [{"sector": "it", "years": -1}]}, "mentor"),
    ({"availability": ["mon-night"]}, "mentor"),
])
def test_malformed_records_are_refused(change, builder):
    with pytest.raises(ValueError):
        if builder == "mentee":
            mentee_from_facts({**MENTEE_RECORD, **change})
        else:
            mentor_from_facts({**MENTOR_RECORD, **change}, 1)


def test_negative_capacity_is_refused():
    with pytest.raises(ValueError):
        mentor_from_facts(MENTOR_RECORD, capacity=-1)


def test_candidates_normalise_their_collections():
    e = Mentee("e1", "brussels", {"fr": "B1"}, ["it", "it", "retail"], "BE-10", ["mon-am"], ["cv_and_letters"],
               date(2025, 1, 6))  # type: ignore[arg-type]
    assert e.sectors == ("it", "retail") and e.availability == frozenset({"mon-am"})
