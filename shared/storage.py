"""Writes every repository needs: insert with events, and change with events under a version check.

A document's `version` makes concurrent changes safe without transactions, across any number of
processes: MongoDB applies a single-document update atomically, so the second writer's
condition no longer matches and it gets a conflict instead of overwriting.
"""
from __future__ import annotations

import asyncio
import functools
import random
from typing import Any, Awaitable, Callable, ParamSpec, TypeVar

from shared.events import Envelope
from shared.messaging import outbox

P = ParamSpec("P")
T = TypeVar("T")


class ConcurrentChange(Exception):
    """The document changed since it was read; the HTTP edge answers 409."""


async def insert_with_events(collection, document: dict[str, Any], *events: Envelope) -> None:
    await collection.insert_one({**document, "version": 1, **outbox.new_document_fields(*events)})
    if events:
        outbox.stored(collection.name)


async def insert_all_with_events(collection, documents: list[tuple[dict[str, Any], Envelope]]) -> None:
    """Many new documents, each with its own event, in one round trip: a whole proposal round is
    written in the time of one insert, well inside the round's lease."""
    if documents:
        await collection.insert_many([{**document, "version": 1, **outbox.new_document_fields(event)}
                                      for document, event in documents])
        outbox.stored(collection.name)


async def change_with_events(collection, document: dict[str, Any], update: dict[str, Any],
                             *events: Envelope) -> None:
    """Apply `update` only if nobody changed the document since it was read."""
    update = {op: dict(fields) for op, fields in update.items()}
    update.setdefault("$inc", {})["version"] = 1
    result = await collection.update_one(
        {"_id": document["_id"], "version": document["version"]}, outbox.with_events(update, *events))
    if result.matched_count == 0:
        raise ConcurrentChange()
    if events:
        outbox.stored(collection.name)


# Each conflict means another writer committed: with fewer than this many writers on one
# document at once, every one of them gets through.
CONFLICT_ATTEMPTS = 10


def retried_on_conflict(decide_and_write: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Run a read-decide-write use case again on fresh state when another writer got there first.

    For requests that name no version of their own (record a training module, log a session):
    two processes changing one document at once both succeed, each decision taken on the state
    it really changes. Only a document fought over more than CONFLICT_ATTEMPTS times gets a 409.
    """
    @functools.wraps(decide_and_write)
    async def attempt(*args: P.args, **kwargs: P.kwargs) -> T:
        for tries in range(1, CONFLICT_ATTEMPTS):
            try:
                return await decide_and_write(*args, **kwargs)
            except ConcurrentChange:
                await asyncio.sleep(random.uniform(0, 0.002 * tries))  # let the other writer finish
        return await decide_and_write(*args, **kwargs)
    return attempt
