"""Read topics from the beginning as an outside subscriber would (a CRM, a data warehouse)."""
from __future__ import annotations

import asyncio
import uuid

from aiokafka import AIOKafkaConsumer

from shared.events import Envelope


async def read_topics(bootstrap: str, topics: list[str], *, until, timeout: float = 60.0) -> list:
    """Records of `topics` from the start, until `until(records)` holds or `timeout` s passed."""
    consumer = AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap, group_id=f"outside-{uuid.uuid4().hex[:8]}",
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    records: list = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline and not until(records):
            batch = await consumer.getmany(timeout_ms=300)
            records.extend(r for part in batch.values() for r in part)
    finally:
        await consumer.stop()
    return records


def envelopes(records) -> list[Envelope]:
    return [Envelope.from_bytes(r.value) for r in records if r.value is not None]


def types(records) -> list[str]:
    return [e.type for e in envelopes(records)]
