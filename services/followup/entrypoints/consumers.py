"""What followup does with the events it hears: start duos, keep the facts the figures count."""
from __future__ import annotations

from shared.events import Envelope, topics
from shared.events.intake import MenteeRegistered, MentorRegistered, MentorTrained, ParticipantErased
from shared.events.matching import DuoFormed
from shared.messaging.consumer import EventConsumer
from shared.messaging.write_batch import deferrable
from services.followup.adapters.duos import DuoRepository
from services.followup.adapters.participant_facts import ParticipantFacts
from services.followup.domain.recorded_facts import surrogate_for
from services.followup.use_cases import FollowUp

class DuoStarter:
    def __init__(self, followup: FollowUp, duos: DuoRepository, facts: ParticipantFacts) -> None:
        self.followup, self.duos, self.facts = followup, duos, facts

    def subscribe(self, consumer: EventConsumer) -> None:
        consumer.subscribe(topics.DUOS, {"duo-formed": self.on_duo_formed})
        consumer.subscribe(topics.PARTICIPANTS, {
            "mentee-registered": self.on_mentee_registered, "mentor-registered": self.on_mentor_registered,
            "mentor-trained": self.on_mentor_trained, "participant-erased": self.on_erased})

    async def on_duo_formed(self, envelope: Envelope, formed: DuoFormed) -> None:
        await self.followup.start_duo(envelope.branch, formed.duo_id, formed.mentee_id, formed.mentor_id,
                                      formed.started_on)

    @deferrable
    async def on_mentee_registered(self, envelope: Envelope, mentee: MenteeRegistered) -> None:
        await self.facts.record(mentee.mentee_id, str(envelope.id), {
            "branch": envelope.branch, "role": "mentee", "registered_on": mentee.registered_on.isoformat()},
            envelope.branch)

    @deferrable
    async def on_mentor_registered(self, envelope: Envelope, mentor: MentorRegistered) -> None:
        await self.facts.record(mentor.mentor_id, str(envelope.id), {
            "branch": envelope.branch, "role": "mentor", "registered_on": mentor.registered_on.isoformat()},
            envelope.branch)

    @deferrable
    async def on_mentor_trained(self, envelope: Envelope, trained: MentorTrained) -> None:
        await self.facts.record(trained.mentor_id, str(envelope.id), {"trained_on": trained.completed_on.isoformat()},
                                envelope.branch)

    async def on_erased(self, envelope: Envelope, erased: ParticipantErased) -> None:
        surrogate = surrogate_for(str(envelope.id))
        await self.facts.pseudonymise(erased.participant_id, surrogate)
        await self.duos.replace_participant(erased.participant_id, surrogate, envelope.branch)
