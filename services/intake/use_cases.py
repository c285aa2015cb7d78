"""Intake's use cases: get the participant, let the aggregate decide, save the change and its events in one write.

Thin on purpose: the rules are in `domain/` (the Participant aggregate), the storage in `adapters/`; this file
says in which order they meet.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Any

from shared.clock import Clock, utc_today
from shared.events import Envelope, new_envelope, spec_for
from shared.messaging.outbox import Tombstone
from shared.rules import NotFound
from shared.storage import ConcurrentChange, retried_on_conflict
from services.intake.adapters.first_duos import FirstDuos
from services.intake.adapters.participants import IdentityTaken, ParticipantRepository
from services.intake.branch_use_cases import Branches
from services.intake.domain.applications import Contact, MenteeApplication, MentorApplication
from services.intake.domain.branches import BranchRules
from services.intake.domain.changes import Change
from services.intake.domain.fairness import MINIMUM_CELL, FairnessAudit, MenteePath, audit
from services.intake.domain.identity import IdentityHasher
from services.intake.domain.participants import Participant


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
        mentee = Participant.register_mentee(str(uuid.uuid4()), branch, application, contact, support_wanted, rules,
                                             registered_on)
        return await self._register(mentee, by, deliberate_duplicate)

    async def register_mentor(self, branch: str, application: MentorApplication, contact: Contact,
                              support_offered: list[str], by: str, deliberate_duplicate: bool = False) -> dict[str, Any]:
        registered_on = self.today()
        rules = await self.branches.for_registration(branch, registered_on)
        mentor = Participant.register_mentor(str(uuid.uuid4()), branch, application, contact, support_offered, rules,
                                             registered_on)
        return await self._register(mentor, by, deliberate_duplicate)

    async def _register(self, participant: Participant, by: str, deliberate: bool) -> dict[str, Any]:
        """Refused with DuplicateParticipant when the person is known, unless registered deliberately as such."""
        hashes = self.hasher.hashes(participant.identity())
        for _ in range(2):  # a second try only when a deliberate duplicate lost a race for a key
            registration = participant.registration(hashes, await self._holders(hashes), deliberate, by, _now())
            try:
                return await self.participants.register(participant.participant_id, registration,
                                                        *_envelopes(participant, registration))
            except IdentityTaken:
                continue  # the same person registered at this very moment: look again
        raise ConcurrentChange()

    @retried_on_conflict
    async def correct(self, branch: str, participant_id: str, changes: dict[str, Any], by: str) -> dict[str, Any]:
        """Change contact details or profile, checked by the registration's rules; unchanged fields are ignored."""
        participant, read = await self._find(branch, participant_id)
        correction = participant.correct(changes, await self._rules_of(participant), by, _now())
        if correction is None:
            return read
        hashes: dict[str, str] = {}
        if correction.identity is not None:  # a new name or e-mail: is it someone else's?
            hashes = self.hasher.hashes(correction.identity)
            correction = participant.rekeyed(correction, hashes, await self._holders(hashes))
        try:
            return await self.participants.save(read, correction, *_envelopes(participant, correction))
        except IdentityTaken:  # the same person registered or corrected at this very moment
            raise participant.duplicate(hashes, await self._holders(hashes)) or ConcurrentChange() from None

    @retried_on_conflict
    async def record_training(self, branch: str, mentor_id: str, module: str, completed_on: date,
                              by: str) -> dict[str, Any]:
        mentor, read = await self._find(branch, mentor_id)
        change = mentor.record_training(module, completed_on, self.today(), await self._rules_of(mentor), by, _now())
        return await self.participants.save(read, change, *_envelopes(mentor, change))

    @retried_on_conflict
    async def withdraw(self, branch: str, participant_id: str, withdrawn_on: date, by: str) -> dict[str, Any]:
        participant, read = await self._find(branch, participant_id)
        change = participant.withdraw(withdrawn_on, self.today(), by, _now())
        return await self.participants.save(read, change, *_envelopes(participant, change))

    @retried_on_conflict
    async def set_consent(self, branch: str, participant_id: str, purpose: str, granted_: bool, on: date | None,
                          source: str, by: str) -> dict[str, Any]:
        """A PUT: the same choice again changes nothing and publishes nothing."""
        participant, read = await self._find(branch, participant_id)
        change = participant.set_consent(purpose, granted_, on, source, self.today(), by, _now())
        if change is None:
            return read
        return await self.participants.save(read, change, *_envelopes(participant, change))

    @retried_on_conflict
    async def erase(self, branch: str, participant_id: str, by: str) -> None:
        """Right to erasure: personal data goes; every service is told to forget; the contact is tombstoned."""
        participant, read = await self._find(branch, participant_id)
        change = participant.erase(self.today(), by, _now())
        if change is None:
            return
        await self.participants.save(read, change, *_envelopes(participant, change))
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

    async def _find(self, branch: str, participant_id: str) -> tuple[Participant, dict[str, Any]]:
        found = await self.participants.find(branch, participant_id)
        if found is None:
            raise NotFound("participant")
        return found

    async def _rules_of(self, participant: Participant) -> BranchRules:
        """The rules that judged the registration: they judge its corrections and training too."""
        return await self.branches.rules_of(participant.branch, participant.rules_version, participant.registered_on)

    async def _holders(self, hashes: dict[str, str]) -> list[dict[str, Any]]:
        return await self.participants.holding_keys(list(hashes.values()))


def _envelopes(participant: Participant, change: Change) -> list[Envelope | Tombstone]:
    """The change's events, each on the participant's key; a tombstone shares the correlation of what came before."""
    envelopes: list[Envelope | Tombstone] = []
    for event in change.events:
        if event.data is None:
            envelopes.append(Tombstone(event.type, participant.participant_id, envelopes[-1].correlation_id))
        else:
            envelopes.append(new_envelope(spec_for(event.type).payload(**event.data), branch=participant.branch,
                                          subject=participant.participant_id))
    return envelopes


def _now() -> datetime:
    """When a change is written into the record's history."""
    return datetime.now(timezone.utc)
