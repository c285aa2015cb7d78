"""Intake's use cases: apply the rules, then store the change and its events in one write.

Thin on purpose: the rules are in `domain/`, the storage in `adapters/`; this file says in
which order they meet and which events each change causes.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.clock import Clock, utc_today
from shared.events import Envelope, new_envelope
from shared.events.intake import (MenteeRegistered, MentorRegistered, MentorTrained, ParticipantContactChanged,
                                  ParticipantErased, ParticipantReminderConsentChanged, ParticipantWithdrawn)
from shared.messaging.outbox import Tombstone
from shared.rules import NotFound, RuleBroken
from shared.storage import retried_on_conflict
from shared.vocabulary import age_band, postcode_area
from services.intake.adapters.first_duos import FirstDuos
from services.intake.adapters.participants import ParticipantRepository
from services.intake.branch_use_cases import Branches
from services.intake.domain.eligibility import check_mentee, check_mentor
from services.intake.domain.fairness import MINIMUM_CELL, FairnessAudit, MenteePath, audit
from services.intake.domain.names import search_keys
from services.intake.domain.participants import MenteeApplication, MentorApplication, Participant, Person


@dataclass(frozen=True)
class Contact:
    """Personal data: kept in intake's database, and sent only on the contacts topic for notify."""

    first_name: str
    last_name: str
    email: str
    preferred_language: str


