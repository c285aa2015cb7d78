"""Deferrable handlers' updates go to the store as one bulk write per batch of consumed events
(shared/messaging/write_batch.py): every event still applies once and in order, a redelivered
event changes nothing, and an event whose batched update fails is applied again on its own and,
if it keeps failing, dead-lettered while the rest of the batch applies."""
from __future__ import annotations

from shared.events import Envelope, topics
from shared.events.followup import SessionLogged
from shared.messaging.topics_admin import ensure_topics
from shared.messaging.write_batch import deferrable
from shared.runtime import ServiceRuntime
from tests.integration.shared.kit import (TOPIC, VIEW, EVENT, all_committed, apply_session, make_settings,
                                          publish_envelopes, read_to_end, record_of, session_event, view_counts)
from tests.suite import eventually

DUOS, PER_DUO = 4, 10
BROKEN = "duo-003"  # its view document cannot take an $inc: every update of it fails


async def test_a_batch_applies_each_event_once_in_order_and_parks_what_keeps_failing(
        kafka_bootstrap, mongo_url, mongo, fresh_db_name, prefix):
    settings = make_settings(kafka_bootstrap, mongo_url, fresh_db_name, prefix, service="batched")
    await ensure_topics(kafka_bootstrap, settings.topic_partitions, prefix)
    view = mongo[fresh_db_name][VIEW]
    await view.insert_one({"_id": BROKEN, "applied": "not a number", "sessions": []})
    sent = [session_event(f"duo-{d:03d}", n) for n in range(1, PER_DUO + 1) for d in range(DUOS)]
    repeated = [e for e in sent if e.subject == "duo-000"][:5]  # delivered twice, as after a crash
    # Published before the consumer starts, so its first fetch brings them as one or a few batches.
    await publish_envelopes(kafka_bootstrap, prefix + TOPIC, [record_of(e) for e in sent + repeated])

    runtime = ServiceRuntime(settings, publishes=[], outbox_collections=[])
    calls: list[str] = []

    @deferrable
    async def handle(envelope: Envelope, payload: SessionLogged) -> None:
        calls.append(str(envelope.id))
        await apply_session(runtime.db[VIEW], envelope, payload)

    runtime.consumer.subscribe(TOPIC, {EVENT: handle})
    await runtime.start()
    try:
        await eventually(lambda: all_committed(kafka_bootstrap, runtime.consumer.group_id, prefix + TOPIC),
                         timeout=120, what="the consumer to commit every offset")
    finally:
        await runtime.stop()

    views = await view_counts(view)
    healthy = [f"duo-{d:03d}" for d in range(DUOS) if f"duo-{d:03d}" != BROKEN]
    for duo in healthy:
        expected = [e.data["session_id"] for e in sent if e.subject == duo]
        assert views[duo]["applied"] == PER_DUO, (duo, views[duo])
        assert views[duo]["sessions"] == expected, f"{duo}: applied out of order or twice"
    assert views[BROKEN] == {"_id": BROKEN, "applied": "not a number", "sessions": []}
    dead = [r for r in await read_to_end(kafka_bootstrap, prefix + topics.DEAD_LETTERS)
            if r.key == BROKEN.encode()]
    broken_ids = {str(e.id) for e in sent if e.subject == BROKEN}
    assert {Envelope.from_bytes(r.value).id.__str__() for r in dead} == broken_ids
    assert len(dead) == PER_DUO
    # Each broken event: queued once, then on its own until the attempts ran out.
    assert all(calls.count(i) == 1 + settings.handler_attempts for i in broken_ids)
    print(f"\n[batched writes] sent={len(sent)} repeated={len(repeated)} handler_calls={len(calls)} "
          f"dead_lettered={len(dead)}")
