"""The outbox relay: publishes waiting events in order and removes each once Kafka has it.

Runs in every process of every publishing service. A round costs two store commands per batch
of documents: one find of the documents whose events this process wrote (an indexed equality on
the owner, limited by the index itself), then, after sending every event without waiting for
each acknowledgement in turn (the idempotent producer keeps order per partition), one bulk write
that pulls exactly the acknowledged events and clears the owner of each document left empty.
It is woken when a write of this process stored events (outbox.stored), lingers a few milliseconds so
that the writes arriving meanwhile share its round, and otherwise sleeps; a
periodic job (`take_over`) gives it the documents of a process that died: a document whose owner
has not emptied it within the grace is taken by one conditional update, so one process wins it. While Kafka is down it
keeps retrying with a capped backoff; the API goes on accepting changes meanwhile and their
events simply wait. A crash between acknowledgement and removal republishes those events, with
the same ids: consumers deduplicate on id.
"""
from __future__ import annotations

import asyncio
import logging
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
                 poll_seconds: float = 0.5, batch: int = 100, grace_seconds: float = 10.0,
                 linger_seconds: float = 0.0) -> None:
        self.service = service
        self.db = db
        self.collections = collections
        self.send = send
        self.poll_seconds = poll_seconds  # the first wait after a failure
        self.batch = batch  # documents per round: bounds the events in flight, and the repeats after a crash
        self.grace = timedelta(seconds=grace_seconds)
        self.linger = linger_seconds  # after a wake, before the round: the writes meanwhile share it
        self._wake = asyncio.Event()
        self._dirty: set[str] = set(collections)  # collections that may hold events of this process
        self._task: asyncio.Task | None = None
        self._unlisten: Callable[[], None] | None = None

    def wake(self, collection: str | None = None) -> None:
        """After a write with events (in `collection`, or anywhere), so they go out without waiting."""
        if collection is None:
            self._dirty.update(self.collections)
        elif collection in self.collections:
            self._dirty.add(collection)
        else:
            return
        self._wake.set()

    def start(self) -> None:
        self._unlisten = outbox.when_stored(self.wake)
        self._task = asyncio.create_task(self._run(), name=f"{self.service}-outbox-relay")

    async def stop(self) -> None:
        if self._unlisten:
            self._unlisten()
            self._unlisten = None
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        await self._adopt_legacy()
        backoff = self.poll_seconds
        while True:
            self._wake.clear()  # before draining: a wake during the drain triggers another round
            try:
                await self.drain()
                backoff, wait = self.poll_seconds, None  # idle: only a write (or a take-over) wakes it
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("outbox relay cannot publish yet; retrying",
                            extra={"error": type(error).__name__, "retry_in_s": backoff})
                self._dirty.update(self.collections)
                wait, backoff = backoff, min(backoff * 2, 10.0)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
            except asyncio.TimeoutError:
                continue
            if self.linger:
                await asyncio.sleep(self.linger)

    async def _adopt_legacy(self) -> None:
        """Documents waiting from before owners existed: made orphans, so the next round takes them."""
        for name in self.collections:
            try:
                await self.db[name].update_many({outbox.PENDING: True, outbox.SINCE: {"$exists": False}},
                                                {"$set": {outbox.SINCE: outbox.EPOCH}})
            except Exception as error:  # the database may be starting: the next start tries again
                log.warning("could not adopt legacy outbox documents", extra={"error": type(error).__name__})

    async def drain(self) -> int:
        """Publish what this process owns in the collections written since the last round; returns events sent."""
        sent = 0
        for name in self.collections:
            if name not in self._dirty:
                continue
            self._dirty.discard(name)
            collection = self.db[name]
            while True:
                docs = await collection.find({outbox.OWNER: outbox.PROCESS},
                                             {"_id": 1, outbox.FIELD: 1}).limit(self.batch).to_list()
                if docs:
                    sent += await self._publish(collection, docs)
                if len(docs) < self.batch:
                    break
        return sent

    async def take_over(self) -> int:
        """A periodic job (every half grace, ServiceRuntime): what a dead process left, older than the
        grace, becomes this process's, one find led by the SINCE index and one conditional update a batch."""
        taken = 0
        for name in self.collections:
            collection = self.db[name]
            while True:
                now = datetime.now(timezone.utc)
                stale = {outbox.SINCE: {"$lt": now - self.grace}}
                ids = [d["_id"] for d in await collection.find(stale, {"_id": 1}).limit(self.batch).to_list()]
                if not ids:
                    break
                # Atomic per document: of two processes taking one over, only the first still matches `stale`.
                result = await collection.update_many({"_id": {"$in": ids}, **stale},
                                                      {"$set": {outbox.OWNER: outbox.PROCESS, outbox.SINCE: now}})
                if result.modified_count:
                    taken += result.modified_count
                    self.wake(name)
                if len(ids) < self.batch:
                    break
        return taken

    async def _publish(self, collection, docs: list[dict[str, Any]]) -> int:
        acks, failure = await self._send_all(docs)
        sent_ids, failure = await self._acknowledged(acks, failure)
        # One round trip for the whole batch, in order: per document, removal by id (whatever was added
        # meanwhile stays), then the owner cleared only if nothing is left at that moment (atomic per
        # document: an event pushed since keeps it owned, by the process that pushed it).
        writes = []
        for doc, ids in zip(docs, sent_ids):
            if ids:
                writes.append(UpdateOne({"_id": doc["_id"]}, {"$pull": {outbox.FIELD: {"id": {"$in": ids}}}}))
            writes.append(UpdateOne({"_id": doc["_id"], outbox.FIELD: {"$size": 0}},
                                    {"$set": {outbox.PENDING: False}, "$unset": {outbox.OWNER: "", outbox.SINCE: ""}}))
        await collection.bulk_write(writes, ordered=True)
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
