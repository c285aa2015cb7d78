"""Events the intake service publishes (topic: participants; contacts on their own topic)."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import EmailStr, Field

from shared.events import topics
from shared.events.catalog import event
from shared.events.common import (AgeBand, LanguageSkill, Payload, PostcodeArea, Sector, SectorExperience, Slot,
                                  SupportKind)

Role = Literal["mentee", "mentor"]


@event("mentee-registered", version=1, topic=topics.PARTICIPANTS, source="intake")
class MenteeRegistered(Payload):
    """An eligible young job seeker joined the branch's waiting pool."""

    mentee_id: str
    registered_on: date
    age_band: AgeBand
    languages: list[LanguageSkill] = Field(min_length=1)
    sectors: list[Sector] = Field(min_length=1)
    education_level: str
    postcode_area: PostcodeArea
    availability: list[Slot] = Field(min_length=1)
    support_wanted: list[SupportKind] = Field(default_factory=list, description="What the mentee asks a mentor for")


@event("mentor-registered", version=1, topic=topics.PARTICIPANTS, source="intake")
class MentorRegistered(Payload):
    """A volunteer mentor joined the branch; not matchable until trained."""

    mentor_id: str
    registered_on: date
    age_band: AgeBand
    languages: list[LanguageSkill] = Field(min_length=1)
    experience: list[SectorExperience] = Field(min_length=1)
    postcode_area: PostcodeArea
    availability: list[Slot] = Field(min_length=1)
    max_active_duos: int = Field(ge=1)
    support_offered: list[SupportKind] = Field(default_factory=list, description="What the mentor offers")


@event("mentor-trained", version=1, topic=topics.PARTICIPANTS, source="intake")
class MentorTrained(Payload):
    """The mentor completed every module of the initial training and may now be matched."""

    mentor_id: str
    completed_on: date
    modules: int = Field(ge=1)


@event("participant-withdrawn", version=1, topic=topics.PARTICIPANTS, source="intake")
class ParticipantWithdrawn(Payload):
    """A mentee or mentor left the programme; they leave the matching pool."""

    participant_id: str
    role: Role
    withdrawn_on: date


@event("participant-erased", version=1, topic=topics.PARTICIPANTS, source="intake")
class ParticipantErased(Payload):
    """Personal data was erased; every service forgets what it holds about this id."""

    participant_id: str
    role: Role


@event("participant-reminder-consent-changed", version=1, topic=topics.PARTICIPANTS, source="intake")
class ParticipantReminderConsentChanged(Payload):
    """The participant accepts or declines reminders (news about their duo itself always reaches them).

    Superseded by participant-consent-changed (purpose `reminders`); no longer published, still read
    so that an older log replays the same."""

    participant_id: str
    reminders: bool


@event("participant-contact-changed", version=1, topic=topics.PARTICIPANT_CONTACTS, source="intake")
class ParticipantContactChanged(Payload):
    """How notify may reach a participant. Lives on a compacted topic only, never with domain events."""

    participant_id: str
    role: Role
    display_name: str = Field(min_length=1, max_length=120)
    email: EmailStr
    preferred_language: str = Field(pattern=r"^[a-z]{2}$")


ConsentPurpose = Literal["contact", "reminders", "follow_up"]


@event("participant-consent-changed", version=1, topic=topics.PARTICIPANTS, source="intake")
class ParticipantConsentChanged(Payload):
    """The participant gave or withdrew consent for one purpose: to be contacted at all, reminders, or the
    follow-up three months after the duo. Without consent to be contacted, notify sends them nothing."""

    participant_id: str
    purpose: ConsentPurpose
    granted: bool
    recorded_on: date = Field(description="Day the participant gave or withdrew it")
    source: Literal["registration", "in_person", "phone", "email", "letter", "form", "not_stated"]


@event("participant-profile-changed", version=1, topic=topics.PARTICIPANTS, source="intake")
class ParticipantProfileChanged(Payload):
    """A coordinator corrected what matching scores on; carries the whole profile as it now is (the postcode
    as its area only). A mentee has sectors and support_wanted, a mentor experience and support_offered."""

    participant_id: str
    role: Role
    changed: list[str] = Field(min_length=1, description="Names of the corrected fields")
    languages: list[LanguageSkill] = Field(min_length=1)
    postcode_area: PostcodeArea
    availability: list[Slot] = Field(min_length=1)
    sectors: list[Sector] | None = None
    support_wanted: list[SupportKind] | None = None
    experience: list[SectorExperience] | None = None
    support_offered: list[SupportKind] | None = None
