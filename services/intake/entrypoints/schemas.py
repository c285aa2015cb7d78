"""HTTP request and response bodies of intake. Validation here is shape; programme rules live in the domain."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, EmailStr, Field

from shared.events.common import LanguageCode, LanguageLevel, Sector, Slot, SupportKind
from shared.http.models import RequestBody

Country = Literal["BE", "FR", "NL"]
Name = Field(min_length=1, max_length=60)


class LanguageIn(RequestBody):
    code: LanguageCode
    level: LanguageLevel


class ExperienceIn(RequestBody):
    sector: Sector
    years: int = Field(ge=0, le=60)


class EmploymentServiceIn(RequestBody):
    name: str = Field(min_length=2, max_length=40, description="Actiris, VDAB, Le Forem, France Travail, UWV")
    registered: bool


class PersonIn(RequestBody):
    first_name: str = Name
    last_name: str = Name
    email: EmailStr
    birth_date: date
    preferred_language: Literal["fr", "nl", "en"] = "fr"
    country: Country
    postcode: str = Field(min_length=4, max_length=8)
    languages: list[LanguageIn] = Field(min_length=1, max_length=10)
    availability: list[Slot] = Field(min_length=1, max_length=21)
    consent: bool = Field(description="Consent to the processing of personal data")


class MenteeIn(PersonIn):
    target_sectors: list[Sector] = Field(min_length=1, max_length=5)
    education_level: Literal["none", "primary", "secondary", "vocational", "bachelor", "master", "doctorate"]
    employment_service: EmploymentServiceIn
    migration_background: Literal["self", "parent", "grandparent", "none"] = Field(
        description="Born outside the EU (self), or a parent or grandparent who was")
    right_to_work: bool
    support_wanted: list[SupportKind] = Field(default_factory=list, max_length=7)


class MentorIn(PersonIn):
    experience: list[ExperienceIn] = Field(min_length=1, max_length=10)
    volunteer: bool
    support_offered: list[SupportKind] = Field(default_factory=list, max_length=7)


class TrainingModuleIn(RequestBody):
    module: str = Field(min_length=2, max_length=60)
    completed_on: date


class WithdrawalIn(RequestBody):
    withdrawn_on: date


class ParticipantOut(BaseModel):
    participant_id: str
    branch: str
    role: Literal["mentee", "mentor"]
    status: str
    registered_on: date
    first_name: str | None
    training_modules: list[str] = []
    trained: bool = False
    reminders: bool = Field(default=True, description="Whether the participant accepts reminders")


class ReminderConsentIn(RequestBody):
    granted: bool = Field(description="True: reminders (first meeting, check-ins, follow-up) are sent; "
                                      "false: only news about the duo itself")
