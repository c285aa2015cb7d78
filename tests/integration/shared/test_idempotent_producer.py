"""The broker every service builds (make_broker) produces with idempotence on and acks=all, and
the outbox relay publishes through that very producer; consumers never auto-commit. aiokafka's
defaults are acks=1 without idempotence, so this is checked on the live clients."""
from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import OutOfOrderSequenceNumber

from shared.messaging.broker import make_broker, renew_producer_if_broken
from shared.messaging.kafka_internals import kafka_producer, producer_settings
from shared.runtime import ServiceRuntime
from tests.integration.shared.kit import (COLLECTION, EVENT, TOPIC, DuoWriter, backlog, make_settings)
from tests.suite import eventually

ACKS_ALL = -1  # how aiokafka stores acks="all"


def live_producer(broker) -> AIOKafkaProducer:
    """The aiokafka producer behind a started FastStream broker."""
    producer = kafka_producer(broker)
    assert isinstance(producer, AIOKafkaProducer)
    return producer


def describe(producer: AIOKafkaProducer) -> dict:
    manager = producer._txn_manager
    return {"idempotent": manager is not None, "acks": producer._sender._acks,
            "producer_id": manager.producer_id if manager else None}


async def test_make_broker_asks_for_idempotence_and_acks_all(kafka_bootstrap, mongo_url, fresh_db_name, prefix):
    broker = make_broker(make_settings(kafka_bootstrap, mongo_url, fresh_db_name, prefix, service="idem"))
    assert producer_settings(broker)["enable_idempotence"] is True
    assert producer_settings(broker)["acks"] == "all"
    await broker.start()
    try:
        producer = live_producer(broker)
        facts = describe(producer)
        print(f"\n[idempotent producer] make_broker: {facts}")
        assert facts["idempotent"] and facts["acks"] == ACKS_ALL
    finally:
        await broker.stop()


async def test_the_relay_publishes_through_the_idempotent_producer_and_consumers_commit_manually(
        kafka_bootstrap, mongo_url, fresh_db_name, prefix):
    settings = make_settings(kafka_bootstrap, mongo_url, fresh_db_name, prefix, service="idemrelay")
    runtime = ServiceRuntime(settings, publishes=[EVENT], outbox_collections=[COLLECTION])

    async def ignore(envelope, payload) -> None:
        return None

    runtime.consumer.subscribe(TOPIC, {EVENT: ignore})
    writer = DuoWriter(runtime.db[COLLECTION])
    await runtime.start()
    try:
        await eventually(lambda: asyncio.sleep(0, runtime.kafka_connected.is_set()), timeout=60,
                         what="the runtime to connect")
        for n in range(5):
            await writer.log_session("duo-idem")
        runtime.relay.wake()
        await eventually(lambda: _drained(runtime), timeout=60, what="the relay to publish")

        producer = live_producer(runtime.broker)
        facts = describe(producer)
        manager = producer._txn_manager
        partitions = producer._metadata.partitions_for_topic(prefix + TOPIC)
        sequences = {p: manager.sequence_number(TopicPartition(prefix + TOPIC, p)) for p in partitions}
        subscriber = next(iter(runtime.broker.subscribers))
        auto_commit = subscriber.consumer._enable_auto_commit
        print(f"\n[idempotent producer] relay: {facts} sequences={sequences} "
              f"consumer_auto_commit={auto_commit} sent={len(writer.sent)}")
        assert facts["idempotent"] and facts["acks"] == ACKS_ALL
        assert manager.has_pid(), "the broker granted no producer id"
        # The relay's five events went through this producer: its sequence numbers count them.
        assert sum(sequences.values()) == len(writer.sent)
        assert auto_commit is False, "consumers commit after the handler, never automatically first"

        # A producer renewed after an outage is just as strict.
        renewed = await renew_producer_if_broken(runtime.broker, OutOfOrderSequenceNumber())
        fresh = live_producer(runtime.broker)
        fresh_facts = describe(fresh)
        print(f"[idempotent producer] renewed: {fresh_facts}")
        assert renewed and fresh is not producer
        assert fresh_facts["idempotent"] and fresh_facts["acks"] == ACKS_ALL
        await writer.log_session("duo-idem")
        runtime.relay.wake()
        await eventually(lambda: _drained(runtime), timeout=60, what="the relay to publish with the new producer")
        assert fresh._txn_manager.has_pid()
    finally:
        await runtime.stop()


async def _drained(runtime: ServiceRuntime) -> bool:
    return await backlog(runtime.db[COLLECTION]) == 0
