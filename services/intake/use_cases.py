"""Intake's use cases: apply the rules, then store the change and its events in one write.

Thin on purpose: the rules are in `domain/`, the storage in `adapters/`; this file says in
which order they meet and which events each change causes.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from shared.clock import Clock, utc_today
from shared.events import Envelope, new_envelope
from shared.events.intake import (MenteeRegistered, MentorRegistered, MentorTrained, ParticipantConsentChanged,
                                  ParticipantContactChanged, ParticipantErased, ParticipantProfileChanged,
                                  ParticipantWithdrawn)
from shared.messaging.outbox import Tombstone
from shared.rules import NotFound, RuleBroken
from shared.storage import ConcurrentChange, retried_on_conflict
from shared.vocabulary import age_band, postcode_area
from services.intake.adapters.first_duos import FirstDuos
from services.intake.adapters.participants import HELD_KEYS, IdentityTaken, ParticipantRepository
from services.intake.branch_use_cases import Branches
from services.intake.domain.consent import check_consent_date, granted
from services.intake.domain.corrections import CONTACT_FIELDS, check_correction
from services.intake.domain.eligibility import check_mentee, check_mentor
from services.intake.domain.fairness import MINIMUM_CELL, FairnessAudit, MenteePath, audit
from services.intake.domain.identity import Identity, IdentityHasher, duplicate_among
from services.intake.domain.names import search_keys
from services.intake.domain.participants import MenteeApplication, MentorApplication, Participant, Person


@dataclass(frozen=True)
class Contact:
    """Personal data: kept in intake's database, and sent only on the contacts topic for notify."""

    first_name: str
    last_name: str
    email: str
    preferred_language: str


IDENTITY_FIELDS = {"first_name", "last_name", "email"}  # with the birth date, what identity keys are made of


