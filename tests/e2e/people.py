"""Request bodies for a plausible mentee and mentor of the Brussels branch (fictitious people)."""
from __future__ import annotations

import itertools
from datetime import date, timedelta

from shared.vocabulary import TRAINING_MODULES  # noqa: F401 - the tests import it from here


def years_ago(years: int, today: date | None = None) -> str:
    today = today or date.today()
    return (today - timedelta(days=round(365.25 * years))).isoformat()


# Intake refuses the same person twice in a branch: each body is another person (same first name,
# a numbered last name and e-mail), so tests register as many as they need.
_people = itertools.count(1)


def mentee(**changes) -> dict:
    n = next(_people)
    body = {
        "first_name": "Amina", "last_name": f"Haddad {n}", "email": f"amina.haddad.{n}@example.org",
        "birth_date": years_ago(24), "preferred_language": "fr", "country": "BE", "postcode": "1030",
        "languages": [{"code": "ar", "level": "native"}, {"code": "fr", "level": "B1"}],
        "availability": ["mon-eve", "wed-pm", "sat-am"], "consent": True,
        "target_sectors": ["logistics"], "education_level": "secondary",
        "employment_service": {"name": "Actiris", "registered": True},
        "migration_background": "self", "right_to_work": True, "support_wanted": ["interview_practice"],
    }
    body.update(changes)
    return body


def mentor(**changes) -> dict:
    n = next(_people)
    body = {
        "first_name": "Marc", "last_name": f"Dubois {n}", "email": f"marc.dubois.{n}@example.org",
        "birth_date": years_ago(63), "preferred_language": "fr", "country": "BE", "postcode": "1000",
        "languages": [{"code": "fr", "level": "native"}, {"code": "ar", "level": "B2"}],
        "availability": ["mon-eve", "wed-pm", "fri-am"], "consent": True,
        "experience": [{"sector": "logistics", "years": 30}], "volunteer": True,
        "support_offered": ["interview_practice", "professional_network"],
    }
    body.update(changes)
    return body


PERSONAL_VALUES = ("Amina", "Haddad", "amina.haddad.", "Marc", "Dubois", "marc.dubois.")
