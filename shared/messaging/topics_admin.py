"""Create the suite's topics with their partition counts (and compaction) before use."""
from __future__ import annotations

import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from shared.events import topics

log = logging.getLogger(__name__)


async def ensure_topics(bootstrap: str, partitions: int, prefix: str = "", names=topics.ALL) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                prefix + name,
                num_partitions=partitions,
                replication_factor=1,
                topic_configs={"cleanup.policy": "compact"} if name in topics.COMPACTED else {},
            )
            for name in names
            if prefix + name not in existing
        ]
        if missing:
            try:
                await admin.create_topics(missing)
            except Exception as error:  # another service created it first: fine
                if "TopicAlreadyExists" not in type(error).__name__ + str(error):
                    raise
            log.info("topics created", extra={"topics": [t.name for t in missing]})
    finally:
        await admin.close()
