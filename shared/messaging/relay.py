"""The outbox relay: publishes waiting events in order and removes each once Kafka has it.

Runs in every process of every publishing service. Each round it claims a batch of documents
with waiting events (a conditional update: a document another process's relay holds is left
alone, so two relays do not publish the same events), sends all their events without waiting
for each acknowledgement in turn (the idempotent producer keeps order per partition), waits for
the acknowledgements and removes exactly the acknowledged events. While Kafka is down it keeps
retrying with a capped backoff; the API goes on accepting changes meanwhile and their events
simply wait. A crash between acknowledgement and removal republishes those events, with the
same ids: consumers deduplicate on id.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Awaitable, Callable, Coroutine

from pymongo import UpdateOne

from shared.messaging import outbox
from shared.observability import metrics

log = logging.getLogger(__name__)

# Puts one outbox entry on the wire and returns what to await for Kafka's acknowledgement.
Send = Callable[[dict[str, Any]], Awaitable[Coroutine[Any, Any, object]]]
Pending = tuple[dict[str, Any], Coroutine[Any, Any, object]]  # an event and its acknowledgement


def _drop(acks: list[list[Pending]]) -> None:
    """Stopping: acknowledgements that will never be awaited are closed, not left dangling."""
    for waiting in acks:
        for _, ack in waiting:
            ack.close()


class OutboxRelay:
    def __init__(self, service: str, db, collections: list[str], send: Send,
                 poll_seconds: float = 0.5, batch: int = 100, claim_seconds: float = 30.0) -> None:
        self.service = service
        self.db = db
        self.collections = collections
        self.send = send
        self.poll_seconds = poll_seconds
        self.batch = batch  # documents per round: bounds the events in flight, and the repeats after a crash
        self.claim = timedelta(seconds=claim_seconds)
        self.relay_id = uuid.uuid4().hex
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def wake(self) -> None:
        """Called after a write with events, so they go out without waiting for the next poll."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self.service}-outbox-relay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        backoff = self.poll_seconds
        while True:
            try:
                await self.drain()
                backoff = self.poll_seconds
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("outbox relay cannot publish yet; retrying",
                            extra={"error": type(error).__name__, "retry_in_s": backoff})
                backoff = min(backoff * 2, 10.0)
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=backoff)
            except asyncio.TimeoutError:
                pass

    async def drain(self) -> int:
        """Publish everything waiting now that no other relay holds; returns how many events went out."""
        sent = 0
        for name in self.collections:
            collection = self.db[name]
            while docs := await self._claim(collection):
                sent += await self._publish(collection, docs)
        return sent

    async def _claim(self, collection) -> list[dict[str, Any]]:
        now = datetime.now(timezone.utc)
        free = {outbox.PENDING: True, outbox.CLAIMED_UNTIL: {"$not": {"$gt": now}}}
        ids = [d["_id"] for d in await collection.find(free, {"_id": 1}).limit(self.batch).to_list()]
        if not ids:
            return []
        # Atomic per document: of two relays racing for one, only the first still matches `free`.
        await collection.update_many({"_id": {"$in": ids}, **free}, {"$set": {
            outbox.CLAIMED_BY: self.relay_id, outbox.CLAIMED_UNTIL: now + self.claim}})
        return await collection.find({"_id": {"$in": ids}, outbox.CLAIMED_BY: self.relay_id},
                                     {"_id": 1, outbox.FIELD: 1}).to_list()

    async def _publish(self, collection, docs: list[dict[str, Any]]) -> int:
        acks, failure = await self._send_all(docs)
        sent_ids, failure = await self._acknowledged(acks, failure)
        release = {"$set": {outbox.CLAIMED_UNTIL: datetime.now(timezone.utc)}, "$unset": {outbox.CLAIMED_BY: ""}}
        # One round trip for the whole batch. Removal by id: whatever was added meanwhile stays.
        await collection.bulk_write([
            UpdateOne({"_id": doc["_id"], outbox.CLAIMED_BY: self.relay_id},
                      {**release, "$pull": {outbox.FIELD: {"id": {"$in": ids}}}})
            for doc, ids in zip(docs, sent_ids)], ordered=False)
        # Atomic per document: an event pushed since the removal keeps the document pending.
        await collection.update_many({"_id": {"$in": [d["_id"] for d in docs]}, outbox.PENDING: True,
                                      outbox.FIELD: {"$size": 0}}, {"$set": {outbox.PENDING: False}})
        if failure is not None:
            raise failure
        return sum(len(ids) for ids in sent_ids)

    async def _send_all(self, docs: list[dict[str, Any]]) -> tuple[list[list[Pending]], Exception | None]:
        """Every document's events on the wire, in order; a failure stops the sending, not the waiting."""
        acks: list[list[Pending]] = [[] for _ in docs]
        try:
            for waiting, doc in zip(acks, docs):
                for event in doc.get(outbox.FIELD, []):  # in order: one entity's events keep theirs
                    waiting.append((event, await self.send(event)))
        except Exception as error:
            return acks, error
        except asyncio.CancelledError:
            _drop(acks)
            raise
        return acks, None

    async def _acknowledged(self, acks: list[list[Pending]],
                            failure: Exception | None) -> tuple[list[list[str]], BaseException | None]:
        """Per document, the ids Kafka acknowledged: the prefix up to the first refusal, so a retry keeps order."""
        sent_ids: list[list[str]] = []
        for done, waiting in enumerate(acks):
            try:
                results = await asyncio.gather(*(ack for _, ack in waiting), return_exceptions=True)
            except asyncio.CancelledError:
                _drop(acks[done + 1:])
                raise
            sent_ids.append([])
            for (event, _), result in zip(waiting, results):
                if isinstance(result, BaseException):
                    failure = failure or result
                    break
                sent_ids[-1].append(event["id"])
                metrics.EVENTS_PUBLISHED.labels(self.service, event["type"]).inc()
        return sent_ids, failure

    async def measure_backlog(self) -> int:
        """Count what waits, for the metrics scrape (not after every drain: a scan of each outbox collection)."""
        waiting = 0
        for name in self.collections:
            async for doc in self.db[name].find({outbox.PENDING: True}, {outbox.FIELD: 1}):
                waiting += len(doc.get(outbox.FIELD, []))
        metrics.OUTBOX_BACKLOG.labels(self.service).set(waiting)
        return waiting
