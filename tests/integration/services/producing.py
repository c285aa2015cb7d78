"""Feed a service in-process the events another service would publish, and know when it has applied them.

`Feed` produces envelopes to the run's prefixed topics exactly as a publishing service does
(key = subject, the envelope's headers, an idempotent producer), plus tombstones for the
compacted contacts topic. `Feed.settled(service)` waits until the service's consumer group
has committed every record fed so far: the offset is committed only after the handler's
MongoDB write (docs/architecture.md), so a settled group has applied, or deliberately ignored,
everything it was given. That is how a test knows a redelivery was seen, not a sleep.
"""
from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.events import Envelope, new_envelope, spec_for
from shared.events.branches import BranchOpened
from tests.suite import eventually


def branch_opened(branch: str, **changes) -> Envelope:
    """The branch-opened event intake publishes for one of its initial branches, with `changes` to its rules."""
    from services.intake.adapters.branches import initial_branches

    initial = initial_branches()
    return new_envelope(BranchOpened(rules_version=1, effective_from=initial.effective_from,
                                     rules={**initial.branches[branch], **changes}), branch=branch, subject=branch)


async def service_connected(app, timeout: float = 60.0) -> None:
    """Wait until the app's runtime created its topics and started its broker."""
    await asyncio.wait_for(app.state.runtime.kafka_connected.wait(), timeout)


class Feed:
    def __init__(self, bootstrap: str, prefix: str) -> None:
        self.bootstrap, self.prefix = bootstrap, prefix
        self.fed: set[str] = set()  # prefixed topics written to
        self._producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")

    async def __aenter__(self) -> "Feed":
        await self._producer.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self._producer.stop()

    async def send(self, *envelopes: Envelope) -> None:
        """Produce each envelope to its catalogued topic, keyed by its subject, in order."""
        for envelope in envelopes:
            topic = self.prefix + spec_for(envelope.type).topic
            await self._producer.send_and_wait(
                topic, key=envelope.subject.encode(), value=envelope.to_bytes(),
                headers=[(k, v.encode()) for k, v in envelope.headers().items()])
            self.fed.add(topic)

    async def tombstone(self, topic: str, key: str) -> None:
        """A record with a key and no value: on a compacted topic, 'forget this key'."""
        await self._producer.send_and_wait(self.prefix + topic, key=key.encode(), value=None)
        self.fed.add(self.prefix + topic)

    async def settled(self, service: str, timeout: float = 60.0) -> None:
        """Wait until `service`'s consumer group committed every record fed so far."""
        group = f"{self.prefix}duo-{service}"
        await eventually(lambda: committed_everything(self.bootstrap, group, self.fed), timeout=timeout,
                         what=f"{group} to commit every record fed to {sorted(self.fed)}")


async def committed_everything(bootstrap: str, group: str, topics: Iterable[str]) -> bool:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await consumer.start()
    await admin.start()
    try:
        described = await admin.describe_topics(sorted(topics))
        partitions = [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]
        if {tp.topic for tp in partitions} != set(topics):
            return False  # metadata not there yet: never report an unknown topic as consumed
        ends = await consumer.end_offsets(partitions)
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await consumer.stop()
        await admin.close()
    for tp, end in ends.items():
        if end == 0:
            continue
        done = committed.get(tp)
        if done is None or done.offset < end:
            return False
    return True
