"""Matching's use cases: proposal rounds, placing a newcomer, accepting and declining proposals."""
from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import date
from typing import Any

from shared.branch_directory import BranchDirectory
from shared.clock import Clock, utc_today
from shared.events import Envelope, new_envelope
from shared.events.matching import DuoFormed, DuoProposed, ProposalDeclined, ProposalRoundCompleted, ProposalWithdrawn
from shared.rules import NotFound, RuleBroken
from shared.storage import retried_on_conflict
from services.matching.adapters.pool import PoolView
from services.matching.adapters.proposals import DECLINED, ProposalRepository, formed, proposed_document
from services.matching.adapters.round_lease import RoundLeases
from services.matching.adapters.rounds import RoundRecords, round_document
from services.matching.domain.assignment import place_newcomer, propose_round
from services.matching.domain.candidates import Mentee, Mentor, mentee_from_facts, mentor_from_facts
from services.matching.domain.proposal import Proposal, misfit
from services.matching.domain.scoring import ScoredPair, Weights
from services.matching.domain.waiting import Waiting, waiting_report


class Matching:
    def __init__(self, pool: PoolView, proposals: ProposalRepository, leases: RoundLeases, rounds: RoundRecords,
                 branches: BranchDirectory, minimum_score: float, today: Clock = utc_today) -> None:
        self.pool, self.proposals, self.leases, self.rounds = pool, proposals, leases, rounds
        self.branches = branches
        self.minimum_score = minimum_score
        self.today = today

    async def _rules(self, branch: str) -> tuple[Weights, int | None]:
        """The branch's weights and most active duos per mentor in force today, as learned from the branch
        events; a branch not heard of yet is scored with the programme's default weights."""
        rules = await self.branches.rules_on(branch, self.today())
        if rules is None:
            return Weights(), None
        names = {f.name for f in fields(Weights)}
        return Weights(**{k: v for k, v in rules["matching_weights"].items() if k in names}), rules["max_active_duos"]

    async def run_round(self, branch: str) -> list[dict[str, Any]]:
        """Assign the branch's whole waiting pool at once, maximising the total score."""
        async with self.leases.hold(branch):
            weights, max_active = await self._rules(branch)
            mentees, mentors, declined = await self._candidates(branch, max_active)
            pairs = propose_round(mentees, mentors, weights, self.minimum_score, declined)
            proposals = [self._proposal(branch, pair) for pair in pairs]
            await self.proposals.add_all(proposals)
            proposed = [document for document, _ in proposals]
            if proposed:
                await self._round_completed(branch, [d["_id"] for d in proposed])
            return proposed

    async def _round_completed(self, branch: str, duo_ids: list[str]) -> None:
        """The round as a record of its own, whose event tells the coordinators there is something to review."""
        round_id = str(uuid.uuid4())
        completed = ProposalRoundCompleted(round_id=round_id, proposals=len(duo_ids), duo_ids=duo_ids)
        event = new_envelope(completed, branch=branch, subject=round_id)
        await self.rounds.add(round_document(event, completed), event)

    async def place(self, branch: str, mentee_id: str) -> dict[str, Any] | None:
        """Propose a mentor for one newcomer, leaving every open proposal as it is."""
        async with self.leases.hold(branch):
            weights, max_active = await self._rules(branch)
            mentees, mentors, declined = await self._candidates(branch, max_active)
            mentee = next((m for m in mentees if m.mentee_id == mentee_id), None)
            if mentee is None:
                if await self.pool.get(branch, mentee_id) is None:
                    raise NotFound("mentee")
                raise RuleBroken.single("mentee.not_waiting",
                                        "This mentee is not waiting for a mentor (already proposed, in a duo, "
                                        "withdrawn or not yet known to matching).")
            pair = place_newcomer(mentee, mentors, weights, self.minimum_score, declined)
            return None if pair is None else await self._propose(branch, pair)

    async def waiting(self, branch: str) -> list[Waiting]:
        """Who waits for a proposal, since when, and why none yet."""
        weights, max_active = await self._rules(branch)
        mentees, trained, untrained, declined = await self._pool(branch, max_active)
        return waiting_report(mentees, trained, untrained, weights, self.minimum_score, declined, self.today())

    async def _candidates(self, branch: str, max_active: int | None
                          ) -> tuple[list[Mentee], list[Mentor], set[tuple[str, str]]]:
        mentees, trained, _, declined = await self._pool(branch, max_active)
        return mentees, [o for o in trained if o.capacity > 0], declined

    async def _pool(self, branch: str, max_active: int | None
                    ) -> tuple[list[Mentee], list[Mentor], list[Mentor], set[tuple[str, str]]]:
        """Mentees with no open proposal or duo; trained mentors with the capacity they have left
        (0 when busy) under the branch's limit in force (else the one they registered under); mentors still
        in training; the declined pairs."""
        open_ = await self.proposals.open_in_branch(branch)
        engaged = {p["mentee_id"] for p in open_}
        load: dict[str, int] = {}
        for p in open_:
            load[p["mentor_id"]] = load.get(p["mentor_id"], 0) + 1
        mentees = [mentee_from_facts(doc) for doc in await self.pool.waiting_mentees(branch)
                   if doc["_id"] not in engaged]
        trained, untrained = [], []
        for doc in await self.pool.active_mentors(branch):
            limit = max_active if max_active is not None else int(doc.get("max_active_duos", 1))
            capacity = max(0, limit - load.get(doc["_id"], 0))
            (trained if doc.get("trained") else untrained).append(mentor_from_facts(doc, capacity))
        return mentees, trained, untrained, await self.proposals.declined_pairs(branch)

    async def _propose(self, branch: str, pair: ScoredPair) -> dict[str, Any]:
        document, event = self._proposal(branch, pair)
        await self.proposals.add(document, event)
        return document

    def _proposal(self, branch: str, pair: ScoredPair) -> tuple[dict[str, Any], Envelope]:
        duo_id = str(uuid.uuid4())
        proposed = DuoProposed(duo_id=duo_id, mentee_id=pair.mentee_id, mentor_id=pair.mentor_id, score=pair.score,
                               breakdown=dict(pair.breakdown), reasons=list(pair.reasons), proposed_on=self.today())
        event = new_envelope(proposed, branch=branch, subject=duo_id)
        return proposed_document(event, proposed), event

    @retried_on_conflict
    async def accept(self, branch: str, duo_id: str, started_on: date | None) -> dict[str, Any]:
        document = await self.get(branch, duo_id)
        proposal = _proposal(document)
        mentee = await self.pool.get(branch, proposal.mentee_id)
        mentor = await self.pool.get(branch, proposal.mentor_id)
        today = self.today()
        started_on = started_on or today
        proposal.accept(started_on, today,
                        mentee_waiting=bool(mentee) and mentee["status"] == "waiting",
                        mentor_available=bool(mentor) and mentor["status"] == "active")
        event = new_envelope(DuoFormed(duo_id=duo_id, mentee_id=proposal.mentee_id, mentor_id=proposal.mentor_id,
                                       started_on=started_on, score=document["score"]),
                             branch=branch, subject=duo_id)
        await self.proposals.change(document, formed(started_on), event)
        return await self.get(branch, duo_id)

    @retried_on_conflict
    async def decline(self, branch: str, duo_id: str) -> dict[str, Any]:
        document = await self.get(branch, duo_id)
        proposal = _proposal(document)
        proposal.decline()
        event = new_envelope(ProposalDeclined(duo_id=duo_id, mentee_id=proposal.mentee_id,
                                              mentor_id=proposal.mentor_id),
                             branch=branch, subject=duo_id)
        await self.proposals.change(document, DECLINED, event)
        return await self.get(branch, duo_id)

    async def reconsider(self, participant_id: str) -> None:
        """After a correction: withdraw, with the reason, each open proposal of this person that no longer fits.
        A duo already formed is left to the coordinators' own conversation."""
        for document in await self.proposals.proposed_with(participant_id):
            await self._reconsider(document["branch"], document["_id"])

    @retried_on_conflict
    async def _reconsider(self, branch: str, duo_id: str) -> None:
        document = await self.get(branch, duo_id)
        proposal = _proposal(document)
        mentee, mentor = (await self.pool.get(branch, proposal.mentee_id), await self.pool.get(branch, proposal.mentor_id))
        if proposal.status != "proposed" or not _scorable(mentee) or not _scorable(mentor):
            return
        weights, _ = await self._rules(branch)
        reason = misfit(mentee_from_facts(mentee), mentor_from_facts(mentor, 1), weights, self.minimum_score)
        if reason is None:
            return
        proposal.withdraw()
        code, words = reason
        event = new_envelope(ProposalWithdrawn(duo_id=duo_id, mentee_id=proposal.mentee_id,
                                               mentor_id=proposal.mentor_id, reason_code=code, reason=words),
                             branch=branch, subject=duo_id)
        await self.proposals.change(document, {"$set": {"status": "withdrawn", "withdrawn_reason": words,
                                                        "withdrawn_reason_code": code}}, event)

    async def get(self, branch: str, duo_id: str) -> dict[str, Any]:
        document = await self.proposals.get(branch, duo_id)
        if document is None:
            raise NotFound("proposal")
        return document


def _proposal(document: dict[str, Any]) -> Proposal:
    return Proposal(duo_id=document["_id"], mentee_id=document["mentee_id"], mentor_id=document["mentor_id"],
                    status=document["status"], proposed_on=date.fromisoformat(document["proposed_on"]))


def _scorable(pool_record: dict[str, Any] | None) -> bool:
    return bool(pool_record) and pool_record.get("status") != "erased" and "languages" in pool_record
