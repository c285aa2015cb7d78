"""Read topics from their first offset to the end they had when reading began: the recorded log.

No consumer group (nothing is committed, nobody else's position moves) and no database.
`progress(read, total)` is called as records come in.
"""
from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.messaging.log_reader import log_reader


async def read_log(bootstrap: str, topic_names: list[str],
                   progress: Callable[[int, int], None] = lambda read, total: None) -> AsyncIterator:
    consumer = log_reader(bootstrap, f"duo-log-reader-{uuid.uuid4().hex[:8]}")
    await consumer.start()
    try:
        partitions = await _partitions(bootstrap, topic_names)
        if not partitions:  # nothing recorded yet
            progress(0, 0)
            return
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        first = await consumer.beginning_offsets(partitions)
        end = await consumer.end_offsets(partitions)
        left = {tp for tp in partitions if end[tp] > first[tp]}
        total, read = sum(end[tp] - first[tp] for tp in partitions), 0
        progress(read, total)
        while left:
            batch = await consumer.getmany(*left, timeout_ms=500)
            for tp, records in batch.items():
                for record in records:
                    if record.offset < end[tp]:
                        read += 1
                        yield record
                if await consumer.position(tp) >= end[tp]:
                    left.discard(tp)
            progress(read, total)
    finally:
        await consumer.stop()


async def _partitions(bootstrap: str, topic_names: list[str]) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        # Only topics that exist: aiokafka's describe_topics asks with allow_auto_topic_creation=True,
        # so describing a missing topic would create it, with the broker's default retention.
        existing = set(await admin.list_topics())
        described = await admin.describe_topics([t for t in topic_names if t in existing]) if existing else []
    finally:
        await admin.close()
    return sorted(TopicPartition(t["topic"], p["partition"]) for t in described if not t["error_code"]
                  for p in t["partitions"])
