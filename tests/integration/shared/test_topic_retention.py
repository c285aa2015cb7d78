"""Topics are created with their retention, and an existing topic with wrong configs is corrected
(on the real broker), without losing an override the suite does not own."""
from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from shared.events import topics
from shared.messaging.retention import DAY_MS, HOUR_MS, Retention
from shared.messaging.topics_admin import ensure_topics, topic_overrides
from tests.suite import eventually


async def overrides(bootstrap: str, names: list[str]) -> dict[str, dict[str, str]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return await topic_overrides(admin, names)
    finally:
        await admin.close()


async def test_missing_topics_are_created_with_their_retention(kafka_bootstrap, prefix):
    await ensure_topics(kafka_bootstrap, 3, prefix, retention=Retention(dead_letters_ms=7 * DAY_MS))

    found = await overrides(kafka_bootstrap, [prefix + name for name in topics.ALL])
    for name in (topics.PARTICIPANTS, topics.DUOS, topics.DUO_ACTIVITY, topics.NOTIFICATIONS):
        assert found[prefix + name] == {"cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1"}
    assert found[prefix + topics.DEAD_LETTERS]["retention.ms"] == str(7 * DAY_MS)
    assert found[prefix + topics.PARTICIPANT_CONTACTS] == {
        "cleanup.policy": "compact", "segment.ms": str(6 * HOUR_MS), "max.compaction.lag.ms": str(12 * HOUR_MS),
        "min.compaction.lag.ms": "0", "min.cleanable.dirty.ratio": "0.1", "delete.retention.ms": str(24 * HOUR_MS)}


async def test_existing_topics_with_wrong_configs_are_corrected_and_other_overrides_kept(kafka_bootstrap, prefix):
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:  # as a broker with its defaults (7-day retention, compact only) would have made them
        await admin.create_topics([
            NewTopic(prefix + topics.DUOS, 3, 1, topic_configs={"retention.ms": str(7 * DAY_MS),
                                                                "max.message.bytes": "2000000"}),
            NewTopic(prefix + topics.PARTICIPANT_CONTACTS, 3, 1, topic_configs={"cleanup.policy": "compact"})])
    finally:
        await admin.close()

    async def existing():  # topics long in place, as in a deployment: the broker answers with their configs
        found = await overrides(kafka_bootstrap, [prefix + topics.DUOS])
        return found[prefix + topics.DUOS].get("max.message.bytes") == "2000000"
    await eventually(existing, timeout=30, what="the wrongly configured topics in place")

    await ensure_topics(kafka_bootstrap, 3, prefix, retention=Retention(erasure_bound_ms=2 * HOUR_MS))

    async def corrected():  # the broker applies a change through its controller: it shows a moment later
        found = await overrides(kafka_bootstrap, [prefix + topics.DUOS, prefix + topics.PARTICIPANT_CONTACTS])
        done = (found[prefix + topics.DUOS].get("retention.ms") == "-1"
                and found[prefix + topics.PARTICIPANT_CONTACTS].get("segment.ms") == str(HOUR_MS // 2))
        return found if done else None
    found = await eventually(corrected, timeout=30, what="the corrected retention of duo.duos")
    assert found[prefix + topics.DUOS]["max.message.bytes"] == "2000000", "an operator's override was lost"
    contacts = found[prefix + topics.PARTICIPANT_CONTACTS]
    assert (contacts["segment.ms"], contacts["max.compaction.lag.ms"], contacts["delete.retention.ms"]) == (
        str(HOUR_MS // 2), str(HOUR_MS), str(2 * HOUR_MS))
