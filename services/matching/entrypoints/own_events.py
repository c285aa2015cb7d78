"""Matching's own decisions, read back from its own events: how a rebuilt view gets its proposals and
rounds without deciding them again (a round's assignment depends on the pool at that moment)."""
from __future__ import annotations

from shared.events import Envelope, topics
from shared.events.matching import (DuoFormed, DuoProposed, ProposalDeclined, ProposalRoundCompleted,
                                   ProposalWithdrawn)
from services.matching.adapters.pool import PoolView
from services.matching.adapters.proposals import DECLINED, ERASED, ProposalRepository, formed, proposed_document
from services.matching.adapters.rounds import RoundRecords, round_document


class OwnDecisions:
    def __init__(self, pool: PoolView, proposals: ProposalRepository, rounds: RoundRecords) -> None:
        self.pool, self.proposals, self.rounds = pool, proposals, rounds

    def subscribe(self, consumer) -> None:
        consumer.subscribe(topics.DUOS, {
            "duo-proposed": self.on_proposed, "duo-formed": self.on_formed, "proposal-declined": self.on_declined,
            "proposal-round-completed": self.on_round_completed, "proposal-withdrawn": self.on_withdrawn})

    async def on_proposed(self, envelope: Envelope, proposed: DuoProposed) -> None:
        document = proposed_document(envelope, proposed)
        # A round decided while the person's erasure was on its way: live, the erasure then rewrote it.
        for role in ("mentee_id", "mentor_id"):
            if await self.pool.is_erased(document[role]):
                document[role] = ERASED
        await self.proposals.insert_once({**document, "version": 1})

    async def on_formed(self, envelope: Envelope, duo: DuoFormed) -> None:
        await self.proposals.apply(duo.duo_id, {**formed(duo.started_on), "$inc": {"version": 1}})

    async def on_declined(self, envelope: Envelope, declined: ProposalDeclined) -> None:
        await self.proposals.apply(declined.duo_id, {**DECLINED, "$inc": {"version": 1}})

    async def on_withdrawn(self, envelope: Envelope, withdrawn: ProposalWithdrawn) -> None:
        """A withdrawal decided after a correction, taken back as decided, not reconsidered."""
        await self.proposals.apply(withdrawn.duo_id, {"$set": {
            "status": "withdrawn", "withdrawn_reason": withdrawn.reason, "withdrawn_reason_code": withdrawn.reason_code},
            "$inc": {"version": 1}})

    async def on_round_completed(self, envelope: Envelope, completed: ProposalRoundCompleted) -> None:
        await self.rounds.replay({**round_document(envelope, completed), "version": 1})
