"""One bulk write for a batch of consumed events, where each event's effect is one conditional update.

Under load a consumer receives its events in batches. A handler marked `deferrable` (its whole
effect on the store is one `apply_once` update, and it reads nothing it or an earlier event of
the batch wrote) has that update queued instead of sent; the consumer sends the queue as one
ordered bulk write per collection before the batch's offsets are committed, and before any
handler that is not deferrable runs, so order is kept. One event at a time, it costs the same
single command as before; a batch of n costs one.

A redelivered event's update matches nothing, or (an upsert) hits the duplicate key: it changes
nothing either way, as `apply_once` promises. Any other failure of one queued update sends its
event back through the consumer's one-at-a-time path (retries, then the dead-letter topic).
"""
from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from pymongo import UpdateOne
from pymongo.errors import BulkWriteError, ConnectionFailure

log = logging.getLogger(__name__)

DUPLICATE_KEY = 11000
_collecting: ContextVar["WriteBatch | None"] = ContextVar("write_batch", default=None)


def deferrable(handler: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Mark a handler whose only store effect is one `apply_once` update (see the module's docstring)."""
    handler.deferrable = True  # type: ignore[attr-defined]
    return handler


def is_deferrable(handler: Callable[..., Awaitable[Any]]) -> bool:
    return bool(getattr(handler, "deferrable", False))


@dataclass
class Queued:
    collection: Any
    update: UpdateOne
    redo: Callable[[], Awaitable[None]]  # the event again, one at a time, if this update failed


@dataclass
class WriteBatch:
    queued: list[Queued] = field(default_factory=list)
    redo: Callable[[], Awaitable[None]] | None = None  # set by the consumer around each deferred handler

    def queue(self, collection: Any, update: UpdateOne) -> bool:
        """Called by apply_once while a deferrable handler runs; False when nothing is collecting."""
        if self.redo is None:
            return False
        self.queued.append(Queued(collection, update, self.redo))
        return True

    async def flush(self, retry_seconds: float = 0.2) -> None:
        """Send everything queued: per collection, one ordered bulk write, resumed after a failed update."""
        queued, self.queued = self.queued, []
        by_collection: dict[tuple[str, str], list[Queued]] = {}
        for item in queued:
            by_collection.setdefault((item.collection.database.name, item.collection.name), []).append(item)
        for items in by_collection.values():
            await _write(items, retry_seconds)


async def _write(items: list[Queued], retry_seconds: float) -> None:
    wait = retry_seconds
    while items:
        try:
            await items[0].collection.bulk_write([i.update for i in items], ordered=True)
            return
        except BulkWriteError as error:
            failed = error.details["writeErrors"][0]
            index = failed["index"]
            if failed.get("code") != DUPLICATE_KEY:  # a repeat's upsert: nothing to do, as apply_once
                log.warning("a batched update failed; applying its event on its own",
                            extra={"error_code": failed.get("code")})
                await items[index].redo()
            items = items[index + 1:]
        except ConnectionFailure as error:  # the database is away: hold the batch, as one event is held
            log.warning("database unreachable; holding the batch and retrying",
                        extra={"error": type(error).__name__})
            await asyncio.sleep(wait)
            wait = min(wait * 2, 5.0)


def current() -> WriteBatch | None:
    return _collecting.get()


def collect(batch: WriteBatch | None):
    """Make `batch` the one apply_once queues into, in this task; returns the token to reset."""
    return _collecting.set(batch)


def stop_collecting(token) -> None:
    _collecting.reset(token)
