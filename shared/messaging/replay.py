"""Replay the log through a service's own handlers: the reading loop of a rebuild.

The live consumer commits an offset per message in a consumer group; a rebuild needs none of
that. It assigns every partition of the topics, reads from offset 0 up to the end offsets taken
when it started, in large batches, and hands each record to `EventConsumer.process`, the very
path the live consumer takes (parse, tolerant reader, handler, retry while the database is away).

Order: one aggregate's events live on several topics (a duo's formation on duo.duos, its
sessions on duo.duo-activity), and an erasure on duo.participants must come after the events
that named the person. So records are merged across every partition in the order they happened
(the envelope's `time`; a tombstone, which has no envelope, by its record timestamp), and
handlers run in that order. Records of different subjects run side by side in `lanes`
(a subject always in the same lane, so each aggregate keeps its order); an event whose handler
reaches beyond its own subject (`barrier_types`) waits for every lane to drain first.
"""
from __future__ import annotations

import asyncio
import heapq
import logging
import re
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.messaging.consumer import EventConsumer, Handler, TombstoneHandler
from shared.messaging.kafka_internals import fetch_partitions
from shared.messaging.log_reader import log_reader

log = logging.getLogger(__name__)
FETCH_BYTES = 8 * 1024 * 1024


@dataclass
class Subscription:
    handlers: dict[str, Handler]
    on_tombstone: TombstoneHandler | None = None


class SkippedRecords:
    """Stands in for dead letters: the live consumer parked these already; a rebuild only counts them."""

    def __init__(self) -> None:
        self.reasons: list[str] = []

    async def park(self, record, reason: str, group: str) -> None:
        self.reasons.append(f"{record.topic}[{record.partition}]@{record.offset}: {reason}")
        log.warning("record skipped by the rebuild", extra={"topic": record.topic, "offset": record.offset,
                                                             "reason": reason[:200]})


@dataclass
class Progress:
    """What the terminal shows: events read, rate, what is left of the end offsets taken at the start."""

    total: int
    read: int = 0
    applied: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def rate(self) -> float:
        """Applied events per second since the start."""
        return self.applied / max(time.monotonic() - self.started, 1e-9)

    def line(self) -> str:
        return (f"{self.read:,} of {self.total:,} events read, {self.applied:,} applied, {self.rate:,.0f} events/s, "
                f"{self.total - self.applied:,} left")


