"""The outbox relay: publishes waiting events in order and removes each once Kafka has it.

Runs in every publishing service. While Kafka is down it keeps retrying with a capped
backoff; the API goes on accepting changes meanwhile and their events simply wait.
A crash between publish and removal republishes that event: consumers deduplicate on id.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

from shared.document_locks import document_lock
from shared.messaging import outbox
from shared.observability import metrics

log = logging.getLogger(__name__)

Publish = Callable[[dict[str, Any]], Awaitable[None]]


class OutboxRelay:
    def __init__(self, service: str, db, collections: list[str], publish: Publish,
                 poll_seconds: float = 0.5, batch: int = 200) -> None:
        self.service = service
        self.db = db
        self.collections = collections
        self.publish = publish
        self.poll_seconds = poll_seconds
        self.batch = batch
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
        """Publish everything waiting now; returns how many events went out."""
        sent = 0
        for name in self.collections:
            collection = self.db[name]
            while True:
                docs = await collection.find({outbox.PENDING: True}).limit(self.batch).to_list()
                if not docs:
                    break
                for doc in docs:
                    sent += await self._publish_document(collection, doc)
        return sent

    async def _publish_document(self, collection, doc: dict[str, Any]) -> int:
        events, popped = doc.get(outbox.FIELD, []), doc.get(outbox.POPPED, 0)
        for event in events:  # in order, each acknowledged before the next: order per entity
            await self.publish(event)
            metrics.EVENTS_PUBLISHED.labels(self.service, event["type"]).inc()
        # One write per document, not per event: FerretDB's updates cost a scan of the collection.
        # Nothing added and nothing removed since the read: empty the outbox at once.
        async with document_lock(collection, doc["_id"]):
            emptied = await collection.update_one(
                {"_id": doc["_id"], outbox.POPPED: popped, outbox.PUSHED: popped + len(events)},
                {"$set": {outbox.FIELD: [], outbox.PENDING: False, outbox.POPPED: popped + len(events)}})
            if emptied.matched_count:
                return len(events)
            # Events were added meanwhile: remove only those sent, first to last, each only if no
            # other relay removed one since (the condition on POPPED is atomic on MongoDB).
            for sent in range(len(events)):
                removed = await collection.update_one(
                    {"_id": doc["_id"], outbox.POPPED: popped + sent},
                    {"$pop": {outbox.FIELD: -1}, "$inc": {outbox.POPPED: 1}})
                if removed.matched_count == 0:
                    break
        return len(events)

    async def measure_backlog(self) -> int:
        """Count what waits, for the metrics scrape (not after every drain: a scan of each outbox collection)."""
        waiting = 0
        for name in self.collections:
            async for doc in self.db[name].find({outbox.PENDING: True}, {outbox.FIELD: 1}):
                waiting += len(doc.get(outbox.FIELD, []))
        metrics.OUTBOX_BACKLOG.labels(self.service).set(waiting)
        return waiting
