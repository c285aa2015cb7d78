"""The coarse attributes other services are told about a participant: never the name, e-mail, birth date or
postcode. As published, so also as kept in the record's `profile`."""
from __future__ import annotations

from datetime import date
from typing import Any

from shared.vocabulary import age_band, postcode_area
from services.intake.domain.applications import Language, MenteeApplication, MentorApplication, Person


def mentee_profile(mentee_id: str, application: MenteeApplication, support_wanted: list[str],
                   registered_on: date) -> dict[str, Any]:
    coarse = _coarse(application, registered_on)
    return {"mentee_id": mentee_id, "registered_on": registered_on.isoformat(), "age_band": coarse["age_band"],
            "languages": coarse["languages"], "sectors": list(application.target_sectors),
            "education_level": application.education_level, "postcode_area": coarse["postcode_area"],
            "availability": coarse["availability"], "support_wanted": list(support_wanted)}


def mentor_profile(mentor_id: str, application: MentorApplication, support_offered: list[str], max_active_duos: int,
                   registered_on: date) -> dict[str, Any]:
    coarse = _coarse(application, registered_on)
    return {"mentor_id": mentor_id, "registered_on": registered_on.isoformat(), "age_band": coarse["age_band"],
            "languages": coarse["languages"], "experience": experience(application.experience),
            "postcode_area": coarse["postcode_area"], "availability": coarse["availability"],
            "max_active_duos": max_active_duos, "support_offered": list(support_offered)}


def languages(spoken: tuple[Language, ...]) -> list[dict[str, str]]:
    return [{"code": lang.code, "level": lang.level} for lang in spoken]


def experience(years_by_sector: tuple[tuple[str, int], ...]) -> list[dict[str, Any]]:
    return [{"sector": sector, "years": years} for sector, years in years_by_sector]


def _coarse(person: Person, registered_on: date) -> dict[str, Any]:
    return {"age_band": age_band(person.birth_date, registered_on), "languages": languages(person.languages),
            "postcode_area": postcode_area(person.country, person.postcode),
            "availability": sorted(person.availability)}
