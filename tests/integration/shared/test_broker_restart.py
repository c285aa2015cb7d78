"""Kafka stops while a service is writing: the writes go on (their events wait in the outbox),
and once Kafka is back every event arrives, in order per key (docs/architecture.md).

Delivery is at least once: events in flight when Kafka went away may have been written although
their acknowledgement was lost, and the relay sends them again (after a long outage with a new
producer, so Kafka cannot drop the copy). How many depends on timing, so the test does not
count them; it asserts what the suite promises: nothing lost, every copy the very same event,
order kept per key, and a consumer's view with every event applied exactly once."""
from __future__ import annotations

import asyncio

from shared.runtime import ServiceRuntime
from tests.integration.shared.kit import (COLLECTION, EVENT, TOPIC, VIEW, DuoWriter, ViewConsumer, all_committed,
                                          backlog, check_view, make_settings, read_to_end, tally, view_counts)
from tests.suite import eventually

DUOS = [f"duo-{i:02d}" for i in range(10)]
OUTAGE_SECONDS = 15
ROUNDS_PER_PHASE = 4  # 10 duos x 4 sessions = 40 events per phase


async def write_round(writer: DuoWriter, runtime: ServiceRuntime) -> None:
    for duo in DUOS:
        await writer.log_session(duo)
        runtime.relay.wake()


async def test_writes_go_on_while_kafka_is_down_and_every_event_arrives_once_in_order(
        local_stack, fresh_db_name, prefix):
    settings = make_settings(local_stack.kafka_bootstrap, local_stack.mongo_url, fresh_db_name, prefix,
                             service="restart")
    runtime = ServiceRuntime(settings, publishes=[EVENT], outbox_collections=[COLLECTION])
    writer = DuoWriter(runtime.db[COLLECTION])
    kafka = local_stack.kafka
    await runtime.start()
    try:
        await eventually(lambda: asyncio.sleep(0, runtime.kafka_connected.is_set()), timeout=60,
                         what="the runtime to connect to Kafka")

        # Phase 1: Kafka up. Kafka is stopped right after, with the relay possibly mid-publish.
        for _ in range(ROUNDS_PER_PHASE):
            await write_round(writer, runtime)
        before_stop = len(writer.sent)
        await asyncio.to_thread(kafka.stop)

        # Phase 2: Kafka down. Every write is accepted; its event waits in the outbox.
        for _ in range(ROUNDS_PER_PHASE):
            await write_round(writer, runtime)
        written_while_down = len(writer.sent) - before_stop
        waiting_while_down = await backlog(runtime.db[COLLECTION])
        assert written_while_down == ROUNDS_PER_PHASE * len(DUOS)
        assert waiting_while_down >= written_while_down, "events written while Kafka was down must wait"

        # An outage longer than the producer's request timeout (10 s): waiting sends give up and
        # the relay retries them later, as in a real outage.
        await asyncio.sleep(OUTAGE_SECONDS)
        await asyncio.to_thread(kafka.start)
        await asyncio.to_thread(kafka.wait_ready)

        # Phase 3: Kafka back. New writes and the waiting ones all go out.
        for _ in range(ROUNDS_PER_PHASE):
            await write_round(writer, runtime)
        await eventually(lambda: _drained(runtime), timeout=180, interval=0.5,
                         what="the outbox to drain after Kafka came back")
    finally:
        if not kafka.running:  # never leave the session's broker down for the next test
            await asyncio.to_thread(kafka.start)
            await asyncio.to_thread(kafka.wait_ready)
        await runtime.stop()

    records = await read_to_end(local_stack.kafka_bootstrap, prefix + TOPIC)
    counts = tally(writer.sent, records)  # also checks that every copy is byte-for-byte the event decided

    consumer = ViewConsumer(make_settings(local_stack.kafka_bootstrap, local_stack.mongo_url, fresh_db_name,
                                          prefix, service="restart-view"))
    await consumer.start()
    try:
        await eventually(lambda: all_committed(local_stack.kafka_bootstrap, consumer.runtime.consumer.group_id,
                                               prefix + TOPIC), timeout=120, what="the consumer to commit every offset")
        in_view, wrong_duos = check_view(await view_counts(consumer.runtime.db[VIEW]), writer.sent)
    finally:
        await consumer.stop()
    print("\n" + counts.line("broker restart", written_while_down=written_while_down,
                             waiting_while_down=waiting_while_down, applied=len(consumer.applied),
                             repeats_ignored=len(consumer.repeats), in_view=in_view))
    assert counts.sent == 3 * ROUNDS_PER_PHASE * len(DUOS)
    assert counts.lost == 0, f"lost events: {counts.lost}"
    assert counts.strangers == 0
    assert counts.received == counts.sent + counts.duplicates
    assert counts.out_of_order_keys == [], f"keys out of order: {counts.out_of_order_keys}"
    # Nothing applied twice: each event took effect once, the copies changed nothing.
    assert len(consumer.applied) == len(set(consumer.applied)) == counts.sent
    assert len(consumer.repeats) >= counts.duplicates
    assert in_view == counts.sent and wrong_duos == [], wrong_duos


async def _drained(runtime: ServiceRuntime) -> bool:
    return await backlog(runtime.db[COLLECTION]) == 0
