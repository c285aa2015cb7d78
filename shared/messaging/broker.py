"""The one place a service's Kafka broker is built, with the suite's delivery guarantees.

- producer: idempotent, acks=all (aiokafka's defaults are acks=1 and no idempotence);
- consumers: offsets committed only after the handler finished (never auto-commit first).
"""
from __future__ import annotations

import asyncio
import logging
from weakref import WeakKeyDictionary

from aiokafka.errors import InvalidProducerEpoch, OutOfOrderSequenceNumber, ProducerFenced, UnknownProducerId
from faststream import AckPolicy
from faststream.kafka import KafkaBroker

from shared.messaging.kafka_internals import connect_new_producer, disconnect_producer, has_producer, producer_in_use
from shared.settings import ServiceSettings

ACK_POLICY = AckPolicy.NACK_ON_ERROR
# Refusals that mean the idempotent producer's own state is wrong: retrying with it never helps.
PRODUCER_STATE_ERRORS = (OutOfOrderSequenceNumber, UnknownProducerId, InvalidProducerEpoch, ProducerFenced)

log = logging.getLogger(__name__)
_renewing: "WeakKeyDictionary[KafkaBroker, asyncio.Lock]" = WeakKeyDictionary()


def make_broker(settings: ServiceSettings) -> KafkaBroker:
    return KafkaBroker(
        settings.kafka_bootstrap,
        client_id=f"duo-{settings.service_name}",
        enable_idempotence=True,
        acks="all",
        ack_policy=ACK_POLICY,
        request_timeout_ms=10_000,
        # Between attempts to reach a broker that does not answer: aiokafka's 100 ms default
        # makes every client of the process (producer, consumers, coordinator) retry ten times
        # a second during an outage; 500 ms still notices Kafka's return within a second.
        retry_backoff_ms=500,
        logger=logging.getLogger(f"faststream.{settings.service_name}"),
        log_level=logging.DEBUG,
        description=f"DUO suite: {settings.service_name} service",
    )


async def renew_producer_if_broken(broker: KafkaBroker, error: BaseException,
                                   failed_producer: object | None = None) -> bool:
    """After a failed publish: replace the producer when it can never succeed again; True if replaced.

    aiokafka's idempotent producer fails a batch that found no partition leader for
    request_timeout_ms (a Kafka outage) but keeps the sequence numbers it had given it. Once
    Kafka is back, every send to that partition is refused with OutOfOrderSequenceNumber,
    forever. Only a new producer (a new producer id, sequences from 0) recovers; the refused
    events were not written, so publishing them again creates no duplicate.
    `failed_producer` (from producer_in_use at send time): when a batch in flight fails at
    once, the first failure renews and the others find the producer already replaced.
    """
    if not broker.running or (has_producer(broker) and not isinstance(error, PRODUCER_STATE_ERRORS)):
        return False
    lock = _renewing.setdefault(broker, asyncio.Lock())
    async with lock:
        if failed_producer is not None and producer_in_use(broker) is not failed_producer:
            return False
        log.warning("renewing the Kafka producer", extra={"error": type(error).__name__})
        try:
            await asyncio.wait_for(disconnect_producer(broker), timeout=10)
        except Exception as stop_error:  # the old one is abandoned either way
            log.warning("the old Kafka producer did not stop cleanly", extra={"error": type(stop_error).__name__})
        # If Kafka is unreachable now this raises; the broker stays without a producer and the
        # next failed publish tries again.
        await connect_new_producer(broker)
    return True