class Replay:
    """Collects a service's subscriptions (the EventConsumer interface), then replays the log into them."""

    def __init__(self, service: str, bootstrap: str, topic_prefix: str = "", *, lanes: int = 16,
                 barrier_types: frozenset[str] = frozenset(), batch: int = 5000) -> None:
        self.service, self.bootstrap, self.topic_prefix = service, bootstrap, topic_prefix
        self.lanes, self.barrier_types, self.batch = lanes, barrier_types, batch
        self.subscriptions: dict[str, Subscription] = {}
        self.skipped = SkippedRecords()
        # The live path for each record; no broker: a rebuild subscribes to nothing and publishes nothing.
        self.consumer = EventConsumer(service, broker=None, dead_letters=self.skipped, topic_prefix=topic_prefix)
        self.end_offsets: dict[TopicPartition, int] = {}

    def subscribe(self, topic: str, handlers: dict[str, Handler],
                  on_tombstone: TombstoneHandler | None = None) -> None:
        known = self.subscriptions.setdefault(self.topic_prefix + topic, Subscription({}))
        known.handlers.update(handlers)
        known.on_tombstone = on_tombstone or known.on_tombstone

    async def run(self, report: Callable[[Progress], None] = lambda p: None, every: float = 1.0) -> Progress:
        reader = log_reader(self.bootstrap, f"duo-{self.service}-rebuild", max_partition_fetch_bytes=FETCH_BYTES,
                            fetch_max_bytes=4 * FETCH_BYTES)
        await reader.start()
        try:
            partitions = [TopicPartition(topic, p) for topic in sorted(self.subscriptions)
                          for p in sorted(reader.partitions_for_topic(topic) or await fetch_partitions(reader, topic))]
            reader.assign(partitions)
            await reader.seek_to_beginning(*partitions)
            self.end_offsets = await reader.end_offsets(partitions)
            starts = await reader.beginning_offsets(partitions)
            progress = Progress(total=sum(self.end_offsets[tp] - starts[tp] for tp in partitions))
            ticker = asyncio.create_task(_tick(report, progress, every))
            try:
                await self._apply(self._merged(reader, partitions), progress)
            finally:
                ticker.cancel()
            report(progress)
            return progress
        finally:
            await reader.stop()

    async def _merged(self, reader: AIOKafkaConsumer, partitions: list[TopicPartition]):
        """Every record up to the end offsets, across partitions in the order they happened."""
        buffers: dict[TopicPartition, deque] = {tp: deque() for tp in partitions}
        open_ = {tp for tp in partitions if self.end_offsets[tp] > await reader.position(tp)}
        heap: list = []
        heads: set[TopicPartition] = set()
        while True:
            # The earliest record is known only once every partition still open shows its next one.
            starving = [tp for tp in open_ if not buffers[tp] and tp not in heads]
            while starving:
                fetched = await reader.getmany(*starving, timeout_ms=500, max_records=self.batch)
                for tp, records in fetched.items():
                    buffers[tp].extend(r for r in records if r.offset < self.end_offsets[tp])
                for tp in starving:  # position, not the last offset: compaction leaves gaps
                    if await reader.position(tp) >= self.end_offsets[tp]:
                        open_.discard(tp)
                starving = [tp for tp in open_ if not buffers[tp] and tp not in heads]
            for tp, buffer in buffers.items():
                if buffer and tp not in heads:
                    record = buffer.popleft()
                    heapq.heappush(heap, (_happened(record), tp.topic, tp.partition, record.offset, record))
                    heads.add(tp)
            if not heap:
                return
            *_, record = heapq.heappop(heap)
            heads.discard(TopicPartition(record.topic, record.partition))
            yield record

    async def _apply(self, records, progress: Progress) -> None:
        queues = [asyncio.Queue(maxsize=1000) for _ in range(self.lanes)]
        workers = [asyncio.create_task(self._lane(q, progress)) for q in queues]
        try:
            async for record in records:
                progress.read += 1
                if record.value is not None and _type(record) in self.barrier_types:
                    await asyncio.gather(*(q.join() for q in queues))
                    await self._process(record)
                    progress.applied += 1
                    continue
                lane = zlib.crc32(record.key or b"") % self.lanes
                await queues[lane].put(record)
                if any(w.done() for w in workers):
                    break
            await asyncio.gather(*(q.join() for q in queues))
        finally:
            for worker in workers:
                worker.cancel()
            results = await asyncio.gather(*workers, return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                raise result

    async def _lane(self, queue: asyncio.Queue, progress: Progress) -> None:
        while True:
            record = await queue.get()
            try:
                await self._process(record)
                progress.applied += 1
            finally:
                queue.task_done()

    async def _process(self, record) -> None:
        subscription = self.subscriptions[record.topic]
        await self.consumer.process(record, subscription.handlers, subscription.on_tombstone)


def _type(record) -> str:
    for name, value in record.headers or ():
        if name == "event-type":
            return value.decode()
    return ""


TIME = re.compile(rb'"time"\s*:\s*"([^"]+)"')


def _happened(record) -> datetime:
    """The envelope's time, read without parsing the whole envelope (process() parses it once, later)."""
    found = TIME.search(record.value) if record.value is not None else None
    if found is not None:
        try:
            return datetime.fromisoformat(found.group(1).decode().replace("Z", "+00:00"))
        except ValueError:
            pass
    # A tombstone (no envelope), or unparseable (process() skips it): the record's own timestamp.
    return datetime.fromtimestamp(record.timestamp / 1000, timezone.utc)


async def _tick(report: Callable[[Progress], None], progress: Progress, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        report(progress)