class Intake:
    def __init__(self, participants: ParticipantRepository, first_duos: FirstDuos, branches: Branches,
                 today: Clock = utc_today, fairness_minimum_cell: int = MINIMUM_CELL) -> None:
        self.participants, self.first_duos, self.branches = participants, first_duos, branches
        self.today = today
        self.fairness_minimum_cell = fairness_minimum_cell

    async def register_mentee(self, branch: str, application: MenteeApplication, contact: Contact,
                              support_wanted: list[str]) -> dict[str, Any]:
        registered_on = self.today()
        rules = await self.branches.for_registration(branch, registered_on)
        _refuse(check_mentee(application, rules, registered_on))
        mentee_id = str(uuid.uuid4())
        payload = MenteeRegistered(
            mentee_id=mentee_id, registered_on=registered_on, **_profile(application, registered_on),
            sectors=list(application.target_sectors), education_level=application.education_level,
            support_wanted=support_wanted)
        return await self._register(branch, mentee_id, "mentee", application, contact, payload, rules.version)

    async def register_mentor(self, branch: str, application: MentorApplication, contact: Contact,
                              support_offered: list[str]) -> dict[str, Any]:
        registered_on = self.today()
        rules = await self.branches.for_registration(branch, registered_on)
        _refuse(check_mentor(application, rules, registered_on))
        mentor_id = str(uuid.uuid4())
        payload = MentorRegistered(
            mentor_id=mentor_id, registered_on=registered_on, **_profile(application, registered_on),
            experience=[{"sector": s, "years": y} for s, y in application.experience],
            max_active_duos=rules.max_active_duos, support_offered=support_offered)
        return await self._register(branch, mentor_id, "mentor", application, contact, payload, rules.version)

    async def _register(self, branch: str, participant_id: str, role: str, person: Person, contact: Contact,
                        payload, rules_version: int) -> dict[str, Any]:
        contact_event = ParticipantContactChanged(
            participant_id=participant_id, role=role, display_name=contact.first_name, email=contact.email,
            preferred_language=contact.preferred_language)
        document = {
            "_id": participant_id, "branch": branch, "role": role, "status": "registered",
            "registered_on": payload.registered_on.isoformat(), "training": {}, "trained": False,
            "rules_version": rules_version,  # the rules that judged this registration, and judge its training
            "personal": {"first_name": contact.first_name, "last_name": contact.last_name, "email": contact.email,
                         "preferred_language": contact.preferred_language,
                         "birth_date": person.birth_date.isoformat(), "postcode": person.postcode,
                         "country": person.country},
            "name_keys": search_keys(contact.first_name, contact.last_name),
            "profile": payload.model_dump(mode="json"),
        }
        await self.participants.add(document, *(
            new_envelope(p, branch=branch, subject=participant_id)
            for p in (payload, contact_event)))
        return document

    @retried_on_conflict
    async def record_training(self, branch: str, mentor_id: str, module: str, completed_on: date) -> dict[str, Any]:
        document = await self.get(branch, mentor_id)
        participant = _participant(document)
        rules = await self.branches.rules_of(branch, document.get("rules_version"), participant.registered_on)
        now_trained = participant.record_training(module, completed_on, self.today(), rules)
        events, update = [], {f"training.{module}": completed_on.isoformat()}
        if now_trained:
            events.append(self._event(document, MentorTrained(
                mentor_id=mentor_id, completed_on=max(participant.training.values()),
                modules=len(rules.training_modules))))
            update["trained"] = True
        await self.participants.change(document, {"$set": update}, *events)
        return await self.get(branch, mentor_id)

    @retried_on_conflict
    async def withdraw(self, branch: str, participant_id: str, withdrawn_on: date) -> dict[str, Any]:
        document = await self.get(branch, participant_id)
        participant = _participant(document)
        participant.withdraw(withdrawn_on, self.today())
        event = self._event(document, ParticipantWithdrawn(participant_id=participant_id, role=participant.role,
                                                           withdrawn_on=withdrawn_on))
        await self.participants.change(document, {"$set": {"status": "withdrawn",
                                                           "withdrawn_on": withdrawn_on.isoformat()}}, event)
        return await self.get(branch, participant_id)

    @retried_on_conflict
    async def set_reminder_consent(self, branch: str, participant_id: str, granted: bool) -> dict[str, Any]:
        """A PUT: the same choice again changes nothing and publishes nothing."""
        document = await self.get(branch, participant_id)
        _participant(document)  # refuses an erased participant
        if (document.get("consents") or {}).get("reminders", True) == granted:
            return document
        event = self._event(document, ParticipantReminderConsentChanged(participant_id=participant_id,
                                                                        reminders=granted))
        await self.participants.change(document, {"$set": {"consents.reminders": granted}}, event)
        return await self.get(branch, participant_id)

    @retried_on_conflict
    async def erase(self, branch: str, participant_id: str) -> None:
        """Right to erasure: personal data goes; every service is told to forget; the contact is tombstoned."""
        document = await self.get(branch, participant_id)
        if document["status"] == "erased":
            return
        erased = self._event(document, ParticipantErased(participant_id=participant_id, role=document["role"]))
        tombstone = Tombstone("participant-contact-changed", participant_id, erased.correlation_id)
        await self.participants.change(
            document, {"$set": {"status": "erased", "erased_on": self.today().isoformat()},
                       "$unset": {"personal": "", "name_keys": "", "profile": "", "training": "", "trained": ""}}, erased, tombstone)
        await self.first_duos.forget(participant_id)  # the audit's counts need no link to an erased person

    async def get(self, branch: str, participant_id: str) -> dict[str, Any]:
        document = await self.participants.get(branch, participant_id)
        if document is None:
            raise NotFound("participant")
        return document

    async def matching_fairness(self, branch: str | None, as_of: date | None) -> FairnessAudit:
        """How each group of mentees fares in getting a duo within 30 days: aggregates only."""
        first = await self.first_duos.in_branch(branch)
        paths = [MenteePath(date.fromisoformat(doc["registered_on"]), first.get(doc["_id"]), {
            "age_band": (doc["profile"]["age_band"],),
            "language": tuple(sorted({lang["code"] for lang in doc["profile"]["languages"]})),
            "postcode_area": (doc["profile"]["postcode_area"],)})
            for doc in await self.participants.mentee_groups(branch) if doc.get("profile")]
        return audit(paths, as_of or self.today(), minimum_cell=self.fairness_minimum_cell)

    @staticmethod
    def _event(document: dict[str, Any], payload) -> Envelope:
        return new_envelope(payload, branch=document["branch"], subject=document["_id"])


def _refuse(refusals) -> None:
    if refusals:
        raise RuleBroken(*refusals)


def _profile(person: Person, registered_on: date) -> dict[str, Any]:
    """The coarse attributes other services need; never the name, e-mail, birth date or postcode."""
    return {"age_band": age_band(person.birth_date, registered_on),
            "languages": [{"code": lang.code, "level": lang.level} for lang in person.languages],
            "postcode_area": postcode_area(person.country, person.postcode),
            "availability": sorted(person.availability)}


def _participant(document: dict[str, Any]) -> Participant:
    if document["status"] == "erased":
        raise RuleBroken.single("participant.erased", "This participant's data was erased.")
    return Participant(
        participant_id=document["_id"], branch=document["branch"], role=document["role"],
        registered_on=date.fromisoformat(document["registered_on"]), status=document["status"],
        training={m: date.fromisoformat(d) for m, d in document.get("training", {}).items()})