class Intake:
    def __init__(self, participants: ParticipantRepository, first_duos: FirstDuos, branches: Branches,
                 hasher: IdentityHasher, today: Clock = utc_today, fairness_minimum_cell: int = MINIMUM_CELL) -> None:
        self.participants, self.first_duos, self.branches, self.hasher = participants, first_duos, branches, hasher
        self.today = today
        self.fairness_minimum_cell = fairness_minimum_cell

    async def register_mentee(self, branch: str, application: MenteeApplication, contact: Contact,
                              support_wanted: list[str], by: str, deliberate_duplicate: bool = False) -> dict[str, Any]:
        registered_on = self.today()
        rules = await self.branches.for_registration(branch, registered_on)
        _refuse(check_mentee(application, rules, registered_on))
        mentee_id = str(uuid.uuid4())
        payload = MenteeRegistered(
            mentee_id=mentee_id, registered_on=registered_on, **_profile(application, registered_on),
            sectors=list(application.target_sectors), education_level=application.education_level,
            support_wanted=support_wanted)
        return await self._register(branch, mentee_id, "mentee", application, contact, payload, rules.version, by,
                                    deliberate_duplicate)

    async def register_mentor(self, branch: str, application: MentorApplication, contact: Contact,
                              support_offered: list[str], by: str, deliberate_duplicate: bool = False) -> dict[str, Any]:
        registered_on = self.today()
        rules = await self.branches.for_registration(branch, registered_on)
        _refuse(check_mentor(application, rules, registered_on))
        mentor_id = str(uuid.uuid4())
        payload = MentorRegistered(
            mentor_id=mentor_id, registered_on=registered_on, **_profile(application, registered_on),
            experience=[{"sector": s, "years": y} for s, y in application.experience],
            max_active_duos=rules.max_active_duos, support_offered=support_offered)
        return await self._register(branch, mentor_id, "mentor", application, contact, payload, rules.version, by,
                                    deliberate_duplicate)

    async def _register(self, branch: str, participant_id: str, role: str, person: Person, contact: Contact,
                        payload, rules_version: int, by: str, deliberate: bool) -> dict[str, Any]:
        """Refused with DuplicateParticipant when the person is known, unless registered deliberately as such."""
        hashes = self.hasher.hashes(Identity(contact.first_name, contact.last_name, contact.email, person.birth_date))
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
        events = [new_envelope(p, branch=branch, subject=participant_id)
                  for p in (payload, _contact_event(participant_id, role, contact))]
        for _ in range(2):  # a second try only when a deliberate duplicate lost a race for a key
            duplicate = await self._duplicate(branch, hashes)
            if duplicate and not deliberate:
                raise duplicate
            # A deliberate duplicate keeps its keys outside the unique index, and says so on the record.
            keys = "duplicate_keys" if duplicate else "identity_keys"
            noted = ["deliberate_duplicate"] if duplicate else []
            written = {**document, keys: sorted(hashes.values()), HELD_KEYS: sorted(hashes.values()),
                       "deliberate_duplicate": bool(duplicate), "history": [_entry("registration", noted, by)]}
            try:
                await self.participants.add(written, *events)
                return written  # what was just written: no read back
            except IdentityTaken:
                continue  # the same person registered at this very moment: look again
        raise ConcurrentChange()

    async def _duplicate(self, branch: str, hashes: dict[str, str], exclude: str | None = None):
        return duplicate_among(hashes, branch, await self.participants.holding_keys(list(hashes.values())), exclude)

    @retried_on_conflict
    async def correct(self, branch: str, participant_id: str, changes: dict[str, Any], by: str) -> dict[str, Any]:
        """Change contact details or profile, checked by the registration's rules; unchanged fields are ignored."""
        document = await self.get(branch, participant_id)
        _participant(document)  # refuses an erased participant
        personal, role = document["personal"], document["role"]
        # Judged by the rules that judged the registration, like its training.
        rules = await self.branches.rules_of(branch, document.get("rules_version"),
                                             date.fromisoformat(document["registered_on"]))
        _refuse(check_correction(role, changes, personal["country"], rules))
        stored = {path: value for name, new in changes.items()
                  for path, value in _stored(name, new, personal["country"]).items()}
        changed = sorted({name for name, new in changes.items()
                          if any(_at(document, path) != value
                                 for path, value in _stored(name, new, personal["country"]).items())})
        if not changed:
            return document
        after = _with(document, stored)
        update: dict[str, Any] = {"$set": stored}
        events = []
        if set(changed) & set(CONTACT_FIELDS):
            mine = after["personal"]
            contact = Contact(mine["first_name"], mine["last_name"], mine["email"], mine["preferred_language"])
            events.append(self._event(document, _contact_event(participant_id, role, contact)))
        if set(changed) & IDENTITY_FIELDS:
            hashes = self.hasher.hashes(Identity(contact.first_name, contact.last_name, contact.email,
                                                 date.fromisoformat(mine["birth_date"])))
            duplicate = await self._duplicate(branch, hashes, exclude=participant_id)
            if duplicate and not document.get("deliberate_duplicate"):  # one accepted knowingly stays so
                raise duplicate
            update["$set"]["duplicate_keys" if document.get("deliberate_duplicate") else "identity_keys"] = sorted(
                hashes.values())
            update["$set"][HELD_KEYS] = sorted(hashes.values())  # the duplicate check reads these
            update["$set"]["name_keys"] = search_keys(contact.first_name, contact.last_name)  # name search follows
        profile_changed = [name for name in changed if name not in CONTACT_FIELDS]
        if profile_changed:
            events.append(self._event(document, _profile_event(participant_id, role, profile_changed,
                                                               after["profile"])))
        try:
            return await self.participants.change(document, _with_history(update, "correction", changed, by),
                                                  *events)
        except IdentityTaken:  # the same person registered or corrected at this very moment
            raise (await self._duplicate(branch, hashes, exclude=participant_id)) or ConcurrentChange() from None

    @retried_on_conflict
    async def record_training(self, branch: str, mentor_id: str, module: str, completed_on: date,
                              by: str) -> dict[str, Any]:
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
        return await self.participants.change(document, _with_history(
            {"$set": update}, "training", [f"training.{module}"], by), *events)

    @retried_on_conflict
    async def withdraw(self, branch: str, participant_id: str, withdrawn_on: date, by: str) -> dict[str, Any]:
        document = await self.get(branch, participant_id)
        participant = _participant(document)
        participant.withdraw(withdrawn_on, self.today())
        event = self._event(document, ParticipantWithdrawn(participant_id=participant_id, role=participant.role,
                                                           withdrawn_on=withdrawn_on))
        return await self.participants.change(document, _with_history(
            {"$set": {"status": "withdrawn", "withdrawn_on": withdrawn_on.isoformat()}}, "withdrawal",
            ["status", "withdrawn_on"], by), event)

    @retried_on_conflict
    async def set_consent(self, branch: str, participant_id: str, purpose: str, granted_: bool, on: date | None,
                          source: str, by: str) -> dict[str, Any]:
        """A PUT: the same choice again changes nothing and publishes nothing."""
        document = await self.get(branch, participant_id)
        participant = _participant(document)  # refuses an erased participant
        on = on or self.today()
        _refuse(check_consent_date(on, participant.registered_on, self.today()))
        if granted(document.get("consents") or {}, purpose) == granted_:
            return document
        event = self._event(document, ParticipantConsentChanged(
            participant_id=participant_id, purpose=purpose, granted=granted_, recorded_on=on, source=source))
        record = {"granted": granted_, "on": on.isoformat(), "source": source, "by": by}
        return await self.participants.change(document, _with_history(
            {"$set": {f"consents.{purpose}": record}}, "consent", [f"consents.{purpose}"], by), event)

    @retried_on_conflict
    async def erase(self, branch: str, participant_id: str, by: str) -> None:
        """Right to erasure: personal data goes; every service is told to forget; the contact is tombstoned.

        The history stays: it never held a value, only which field changed, when and by whom."""
        document = await self.get(branch, participant_id)
        if document["status"] == "erased":
            return
        erased = self._event(document, ParticipantErased(participant_id=participant_id, role=document["role"]))
        tombstone = Tombstone("participant-contact-changed", participant_id, erased.correlation_id)
        await self.participants.change(document, _with_history(
            {"$set": {"status": "erased", "erased_on": self.today().isoformat()},
             "$unset": {"personal": "", "name_keys": "", "profile": "", "training": "", "trained": "", "consents": "",
                        "identity_keys": "", "duplicate_keys": "", HELD_KEYS: ""}},
            "erasure", ["personal", "profile", "training", "consents"], by),
            erased, tombstone)
        await self.first_duos.forget(participant_id)  # the audit's counts need no link to an erased person

    async def get(self, branch: str, participant_id: str) -> dict[str, Any]:
        document = await self.participants.get(branch, participant_id)
        if document is None:
            raise NotFound("participant")
        return document

    async def matching_fairness(self, branch: str | None, as_of: date | None) -> FairnessAudit:
        """How each group of mentees fares in getting a duo within 30 days: aggregates only."""
        # Across every branch: each branch by name, so that both reads are led by the branch index.
        branches = [branch] if branch is not None else self.branches.known()
        first = await self.first_duos.in_branches(branches)
        paths = [MenteePath(date.fromisoformat(doc["registered_on"]), first.get(doc["_id"]), {
            "age_band": (doc["profile"]["age_band"],),
            "language": tuple(sorted({lang["code"] for lang in doc["profile"]["languages"]})),
            "postcode_area": (doc["profile"]["postcode_area"],)})
            for doc in await self.participants.mentee_groups(branches) if doc.get("profile")]
        return audit(paths, as_of or self.today(), minimum_cell=self.fairness_minimum_cell)

    @staticmethod
    def _event(document: dict[str, Any], payload) -> Envelope:
        return new_envelope(payload, branch=document["branch"], subject=document["_id"])


