"""Writes every repository needs: insert with events, and change with events under a version check.

A document's `version` makes concurrent changes safe without transactions: the second
writer's condition no longer matches and it gets a conflict instead of overwriting.
"""
from __future__ import annotations

from typing import Any

from shared.document_locks import document_lock
from shared.events import Envelope
from shared.messaging import outbox


class ConcurrentChange(Exception):
    """The document changed since it was read; the HTTP edge answers 409."""


async def insert_with_events(collection, document: dict[str, Any], *events: Envelope) -> None:
    await collection.insert_one({**document, "version": 1, **outbox.new_document_fields(*events)})


async def change_with_events(collection, document: dict[str, Any], update: dict[str, Any],
                             *events: Envelope) -> None:
    """Apply `update` only if nobody changed the document since it was read."""
    update = {op: dict(fields) for op, fields in update.items()}
    update.setdefault("$inc", {})["version"] = 1
    async with document_lock(collection, document["_id"]):
        result = await collection.update_one(
            {"_id": document["_id"], "version": document["version"]}, outbox.with_events(update, *events))
    if result.matched_count == 0:
        raise ConcurrentChange()
