"""Dead letters: a message that cannot be parsed or applied is parked with its reason.

The original bytes and key are kept untouched so it can be inspected and replayed.
"""
from __future__ import annotations

import logging

from faststream.kafka import KafkaBroker

from shared.events import topics
from shared.messaging.broker import renew_producer_if_broken
from shared.observability import metrics

log = logging.getLogger(__name__)


class DeadLetters:
    def __init__(self, service: str, broker: KafkaBroker, topic_prefix: str = "") -> None:
        self.service = service
        self._broker = broker
        self._publisher = broker.publisher(
            topic_prefix + topics.DEAD_LETTERS,
            title=f"{topics.DEAD_LETTERS}:dead-letter",
            description="Messages a consumer could not parse or apply; original bytes, reason in headers",
        )

    async def park(self, record, reason: str, group: str) -> None:
        headers = {k: (v.decode(errors="replace") if isinstance(v, bytes) else str(v))
                   for k, v in (record.headers or [])}
        headers.update({
            "dead-letter-reason": reason[:500],
            "dead-letter-service": self.service,
            "dead-letter-group": group,
            "original-topic": record.topic,
            "original-partition": str(record.partition),
            "original-offset": str(record.offset),
        })
        try:
            await self._publisher.publish(record.value or b"", key=record.key, headers=headers)
        except Exception as error:
            # Not parked: the consumer fails this message and gets it again, with a working producer.
            await renew_producer_if_broken(self._broker, error)
            raise
        metrics.EVENTS_DEAD_LETTERED.labels(self.service, record.topic).inc()
        log.warning("message dead-lettered", extra={
            "topic": record.topic, "partition": record.partition, "offset": record.offset,
            "reason": reason[:200],
        })
