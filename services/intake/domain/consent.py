"""Consent per purpose, with the day it was given or withdrawn and how the coordinator learnt it."""
from __future__ import annotations

from datetime import date

from shared.rules import Refusal

# contact: to be contacted at all; reminders: first meeting, check-ins; follow_up: the +3 months questions.
PURPOSES = ("contact", "reminders", "follow_up")
SOURCES = ("registration", "in_person", "phone", "email", "letter", "form", "not_stated")


def check_consent_date(on: date, registered_on: date, today: date) -> list[Refusal]:
    if on < registered_on or on > today:
        return [Refusal("consent.date", "A consent is given or withdrawn between registration and today.", "on")]
    return []


def granted(consents: dict, purpose: str) -> bool:
    """Unrecorded means granted (the registration's consent); older records kept a bare bool."""
    value = consents.get(purpose, True)
    return value["granted"] if isinstance(value, dict) else bool(value)
