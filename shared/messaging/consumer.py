"""Consuming with effect exactly once, on top of at-least-once delivery.

- Offsets are committed by FastStream only after `process` returned (ack policy in broker.py).
- Handlers write through `idempotency.apply_once`, so a redelivered event changes nothing.
- A message that cannot be parsed, or whose handler keeps failing, is dead-lettered and the
  consumer moves on; it is never silently skipped.
- A database outage is not the message's fault: the handler is retried until the database
  is back, holding the partition so later events cannot overtake it.
- Events arrive in batches (as many as are waiting, up to MAX_BATCH): the updates of deferrable
  handlers go to the store as one bulk write per batch (shared/messaging/write_batch.py).
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
from shared.messaging import write_batch
from shared.messaging.dead_letters import DeadLetters
from shared.messaging.write_batch import WriteBatch
from shared.observability import correlation, metrics

log = logging.getLogger(__name__)

Handler = Callable[[Envelope, BaseModel], Awaitable[Any]]
TombstoneHandler = Callable[[str], Awaitable[Any]]
TRANSIENT = (ConnectionFailure,)
MAX_BATCH = 200  # records per batch: bounds what one failed flush repeats
# How long a batch waits for its first record; an idle subscriber then pauses as long again
# (FastStream's batch loop), so this is also the most an event waits for an idle consumer.
BATCH_WAIT_MS = 50


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
        async def on_messages(msg: KafkaMessage) -> None:
            records = msg.raw_message if isinstance(msg.raw_message, tuple) else (msg.raw_message,)
            await self.process_batch(records, handlers, on_tombstone)
            self._measure_lag(msg, records)

        on_messages.__name__ = f"{self.service}_consumes_{topic.replace('.', '_').replace('-', '_')}"
        self.broker.subscriber(
            self.topic_prefix + topic,
            group_id=self.group_id,
            auto_offset_reset="earliest",
            batch=True,
            max_records=MAX_BATCH,
            batch_timeout_ms=BATCH_WAIT_MS,
            title=f"{topic}:{self.service}",
            description=f"{self.service} applies: {', '.join(sorted(handlers))}",
        )(on_messages)

    def _measure_lag(self, msg: KafkaMessage, records) -> None:
        """How far each partition is behind its end, from the high watermark of the last fetch."""
        last = {(r.topic, r.partition): r.offset for r in records}
        for (topic, partition), offset in last.items():
            try:
                end = msg.consumer.highwater(TopicPartition(topic, partition))
            except Exception:  # no fetch metadata yet (or a test double): nothing to report
                return
            if end is not None:
                metrics.CONSUMER_LAG.labels(self.service, topic, str(partition)).set(max(end - offset - 1, 0))

    async def process_batch(self, records, handlers: dict[str, Handler],
                            on_tombstone: TombstoneHandler | None = None) -> None:
        """Every record in order; deferrable handlers' updates sent together before returning."""
        batch = WriteBatch()
        token = write_batch.collect(batch)
        try:
            for record in records:
                await self.process(record, handlers, on_tombstone, batch)
            await batch.flush(self.retry_seconds)
        finally:
            write_batch.stop_collecting(token)

    async def process(self, record, handlers: dict[str, Handler],
                      on_tombstone: TombstoneHandler | None = None, batch: WriteBatch | None = None) -> None:
        if record.value is None:
            if on_tombstone is not None and record.key is not None:
                if batch is not None:
                    await batch.flush(self.retry_seconds)
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

        async def apply() -> None:
            token = correlation.bind(envelope.correlation_id)
            try:
                await self._apply(envelope.type, lambda: handler(envelope, payload), record)
            finally:
                correlation.reset(token)

        if batch is None:
            await apply()
        elif write_batch.is_deferrable(handler):
            batch.redo = apply  # if its queued update fails, the event is applied again on its own
            try:
                await apply()
            finally:
                batch.redo = None
        else:
            await batch.flush(self.retry_seconds)  # what it reads may be in the queue
            await apply()

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
