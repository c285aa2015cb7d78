"""HTTP request and response bodies of intake. Validation here is shape; programme rules live in the domain."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, EmailStr, Field

from shared.events.branches import Age, AtRiskDays, MaxActiveDuos, TrainingModule, Weight
from shared.events.common import LanguageCode, LanguageLevel, Sector, Slot, SupportKind
from shared.http.branch_rules import RuleVersionOut
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
    rules_version: int | None = Field(default=None, description="The version of the branch's rules that judged "
                                                                "the registration")


class ReminderConsentIn(RequestBody):
    granted: bool = Field(description="True: reminders (first meeting, check-ins, follow-up) are sent; "
                                      "false: only news about the duo itself")


class MatchingWeightsIn(RequestBody):
    """Only the weights named change; the others keep their value."""

    sector: Weight | None = None
    language: Weight | None = None
    distance: Weight | None = None
    availability: Weight | None = None
    preferences: Weight | None = None


class BranchRulesIn(RequestBody):
    """A branch's rules; a field left out keeps its value (the programme's default when opening)."""

    country: Country | None = None
    working_languages: list[LanguageCode] | None = Field(default=None, min_length=1, max_length=5)
    mentee_min_age: Age | None = None
    mentee_max_age: Age | None = None
    mentor_min_age: Age | None = None
    mentee_min_level: LanguageLevel | None = None
    mentor_min_level: LanguageLevel | None = None
    training_modules: list[TrainingModule] | None = Field(default=None, min_length=1, max_length=20)
    max_active_duos: MaxActiveDuos | None = None
    matching_weights: MatchingWeightsIn | None = None
    at_risk_after_days: AtRiskDays | None = Field(default=None, description="Days without a session before a duo "
                                                                            "is flagged at risk")

    def given(self) -> dict:
        return self.model_dump(exclude_none=True)


class BranchOpeningIn(BranchRulesIn):
    country: Country
    working_languages: list[LanguageCode] = Field(min_length=1, max_length=5)


class BranchRulesChangeIn(BranchRulesIn):
    effective_from: date = Field(description="From this day on the new rules apply; today or later")

    def given(self) -> dict:
        return self.model_dump(exclude_none=True, exclude={"effective_from"})


class BranchOut(BaseModel):
    branch: str
    status: Literal["open", "closed"]
    opened_on: date
    closed_on: date | None
    rules_in_force: RuleVersionOut | None = Field(description="The version that judges registrations today")
    rule_versions: list[RuleVersionOut]
