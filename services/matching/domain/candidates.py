"""Mentees and mentors as matching sees them: only what may enter a score, nothing else.

A pool record may hold more (age band, education, and in tests even nationality or religion);
the builders below read an explicit allow-list, so what is not on it cannot reach a score.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from shared.vocabulary import SLOTS, level_rank

# Attributes a score may use. Protected characteristics (origin, nationality, migration
# background, religion, gender, age, name) are deliberately absent.
SCORED_ATTRIBUTES = frozenset({
    "languages", "sectors", "experience", "postcode_area", "availability", "support_wanted",
    "support_offered",
})
# Read to identify and order candidates; never scored.
IDENTITY_ATTRIBUTES = frozenset({"_id", "branch", "registered_on"})


def _frozen_levels(languages: Mapping[str, str]) -> Mapping[str, str]:
    for level in languages.values():
        level_rank(level)  # raises on an unknown level
    return MappingProxyType(dict(sorted(languages.items())))


def _slots(availability: Iterable[str]) -> frozenset[str]:
    slots = frozenset(availability)
    unknown = slots - set(SLOTS)
    if unknown:
        raise ValueError(f"unknown weekly slots: {', '.join(sorted(unknown))}")
    return slots


@dataclass(frozen=True)
class Mentee:
    mentee_id: str
    branch: str
    languages: Mapping[str, str] = field(hash=False)  # code -> CEFR level
    sectors: tuple[str, ...]  # sectors the mentee aims to work in
    postcode_area: str
    availability: frozenset[str]
    support_wanted: frozenset[str]
    registered_on: date

    def __post_init__(self) -> None:
        # Normalise whatever iterable came in, so equal candidates compare and hash equal.
        object.__setattr__(self, "languages", _frozen_levels(self.languages))
        object.__setattr__(self, "sectors", tuple(dict.fromkeys(self.sectors)))
        object.__setattr__(self, "availability", _slots(self.availability))
        object.__setattr__(self, "support_wanted", frozenset(self.support_wanted))


@dataclass(frozen=True)
class Mentor:
    mentor_id: str
    branch: str
    languages: Mapping[str, str] = field(hash=False)
    experience: Mapping[str, int] = field(hash=False)  # sector -> years
    postcode_area: str
    availability: frozenset[str]
    support_offered: frozenset[str]
    capacity: int  # how many more duos the mentor can take now

    def __post_init__(self) -> None:
        if self.capacity < 0:
            raise ValueError("a mentor's remaining capacity cannot be negative")
        if any(years < 0 for years in self.experience.values()):
            raise ValueError("years of experience cannot be negative")
        object.__setattr__(self, "languages", _frozen_levels(self.languages))
        object.__setattr__(self, "experience", MappingProxyType(dict(sorted(self.experience.items()))))
        object.__setattr__(self, "availability", _slots(self.availability))
        object.__setattr__(self, "support_offered", frozenset(self.support_offered))


def mentee_from_facts(facts: Mapping[str, Any]) -> Mentee:
    """A mentee from a pool record; keys outside the allow-lists are never read."""
    return Mentee(
        mentee_id=str(facts["_id"]),
        branch=facts["branch"],
        languages=_languages(facts["languages"]),
        sectors=tuple(facts["sectors"]),
        postcode_area=facts["postcode_area"],
        availability=frozenset(facts["availability"]),
        support_wanted=frozenset(facts.get("support_wanted") or ()),
        registered_on=_day(facts["registered_on"]),
    )


def mentor_from_facts(facts: Mapping[str, Any], capacity: int) -> Mentor:
    """A mentor from a pool record; capacity is what remains after their open duos."""
    experience: dict[str, int] = {}
    for item in facts["experience"]:
        # The same sector twice keeps the longer experience rather than failing the round.
        sector, years = item["sector"], int(item["years"])
        experience[sector] = max(years, experience.get(sector, years))
    return Mentor(
        mentor_id=str(facts["_id"]),
        branch=facts["branch"],
        languages=_languages(facts["languages"]),
        experience=experience,
        postcode_area=facts["postcode_area"],
        availability=frozenset(facts["availability"]),
        support_offered=frozenset(facts.get("support_offered") or ()),
        capacity=capacity,
    )


def _languages(items: Iterable[Mapping[str, str]]) -> dict[str, str]:
    levels: dict[str, str] = {}
    for item in items:
        code, level = item["code"], item["level"]
        if code not in levels or level_rank(level) > level_rank(levels[code]):
            levels[code] = level
    return levels


def _day(value: date | datetime | str) -> date:
    if isinstance(value, datetime):  # MongoDB hands dates back as datetimes
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)
