"""The facts the figures count, rebuilt from the recorded events alone (no database).

It applies the same facts as followup's consumers and use cases do to its view (registrations,
training, duos formed, ended and their outcomes, erasures), so `compute_figures` gives, from
the log, the figures followup gives from its view. Repeated events change nothing.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from services.followup.domain.duo import Duo, DuoStatus, Outcome
from services.followup.domain.figures import ParticipantFact
from services.followup.domain.rules import DEFAULT_RULES, FollowupRules

# Surrogates for erased participants derive from the erasure event, never from the person's id.
ERASURE_NAMESPACE = uuid.UUID("6f1c9a8e-2b7d-4c1e-9a51-3d2f0e8b7c44")


def surrogate_for(erasure_event_id: str) -> str:
    return f"erased-{uuid.uuid5(ERASURE_NAMESPACE, erasure_event_id)}"


@dataclass
class RecordedFacts:
    rules: FollowupRules = DEFAULT_RULES
    people: dict[str, dict] = field(default_factory=dict)
    by_id: dict[str, Duo] = field(default_factory=dict)
    set_aside: int = 0  # records that break their schema: followup dead-letters them, nothing counts them
    # Applied once everything is read: topics are read side by side, so an outcome (duo-activity)
    # may come before its duo-formed (duos), and a duo after its participant's erasure.
    _ends: dict[str, tuple[date, bool, str]] = field(default_factory=dict)
    _outcomes: dict[str, dict[str, Outcome]] = field(default_factory=dict)
    _erasures: dict[str, str] = field(default_factory=dict)

    def registered(self, participant_id: str, branch: str, role: str, registered_on: date) -> None:
        self.people.setdefault(participant_id, {}).update(branch=branch, role=role, registered_on=registered_on)

    def trained(self, participant_id: str, completed_on: date) -> None:
        self.people.setdefault(participant_id, {})["trained_on"] = completed_on

    def duo_formed(self, duo_id: str, branch: str, mentee_id: str, mentor_id: str, started_on: date) -> None:
        if duo_id not in self.by_id:
            self.by_id[duo_id] = Duo.form(duo_id, branch, mentee_id, mentor_id, started_on, self.rules)

    def duo_ended(self, duo_id: str, ended_on: date, completed: bool, reason: str) -> None:
        self._ends[duo_id] = (ended_on, completed, reason)

    def outcome_recorded(self, duo_id: str, event_id: str, outcome: Outcome) -> None:
        self._outcomes.setdefault(duo_id, {}).setdefault(event_id, outcome)

    def erased(self, participant_id: str, erasure_event_id: str) -> None:
        self._erasures.setdefault(participant_id, erasure_event_id)

    def _settle(self) -> None:
        for duo_id, (ended_on, completed, reason) in self._ends.items():
            duo = self.by_id.get(duo_id)
            if duo is None:  # followup ends only duos it has: nothing recorded to count
                continue
            duo.status = DuoStatus.COMPLETED if completed else DuoStatus.ENDED_EARLY
            duo.ended_on, duo.end_reason = ended_on, reason
        for duo_id, outcomes in self._outcomes.items():
            if duo_id in self.by_id:
                self.by_id[duo_id].outcomes = list(outcomes.values())
        # Erasure, as followup does: the facts stay countable under a surrogate, no longer linked to the person.
        for participant_id, event_id in self._erasures.items():
            surrogate = surrogate_for(event_id)
            if participant_id in self.people:
                self.people.setdefault(surrogate, self.people.pop(participant_id))
            for duo in self.by_id.values():
                if duo.mentee_id == participant_id:
                    duo.mentee_id = surrogate
                if duo.mentor_id == participant_id:
                    duo.mentor_id = surrogate
        self._erasures.clear()

    def participants(self) -> list[ParticipantFact]:
        self._settle()
        return [ParticipantFact(pid, p["branch"], p["role"], p["registered_on"], p.get("trained_on"))
                for pid, p in self.people.items() if p.get("role") and p.get("registered_on")]

    def duos(self) -> list[Duo]:
        self._settle()
        return list(self.by_id.values())

    def branches(self) -> list[str]:
        return sorted({p["branch"] for p in self.people.values() if "branch" in p}
                      | {d.branch for d in self.by_id.values()})
