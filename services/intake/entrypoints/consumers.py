"""What intake hears: when a mentee's duo formed (for the fairness audit), and every branch event (for the
rules each process keeps in memory)."""
from __future__ import annotations

import logging

from faststream import AckPolicy
from faststream.kafka.annotations import KafkaMessage
from pydantic import ValidationError

from shared.events import Envelope, parse_payload, topics
from shared.events.branches import BranchClosed, BranchOpened, BranchRulesChanged
from shared.events.catalog import UnknownEvent
from shared.events.intake import ParticipantErased
from shared.events.matching import DuoFormed
from shared.messaging.consumer import EventConsumer
from shared.messaging.write_batch import deferrable
from services.intake.adapters.first_duos import FirstDuos
from services.intake.branch_use_cases import Branches

log = logging.getLogger(__name__)


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


class BranchEvents:
    """Every intake process hears every branch event, from the topic's start, outside the consumer group:
    the group would give each event to one process only, and each keeps its own copy of the rules. Nothing
    is committed (a restart loads the branches from the database and hears them all again, harmlessly)."""

    def __init__(self, branches: Branches) -> None:
        self.branches = branches

    def subscribe(self, broker, topic_prefix: str) -> None:
        async def on_message(msg: KafkaMessage) -> None:
            await self.process(msg.raw_message)

        on_message.__name__ = "intake_process_hears_duo_branches"
        broker.subscriber(topic_prefix + topics.BRANCHES, group_id=None, auto_offset_reset="earliest",
                          ack_policy=AckPolicy.MANUAL, title=f"{topics.BRANCHES}:intake-process",
                          description="each intake process updates its copy of the branches' rules")(on_message)

    async def process(self, record) -> None:
        if record.value is None:
            return
        try:
            envelope = Envelope.from_bytes(record.value)
            payload = parse_payload(envelope)
        except (ValidationError, UnknownEvent) as error:  # nothing to learn from it; the database stays right
            log.warning("a branch event this process cannot read", extra={"error": type(error).__name__})
            return
        try:
            if isinstance(payload, BranchClosed):
                await self.branches.heard(envelope.branch, closed=True)
            elif isinstance(payload, (BranchOpened, BranchRulesChanged)):
                await self.branches.heard(envelope.branch, payload.rules_version)
        except Exception as error:  # the branch is read again on its next use
            log.warning("could not read a changed branch", extra={"branch": envelope.branch,
                                                                   "error": type(error).__name__})
