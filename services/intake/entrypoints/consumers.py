"""What intake hears from other services: only when a mentee's duo formed (for the fairness audit)."""
from __future__ import annotations

from shared.events import Envelope, topics
from shared.events.intake import ParticipantErased
from shared.events.matching import DuoFormed
from shared.messaging.consumer import EventConsumer
from shared.messaging.write_batch import deferrable
from services.intake.adapters.first_duos import FirstDuos


class DuoFacts:
    def __init__(self, first_duos: FirstDuos) -> None:
        self.first_duos = first_duos

    def subscribe(self, consumer: EventConsumer) -> None:
        consumer.subscribe(topics.DUOS, {"duo-formed": self.on_duo_formed})

    def subscribe_own(self, consumer) -> None:
        """For a rebuild: intake's own erasures, which take a mentee out of the audit's first duos."""
        consumer.subscribe(topics.PARTICIPANTS, {"participant-erased": self.on_erased})

    async def on_erased(self, envelope: Envelope, erased: ParticipantErased) -> None:
        await self.first_duos.forget(erased.participant_id)

    @deferrable
    async def on_duo_formed(self, envelope: Envelope, formed: DuoFormed) -> None:
        await self.first_duos.record(formed.mentee_id, str(envelope.id), envelope.branch, formed.started_on)
