"""Poison messages (bytes that are no envelope, an envelope whose payload breaks its schema, a
version the catalog does not know) land in the dead-letter topic with their reason and their
original bytes; the messages after them are still applied (docs/architecture.md)."""
from __future__ import annotations

import json

from shared.events import topics
from shared.messaging.topics_admin import ensure_topics
from tests.integration.shared.kit import (TOPIC, VIEW, ViewConsumer, all_committed, check_view, make_settings,
                                          publish_envelopes, read_to_end, record_of, session_event, view_counts)
from tests.suite import eventually

KEY = "duo-poisoned"
PERSONAL = "alice.dupont@example.org"


def invalid_payload() -> tuple[bytes, bytes, list]:
    wire = json.loads(session_event(KEY, 99).to_bytes())
    wire["data"] = {"duo_id": KEY, "session_id": PERSONAL, "hours": -1}  # held_on missing, hours <= 0
    return KEY.encode(), json.dumps(wire).encode(), [("event-type", b"session-logged")]


def unknown_version() -> tuple[bytes, bytes, list]:
    wire = json.loads(session_event(KEY, 98).to_bytes())
    wire["version"] = 99
    return KEY.encode(), json.dumps(wire).encode(), [("event-type", b"session-logged")]


async def test_poison_goes_to_dead_letters_with_reason_and_original_bytes_and_the_rest_applies(
        kafka_bootstrap, mongo_url, mongo, fresh_db_name, prefix):
    settings = make_settings(kafka_bootstrap, mongo_url, fresh_db_name, prefix, service="poison")
    await ensure_topics(kafka_bootstrap, settings.topic_partitions, prefix)
    good = [session_event(KEY, n) for n in range(1, 5)] + [session_event("duo-healthy", n) for n in range(1, 4)]
    poison = {
        "not an envelope": (KEY.encode(), b"\x00\x9f{ this is not an envelope", [("event-type", b"?")]),
        "invalid payload": invalid_payload(),
        "unknown version": unknown_version(),
    }
    # One key, one partition: each poison message sits between good ones.
    messages = [record_of(good[0]), poison["not an envelope"], record_of(good[1]), poison["invalid payload"],
                record_of(good[2]), poison["unknown version"], record_of(good[3])] + [record_of(e) for e in good[4:]]
    metadata = await publish_envelopes(kafka_bootstrap, prefix + TOPIC, messages)
    offset_of = {value: (meta.partition, meta.offset) for (_, value, _), meta in zip(messages, metadata)}

    consumer = ViewConsumer(settings)
    await consumer.start()
    try:
        await eventually(lambda: all_committed(kafka_bootstrap, consumer.runtime.consumer.group_id, prefix + TOPIC),
                         timeout=120, what="the consumer to get past every message")
    finally:
        await consumer.stop()

    dead = await read_to_end(kafka_bootstrap, prefix + topics.DEAD_LETTERS)
    by_value = {record.value: record for record in dead}
    in_view, wrong_duos = check_view(await view_counts(mongo[fresh_db_name][VIEW]), good)
    print(f"\n[poison] sent={len(messages)} good={len(good)} poison={len(poison)} dead_lettered={len(dead)} "
          f"applied={len(consumer.applied)} in_view={in_view} lost={len(good) - in_view} "
          f"repeats={len(consumer.repeats)} wrong_duos={len(wrong_duos)}")
    for record in dead:
        headers = {k: v.decode() for k, v in record.headers}
        print(f"[poison] dead letter at {headers['original-partition']}/{headers['original-offset']}: "
              f"{headers['dead-letter-reason']}")

    assert in_view == len(good) and wrong_duos == [], "every good message is applied once, in order"
    assert len(consumer.applied) == len(good) and consumer.repeats == []
    assert len(dead) == len(poison)
    expected_reasons = {"not an envelope": "unparseable envelope",
                        "invalid payload": "invalid session-logged payload",
                        "unknown version": "version 99 is not known"}
    for how, (key, value, _) in poison.items():
        assert value in by_value, f"the {how} message is not in the dead-letter topic with its original bytes"
        record = by_value[value]
        headers = {k: v.decode() for k, v in record.headers}
        assert record.key == key
        assert expected_reasons[how] in headers["dead-letter-reason"], headers
        assert headers["dead-letter-service"] == "poison"
        assert headers["dead-letter-group"] == consumer.runtime.consumer.group_id
        assert headers["original-topic"] == prefix + TOPIC
        assert (int(headers["original-partition"]), int(headers["original-offset"])) == offset_of[value]
    invalid_reason = {k: v.decode() for k, v in by_value[poison["invalid payload"][1]].headers}["dead-letter-reason"]
    assert "held_on: missing" in invalid_reason and "hours: greater_than" in invalid_reason
    assert PERSONAL not in invalid_reason, "the reason names field and rule, never the input"


async def test_a_tombstone_without_handler_is_skipped_quietly(kafka_bootstrap, mongo_url, mongo, fresh_db_name, prefix):
    """A null value (a tombstone) where no tombstone handler is set: not poison, just nothing to do."""
    settings = make_settings(kafka_bootstrap, mongo_url, fresh_db_name, prefix, service="tombstone")
    await ensure_topics(kafka_bootstrap, settings.topic_partitions, prefix)
    good = [session_event(KEY, 1), session_event(KEY, 2)]
    await publish_envelopes(kafka_bootstrap, prefix + TOPIC,
                            [record_of(good[0]), (KEY.encode(), None, []), record_of(good[1])])
    consumer = ViewConsumer(settings)
    await consumer.start()
    try:
        await eventually(lambda: all_committed(kafka_bootstrap, consumer.runtime.consumer.group_id, prefix + TOPIC),
                         timeout=120, what="the consumer to get past every message")
    finally:
        await consumer.stop()
    dead = await read_to_end(kafka_bootstrap, prefix + topics.DEAD_LETTERS)
    in_view, wrong = check_view(await view_counts(mongo[fresh_db_name][VIEW]), good)
    print(f"\n[tombstone] sent=3 applied={in_view} dead_lettered={len(dead)}")
    assert in_view == 2 and wrong == [] and dead == []
