"""A proposal's life: proposed, then formed (accepted) or declined; a formed duo later ends."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.rules import RuleBroken
from services.matching.domain.candidates import Mentee, Mentor
from services.matching.domain.scoring import Weights, component_fits, conversation_languages, score_pair


@dataclass
class Proposal:
    duo_id: str
    mentee_id: str
    mentor_id: str
    status: str  # proposed, then formed (later ended), declined or withdrawn
    proposed_on: date

    def accept(self, started_on: date, today: date, mentee_waiting: bool, mentor_available: bool) -> None:
        self._require_proposed()
        if not mentee_waiting:
            raise RuleBroken.single("proposal.mentee_unavailable",
                                    "The mentee is no longer waiting for a mentor (withdrawn or erased).")
        if not mentor_available:
            raise RuleBroken.single("proposal.mentor_unavailable",
                                    "The mentor can no longer take this duo (withdrawn or erased).")
        if started_on < self.proposed_on or started_on > today:
            raise RuleBroken.single("proposal.start_date",
                                    "A duo starts between the day it was proposed and today.", "started_on")
        self.status = "formed"

    def withdraw(self) -> None:
        self._require_proposed()
        self.status = "withdrawn"

    def decline(self) -> None:
        self._require_proposed()
        self.status = "declined"

    def _require_proposed(self) -> None:
        if self.status != "proposed":
            raise RuleBroken.single("proposal.not_open", f"This proposal was already {self.status}.")


def misfit(mentee: Mentee, mentor: Mentor, weights: Weights, minimum_score: float) -> tuple[str, str] | None:
    """Why a proposed pair no longer fits after a correction (code, words), or None while it still does."""
    fits = component_fits(mentee, mentor)
    if not conversation_languages(mentee) & conversation_languages(mentor):
        return "no_shared_language", fits["language"][1]
    if not mentee.availability & mentor.availability:
        return "no_shared_slot", fits["availability"][1]
    score = score_pair(mentee, mentor, weights).score
    if score < minimum_score:
        return "below_minimum", f"the score is now {score}, under the branch's minimum of {minimum_score}"
    return None
