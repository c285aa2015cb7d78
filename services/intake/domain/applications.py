"""What a coordinator records when a mentee or mentor applies: the facts the rules judge, and how to reach them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Language:
    code: str
    level: str  # CEFR A1..C2 or native


@dataclass(frozen=True)
class Person:
    """What mentees and mentors share; the name and e-mail never leave intake except to notify."""

    birth_date: date
    country: str
    postcode: str
    languages: tuple[Language, ...]
    availability: frozenset[str]
    consent: bool


@dataclass(frozen=True)
class MenteeApplication(Person):
    target_sectors: tuple[str, ...] = ()
    education_level: str = "secondary"
    employment_service_registered: bool = False
    migration_background: str = "none"  # self, parent, grandparent or none: an eligibility fact only
    right_to_work: bool = False


@dataclass(frozen=True)
class MentorApplication(Person):
    experience: tuple[tuple[str, int], ...] = ()  # (sector, years)
    volunteer: bool = False


@dataclass(frozen=True)
class Contact:
    """Personal data: kept in intake's database, and sent only on the contacts topic for notify."""

    first_name: str
    last_name: str
    email: str
    preferred_language: str