def _contact_event(participant_id: str, role: str, contact: Contact) -> ParticipantContactChanged:
    return ParticipantContactChanged(participant_id=participant_id, role=role, display_name=contact.first_name,
                                     email=contact.email, preferred_language=contact.preferred_language)


def _profile_event(participant_id: str, role: str, changed: list[str],
                   profile: dict[str, Any]) -> ParticipantProfileChanged:
    own = ("sectors", "support_wanted") if role == "mentee" else ("experience", "support_offered")
    return ParticipantProfileChanged(participant_id=participant_id, role=role, changed=changed, **{
        name: profile.get(name) for name in ("languages", "postcode_area", "availability", *own)})


# Where a corrected field lives in the record (the API's name -> dotted paths and stored values).
_PERSONAL = {"first_name", "last_name", "email", "preferred_language"}
_PROFILE = {"target_sectors": "profile.sectors", "support_wanted": "profile.support_wanted",
            "support_offered": "profile.support_offered"}


def _stored(name: str, value: Any, country: str) -> dict[str, Any]:
    if name in _PERSONAL:
        return {f"personal.{name}": value}
    if name == "postcode":
        return {"personal.postcode": value, "profile.postcode_area": postcode_area(country, value)}
    if name == "languages":
        return {"profile.languages": [{"code": lang.code, "level": lang.level} for lang in value]}
    if name == "availability":
        return {"profile.availability": sorted(value)}
    if name == "experience":
        return {"profile.experience": [{"sector": s, "years": y} for s, y in value]}
    return {_PROFILE[name]: list(value)}


def _at(document: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        document = (document or {}).get(part)
    return document


def _with(document: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
    """The record as it will be once `stored` (dotted paths) is set."""
    after = {"personal": dict(document["personal"]), "profile": dict(document["profile"])}
    for path, value in stored.items():
        top, name = path.split(".")
        after[top][name] = value
    return after


def _entry(change: str, fields: list[str], by: str) -> dict[str, Any]:
    """One line of a record's history: which fields, when, by whom; never a value, so erasure leaves it as is."""
    return {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "by": by, "change": change,
            "fields": fields}


def _with_history(update: dict[str, Any], change: str, fields: list[str], by: str) -> dict[str, Any]:
    return {**update, "$push": {"history": _entry(change, fields, by)}}


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
