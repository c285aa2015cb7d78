"""Matching's unit tests. Builders and hypothesis strategies the test modules share live here."""
from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from services.matching.domain.candidates import Mentee, Mentor
from shared.vocabulary import CEFR_LEVELS, SLOTS, SUPPORT_KINDS

SECTORS = ("logistics", "construction", "healthcare", "retail", "it", "education")
CODES = ("fr", "nl", "en", "ar", "ti", "tr")
AREAS = ("BE-10", "BE-11", "BE-12", "BE-20", "BE-40", "FR-99")  # FR-99: not in the distance table


def mentee(mentee_id: str = "e1", *, languages=None, sectors=("logistics",), area: str = "BE-10",
           slots=("mon-eve",), wanted=(), branch: str = "brussels") -> Mentee:
    return Mentee(mentee_id=mentee_id, branch=branch, languages=languages or {"fr": "B2"}, sectors=tuple(sectors),
                  postcode_area=area, availability=frozenset(slots), support_wanted=frozenset(wanted),
                  registered_on=date(2025, 1, 6))


def mentor(mentor_id: str = "o1", *, languages=None, experience=None, area: str = "BE-10", slots=("mon-eve",),
           offered=(), capacity: int = 1, branch: str = "brussels") -> Mentor:
    return Mentor(mentor_id=mentor_id, branch=branch, languages=languages or {"fr": "native"},
                  experience=experience if experience is not None else {"logistics": 20}, postcode_area=area,
                  availability=frozenset(slots), support_offered=frozenset(offered), capacity=capacity)


levels = st.dictionaries(st.sampled_from(CODES), st.sampled_from(CEFR_LEVELS), min_size=1, max_size=3)
slot_sets = st.frozensets(st.sampled_from(SLOTS), max_size=8)
support_sets = st.frozensets(st.sampled_from(SUPPORT_KINDS), max_size=4)


@st.composite
def mentees(draw, mentee_id: str | None = None) -> Mentee:
    return Mentee(
        mentee_id=mentee_id or draw(st.text("abcdef0123", min_size=1, max_size=6)),
        branch="brussels", languages=draw(levels),
        sectors=tuple(draw(st.lists(st.sampled_from(SECTORS), min_size=1, max_size=3, unique=True))),
        postcode_area=draw(st.sampled_from(AREAS)), availability=draw(slot_sets),
        support_wanted=draw(support_sets), registered_on=date(2025, 1, 6))


@st.composite
def mentors(draw, mentor_id: str | None = None) -> Mentor:
    return Mentor(
        mentor_id=mentor_id or draw(st.text("ghijk0123", min_size=1, max_size=6)),
        branch="brussels", languages=draw(levels),
        experience=draw(st.dictionaries(st.sampled_from(SECTORS), st.integers(0, 45), min_size=1, max_size=3)),
        postcode_area=draw(st.sampled_from(AREAS)), availability=draw(slot_sets),
        support_offered=draw(support_sets), capacity=draw(st.integers(0, 3)))


@st.composite
def pools(draw, max_mentees: int = 6, max_mentors: int = 5) -> tuple[list[Mentee], list[Mentor]]:
    """A small pool with unique ids."""
    n = draw(st.integers(0, max_mentees))
    m = draw(st.integers(0, max_mentors))
    return ([draw(mentees(f"e{i:02d}")) for i in range(n)], [draw(mentors(f"o{j:02d}")) for j in range(m)])
