"""Consuming with effect exactly once, on top of at-least-once delivery.

- Offsets are committed by FastStream only after `process` returned (ack policy in broker.py).
- Handlers write through `idempotency.apply_once`, so a redelivered event changes nothing.
- A message that cannot be parsed, or whose handler keeps failing, is dead-lettered and the
  consumer moves on; it is never silently skipped.
- A database outage is not the message's fault: the handler is retried until the database
  is back, holding the partition so later events cannot overtake it.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

from aiokafka import TopicPartition
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pydantic import BaseModel, ValidationError
from pymongo.errors import ConnectionFailure

from shared.events import Envelope, parse_payload
from shared.events.catalog import UnknownEvent
from shared.messaging.dead_letters import DeadLetters
from shared.observability import correlation, metrics

log = logging.getLogger(__name__)

Handler = Callable[[Envelope, BaseModel], Awaitable[Any]]
TombstoneHandler = Callable[[str], Awaitable[Any]]
TRANSIENT = (ConnectionFailure,)


def describe(error: ValidationError) -> str:
    """Field and rule of each validation error, without echoing the (possibly personal) input."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['type']}"
        for e in error.errors(include_input=False, include_url=False)
    )


class EventConsumer:
    def __init__(self, service: str, broker: KafkaBroker, dead_letters: DeadLetters,
                 attempts: int = 3, retry_seconds: float = 0.2, topic_prefix: str = "") -> None:
        self.service = service
        self.broker = broker
        self.dead_letters = dead_letters
        self.attempts = attempts
        self.retry_seconds = retry_seconds
        self.topic_prefix = topic_prefix
        # The prefix isolates test runs (and tenants) sharing one cluster: topics and groups alike.
        self.group_id = f"{topic_prefix}duo-{service}"

    def subscribe(self, topic: str, handlers: dict[str, Handler],
                  on_tombstone: TombstoneHandler | None = None) -> None:
        async def on_message(msg: KafkaMessage) -> None:
            await self.process(msg.raw_message, handlers, on_tombstone)
            self._measure_lag(msg)

        on_message.__name__ = f"{self.service}_consumes_{topic.replace('.', '_').replace('-', '_')}"
        self.broker.subscriber(
            self.topic_prefix + topic,
            group_id=self.group_id,
            auto_offset_reset="earliest",
            title=f"{topic}:{self.service}",
            description=f"{self.service} applies: {', '.join(sorted(handlers))}",
        )(on_message)

    def _measure_lag(self, msg: KafkaMessage) -> None:
        """How far this partition is behind its end, from the high watermark of the last fetch."""
        record = msg.raw_message
        try:
            end = msg.consumer.highwater(TopicPartition(record.topic, record.partition))
        except Exception:  # no fetch metadata yet (or a test double): nothing to report
            return
        if end is not None:
            metrics.CONSUMER_LAG.labels(self.service, record.topic, str(record.partition)).set(
                max(end - record.offset - 1, 0))

    async def process(self, record, handlers: dict[str, Handler],
                      on_tombstone: TombstoneHandler | None = None) -> None:
        if record.value is None:
            if on_tombstone is not None and record.key is not None:
                await self._apply("tombstone", lambda: on_tombstone(record.key.decode()), record)
            return
        try:
            envelope = Envelope.from_bytes(record.value)
        except ValidationError as error:
            await self._park(record, f"unparseable envelope: {describe(error)}")
            return
        handler = handlers.get(envelope.type)
        if handler is None:
            metrics.EVENTS_CONSUMED.labels(self.service, envelope.type, "ignored").inc()
            return
        try:
            payload = parse_payload(envelope)
        except ValidationError as error:
            await self._park(record, f"invalid {envelope.type} payload: {describe(error)}")
            return
        except UnknownEvent as error:
            await self._park(record, str(error))
            return
        token = correlation.bind(envelope.correlation_id)
        try:
            await self._apply(envelope.type, lambda: handler(envelope, payload), record)
        finally:
            correlation.reset(token)

    async def _apply(self, event_type: str, call: Callable[[], Awaitable[Any]], record) -> None:
        failures = 0
        outage_wait = self.retry_seconds
        while True:
            try:
                await call()
                metrics.EVENTS_CONSUMED.labels(self.service, event_type, "applied").inc()
                return
            except TRANSIENT as error:
                log.warning("database unreachable; holding the partition and retrying",
                            extra={"event_type": event_type, "error": type(error).__name__})
                await asyncio.sleep(outage_wait)
                outage_wait = min(outage_wait * 2, 5.0)
            except Exception as error:
                failures += 1
                metrics.EVENTS_FAILED.labels(self.service, event_type).inc()
                log.warning("handler failed", extra={
                    "event_type": event_type, "attempt": failures, "error": type(error).__name__})
                if failures >= self.attempts:
                    await self._park(record, f"{event_type} handler failed {failures} times: "
                                             f"{type(error).__name__}")
                    return
                await asyncio.sleep(self.retry_seconds * failures)

    async def _park(self, record, reason: str) -> None:
        await self.dead_letters.park(record, reason, self.group_id)
