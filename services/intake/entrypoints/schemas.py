"""HTTP request and response bodies of intake. Validation here is shape; programme rules live in the domain."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field

from shared.events.branches import Age, AtRiskDays, MaxActiveDuos, TrainingModule, Weight
from shared.events.common import LanguageCode, LanguageLevel, Sector, Slot, SupportKind
from shared.http.branch_rules import RuleVersionOut
from shared.http.models import RequestBody

Country = Literal["BE", "FR", "NL"]
# Each field's shape once, for a registration and for a correction alike.
Name = Annotated[str, Field(min_length=1, max_length=60)]
PreferredLanguage = Literal["fr", "nl", "en"]
Postcode = Annotated[str, Field(min_length=4, max_length=8)]
Availability = Annotated[list[Slot], Field(min_length=1, max_length=21)]
Sectors = Annotated[list[Sector], Field(min_length=1, max_length=5)]
Support = Annotated[list[SupportKind], Field(max_length=7)]


class LanguageIn(RequestBody):
    code: LanguageCode
    level: LanguageLevel


class ExperienceIn(RequestBody):
    sector: Sector
    years: int = Field(ge=0, le=60)


class EmploymentServiceIn(RequestBody):
    name: str = Field(min_length=2, max_length=40, description="Actiris, VDAB, Le Forem, France Travail, UWV")
    registered: bool


Languages = Annotated[list[LanguageIn], Field(min_length=1, max_length=10)]
Experience = Annotated[list[ExperienceIn], Field(min_length=1, max_length=10)]


class PersonIn(RequestBody):
    first_name: Name
    last_name: Name
    email: EmailStr
    birth_date: date
    preferred_language: PreferredLanguage = "fr"
    country: Country
    postcode: Postcode
    languages: Languages
    availability: Availability
    consent: bool = Field(description="Consent to the processing of personal data")
    deliberate_duplicate: bool = Field(
        default=False, description="Register even though a person with the same e-mail, or the same names and "
                                   "birth date, is known (in this branch or another); recorded as such")


class MenteeIn(PersonIn):
    target_sectors: Sectors
    education_level: Literal["none", "primary", "secondary", "vocational", "bachelor", "master", "doctorate"]
    employment_service: EmploymentServiceIn
    migration_background: Literal["self", "parent", "grandparent", "none"] = Field(
        description="Born outside the EU (self), or a parent or grandparent who was")
    right_to_work: bool
    support_wanted: Support = Field(default_factory=list)


class MentorIn(PersonIn):
    experience: Experience
    volunteer: bool
    support_offered: Support = Field(default_factory=list)


class CorrectionIn(RequestBody):
    """Only the fields to change; each checked as at registration. A mentee has target_sectors and
    support_wanted, a mentor experience and support_offered."""

    first_name: Name | None = None
    last_name: Name | None = None
    email: EmailStr | None = None
    preferred_language: PreferredLanguage | None = None
    postcode: Postcode | None = None
    languages: Languages | None = None
    availability: Availability | None = None
    target_sectors: Sectors | None = None
    experience: Experience | None = None
    support_wanted: Support | None = None
    support_offered: Support | None = None


class TrainingModuleIn(RequestBody):
    module: str = Field(min_length=2, max_length=60)
    completed_on: date


class WithdrawalIn(RequestBody):
    withdrawn_on: date


class ConsentOut(BaseModel):
    granted: bool
    on: date | None = Field(default=None, description="None: given with the registration, never changed")
    source: str | None = None


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
    consents: dict[str, ConsentOut] = Field(default_factory=dict,
                                              description="Per purpose: contact, reminders, follow_up")
    deliberate_duplicate: bool = Field(default=False, description="Registered knowingly as a possible duplicate")
    rules_version: int | None = Field(default=None, description="The version of the branch's rules that judged "
                                                                "the registration")


class ConsentIn(RequestBody):
    granted: bool = Field(description="contact: whether the programme may write to the person at all; "
                                      "reminders: first meeting, check-ins (news about the duo itself always goes "
                                      "out while contact is granted); follow_up: the questions 3 months after")
    on: date | None = Field(default=None, description="Day the person said so; today if left out")
    source: Literal["in_person", "phone", "email", "letter", "form", "not_stated"] = "not_stated"


class HistoryEntryOut(BaseModel):
    at: str = Field(description="When (UTC, ISO 8601)")
    by: str = Field(description="Who: the staff member's token subject")
    change: str = Field(description="registration, correction, consent, training, withdrawal or erasure")
    fields: list[str] = Field(description="Which fields changed; never their values")


class HistoryOut(BaseModel):
    participant_id: str
    entries: list[HistoryEntryOut] = Field(description="Newest first")
    next: str | None = Field(default=None, description="Path and query of the next page (older entries); null on "
                                                       "the last page")


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
