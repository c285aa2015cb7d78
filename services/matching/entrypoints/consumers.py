"""What matching does with the events it hears: keep the branch pools, free people when a duo ends."""
from __future__ import annotations

from shared.events import Envelope, topics
from shared.events.followup import DuoEnded
from shared.events.intake import (MenteeRegistered, MentorRegistered, MentorTrained, ParticipantErased,
                                  ParticipantProfileChanged, ParticipantWithdrawn)
from shared.messaging.consumer import EventConsumer
from shared.messaging.write_batch import deferrable
from services.matching.adapters.pool import PoolView
from services.matching.adapters.proposals import ProposalRepository
from services.matching.use_cases import Matching


class PoolKeeper:
    def __init__(self, pool: PoolView, proposals: ProposalRepository, matching: Matching | None) -> None:
        self.pool, self.proposals, self.matching = pool, proposals, matching

    def subscribe(self, consumer: EventConsumer) -> None:
        consumer.subscribe(topics.PARTICIPANTS, {
            "mentee-registered": self.on_mentee_registered, "mentor-registered": self.on_mentor_registered,
            "mentor-trained": self.on_mentor_trained, "participant-withdrawn": self.on_withdrawn,
            "participant-erased": self.on_erased, "participant-profile-changed": self.on_profile_changed})
        consumer.subscribe(topics.DUOS, {"duo-ended": self.on_duo_ended})

    @deferrable
    async def on_mentee_registered(self, envelope: Envelope, mentee: MenteeRegistered) -> None:
        facts = mentee.model_dump(mode="json", exclude={"mentee_id", "age_band"})
        await self.pool.register(mentee.mentee_id, str(envelope.id), "mentee", {"branch": envelope.branch, **facts})

    @deferrable
    async def on_mentor_registered(self, envelope: Envelope, mentor: MentorRegistered) -> None:
        facts = mentor.model_dump(mode="json", exclude={"mentor_id", "age_band"})
        await self.pool.register(mentor.mentor_id, str(envelope.id), "mentor", {"branch": envelope.branch, **facts})

    @deferrable
    async def on_mentor_trained(self, envelope: Envelope, trained: MentorTrained) -> None:
        await self.pool.set(trained.mentor_id, str(envelope.id), {"branch": envelope.branch, "trained": True})

    async def on_profile_changed(self, envelope: Envelope, changed: ParticipantProfileChanged) -> None:
        facts = changed.model_dump(mode="json", exclude={"participant_id", "role", "changed"}, exclude_none=True)
        await self.pool.set(changed.participant_id, str(envelope.id), facts)
        # Outside apply_once on purpose: a redelivery finds the same proposals already withdrawn.
        if self.matching is not None:
            await self.matching.reconsider(changed.participant_id)

    @deferrable
    async def on_withdrawn(self, envelope: Envelope, withdrawn: ParticipantWithdrawn) -> None:
        await self.pool.set(withdrawn.participant_id, str(envelope.id), {"status": "withdrawn"})

    async def on_erased(self, envelope: Envelope, erased: ParticipantErased) -> None:
        await self.pool.erase(erased.participant_id, str(envelope.id))
        await self.proposals.forget_participant(erased.participant_id)

    async def on_duo_ended(self, envelope: Envelope, ended: DuoEnded) -> None:
        await self.proposals.mark_ended(ended.duo_id, str(envelope.id), {"ended_on": ended.ended_on.isoformat()})
        if not ended.mentee_returns_to_pool:
            # The mentee's path in the programme ends with this duo; they wait for no one else.
            await self.pool.set(ended.mentee_id, str(envelope.id), {"status": "done"})
