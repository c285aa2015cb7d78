"""A handler fails in the middle of a batch (FastStream has skipped a failed message
once a later one committed). A failure shorter than the attempts is retried until applied, never
skipped, and no offset is committed past it meanwhile; a failure that outlasts the attempts sends
the message to the dead-letter topic, and the others still apply."""
from __future__ import annotations

from shared.events import Envelope, topics
from shared.messaging.topics_admin import ensure_topics
from tests.integration.shared.kit import (TOPIC, VIEW, ViewConsumer, all_committed, check_view, committed_offsets,
                                          make_settings, publish_envelopes, read_to_end, record_of,
                                          session_event, view_counts)
from tests.suite import eventually

DUOS, PER_DUO = 6, 8  # 48 events, several duos per partition
FAILING = ("duo-002", 3)  # this duo's 3rd session fails


class Flaky:
    """Fails the handler for one event `failures` times, noting the committed offsets each time."""

    def __init__(self, bootstrap: str, group: str, topic: str, target: Envelope, failures: int) -> None:
        self.bootstrap, self.group, self.topic = bootstrap, group, topic
        self.target, self.failures = str(target.id), failures
        self.committed_while_failing: list[dict[int, int]] = []

    async def __call__(self, envelope: Envelope, attempt: int) -> None:
        if str(envelope.id) == self.target and attempt <= self.failures:
            self.committed_while_failing.append(await committed_offsets(self.bootstrap, self.group, self.topic))
            raise RuntimeError(f"the view is busy (attempt {attempt})")


async def run(kafka_bootstrap, mongo_url, fresh_db_name, prefix, service: str, failures: int):
    settings = make_settings(kafka_bootstrap, mongo_url, fresh_db_name, prefix, service=service)
    assert settings.handler_attempts == 3
    topic = prefix + TOPIC
    await ensure_topics(kafka_bootstrap, settings.topic_partitions, prefix)
    sent = [session_event(f"duo-{d:03d}", n) for n in range(1, PER_DUO + 1) for d in range(DUOS)]
    target = next(e for e in sent if (e.subject, int(e.data["session_id"][-4:])) == FAILING)
    metadata = await publish_envelopes(kafka_bootstrap, topic, [record_of(e) for e in sent])
    position = {str(e.id): (meta.partition, meta.offset) for e, meta in zip(sent, metadata)}
    group = f"{prefix}duo-{service}"
    flaky = Flaky(kafka_bootstrap, group, topic, target, failures)
    consumer = ViewConsumer(settings, trouble=flaky)
    await consumer.start()
    try:
        await eventually(lambda: all_committed(kafka_bootstrap, group, topic), timeout=120,
                         what="the consumer to commit every offset")
    finally:
        await consumer.stop()
    return sent, target, position, flaky, consumer


async def test_a_handler_failing_fewer_times_than_the_attempts_is_retried_and_never_skipped(
        kafka_bootstrap, mongo_url, mongo, fresh_db_name, prefix):
    failures = 2  # < 3 attempts
    sent, target, position, flaky, consumer = await run(kafka_bootstrap, mongo_url, fresh_db_name, prefix,
                                                        "transient", failures)
    target_id = str(target.id)
    partition, offset = position[target_id]
    in_view, wrong_duos = check_view(await view_counts(mongo[fresh_db_name][VIEW]), sent)
    dead = await read_to_end(kafka_bootstrap, prefix + topics.DEAD_LETTERS)
    later_same_partition = [i for i, (p, o) in position.items() if p == partition and o > offset]
    applied_before_target = [i for i in later_same_partition
                             if consumer.applied.index(i) < consumer.applied.index(target_id)]
    committed_past = [c for c in flaky.committed_while_failing if c.get(partition, 0) > offset]
    print(f"\n[transient failure] sent={len(sent)} failures={failures} attempts_on_target={consumer.attempts[target_id]} "
          f"applied={len(consumer.applied)} in_view={in_view} lost={len(sent) - in_view} "
          f"duplicates={len(consumer.applied) - len(set(consumer.applied))} dead_lettered={len(dead)} "
          f"later_applied_first={len(applied_before_target)} commits_past_target_while_failing={len(committed_past)} "
          f"committed_while_failing={[c.get(partition) for c in flaky.committed_while_failing]} target_offset={offset}")
    assert consumer.attempts[target_id] == failures + 1
    assert target_id in consumer.applied, "the failing message was skipped"
    assert in_view == len(sent) and wrong_duos == []
    assert len(consumer.applied) == len(set(consumer.applied)) == len(sent)
    assert dead == []
    assert later_same_partition, "the failing message must have successors in its partition"
    assert applied_before_target == [], "a later message of the partition overtook the failing one"
    assert len(flaky.committed_while_failing) == failures
    assert committed_past == [], "an offset was committed past the failing message"


