"""Keep the contacts topic's erasure bound on quiet partitions (see shared/messaging/retention.py).

Kafka closes a segment only when a record is appended after `segment.ms`, and its cleaner never
touches the open segment: on a partition nobody writes to, an erased person's old contact
records would wait for the next registration. Every contact_roll_ms this appends, to each
partition, a tombstone under a key no participant has; it carries nothing and compaction
removes it like any other tombstone.
"""
from __future__ import annotations

from faststream.kafka import KafkaBroker

ROLL_KEY = "segment-roll"  # participant ids are UUIDs: this key is nobody's


class ContactSegmentRoller:
    def __init__(self, broker: KafkaBroker, topic: str, partitions: int) -> None:
        self.broker, self.topic, self.partitions = broker, topic, partitions

    async def __call__(self) -> None:
        for partition in range(self.partitions):
            await self.broker.publish(None, self.topic, key=ROLL_KEY.encode(), partition=partition,
                                      headers={"tombstone": "true", "purpose": "segment-roll"})