async def test_a_handler_failing_past_the_attempts_dead_letters_that_message_and_the_rest_applies(
        kafka_bootstrap, mongo_url, mongo, fresh_db_name, prefix):
    failures = 1000  # outlasts the 3 attempts
    sent, target, position, flaky, consumer = await run(kafka_bootstrap, mongo_url, fresh_db_name, prefix,
                                                        "persistent", failures)
    target_id = str(target.id)
    partition, offset = position[target_id]
    others = [e for e in sent if str(e.id) != target_id]
    docs = await view_counts(mongo[fresh_db_name][VIEW])
    in_view = sum(doc.get("applied", 0) for doc in docs.values())
    dead = await read_to_end(kafka_bootstrap, prefix + topics.DEAD_LETTERS)
    committed_past = [c for c in flaky.committed_while_failing if c.get(partition, 0) > offset]
    print(f"\n[persistent failure] sent={len(sent)} attempts_on_target={consumer.attempts[target_id]} "
          f"applied={len(consumer.applied)} in_view={in_view} lost={len(others) - len(set(consumer.applied))} "
          f"dead_lettered={len(dead)} commits_past_target_while_failing={len(committed_past)}")
    assert consumer.attempts[target_id] == 3
    assert target_id not in consumer.applied
    assert sorted(consumer.applied) == sorted(str(e.id) for e in others), "every other message applies once"
    assert in_view == len(others)
    # The failing duo's later sessions still apply, in order, without the dead-lettered one.
    duo = target.subject
    assert docs[duo]["sessions"] == [e.data["session_id"] for e in others if e.subject == duo]
    assert len(dead) == 1
    record = dead[0]
    headers = {k: v.decode() for k, v in record.headers}
    assert record.value == target.to_bytes() and record.key == duo.encode()
    assert headers["dead-letter-reason"] == "session-logged handler failed 3 times: RuntimeError"
    assert (int(headers["original-partition"]), int(headers["original-offset"])) == (partition, offset)
    assert headers["event-id"] == target_id, "the original headers travel with the dead letter"
    assert committed_past == []


async def test_a_message_that_cannot_even_be_parked_is_delivered_again_not_skipped(
        kafka_bootstrap, mongo_url, mongo, fresh_db_name, prefix, monkeypatch):
    """The handler keeps failing and the first try to park it fails too (the handler then raises
    to FastStream, which nacks): the message comes again and is parked then; nothing is skipped."""
    from shared.messaging.dead_letters import DeadLetters

    park = DeadLetters.park
    refused: list[int] = []

    async def park_refused_once(self, record, reason, group):
        if not refused:
            refused.append(record.offset)
            raise ConnectionError("dead-letter topic unreachable")
        await park(self, record, reason, group)

    monkeypatch.setattr(DeadLetters, "park", park_refused_once)
    sent, target, position, flaky, consumer = await run(kafka_bootstrap, mongo_url, fresh_db_name, prefix,
                                                        "unparkable", 1000)
    target_id = str(target.id)
    partition, offset = position[target_id]
    dead = await read_to_end(kafka_bootstrap, prefix + topics.DEAD_LETTERS)
    committed_past = [c for c in flaky.committed_while_failing if c.get(partition, 0) > offset]
    others = sorted(str(e.id) for e in sent if str(e.id) != target_id)
    print(f"\n[unparkable failure] sent={len(sent)} attempts_on_target={consumer.attempts[target_id]} "
          f"park_refused={len(refused)} applied={len(consumer.applied)} "
          f"lost={len(set(others) - set(consumer.applied))} dead_lettered={len(dead)} "
          f"commits_past_target_while_failing={len(committed_past)}")
    assert refused == [offset]
    assert consumer.attempts[target_id] == 6, "delivered again after the failed parking: 2 x 3 attempts"
    assert sorted(consumer.applied) == others
    assert [r.value for r in dead] == [target.to_bytes()]
    assert committed_past == []
