"""Apply an event to a view document at most once, in the same write as its effect.

The document remembers the ids of the last events applied to it; the write is conditional
on the id not being there. A redelivered event therefore matches nothing and changes nothing.
"""
from __future__ import annotations

from typing import Any

from pymongo import UpdateOne
from pymongo.errors import DuplicateKeyError

from shared.messaging import write_batch

APPLIED = "applied_events"
# Redeliveries come soon after the original; remembering the last ones per entity is enough.
REMEMBERED = 100


async def apply_once(collection, doc_id: Any, event_id: str, update: dict[str, Any],
                     *, upsert: bool = True, extra_filter: dict[str, Any] | None = None) -> bool:
    """Apply `update` to one document unless this event was already applied; True when it was now."""
    update = {op: dict(fields) for op, fields in update.items()}
    push = update.setdefault("$push", {})
    push[APPLIED] = {"$each": [event_id], "$slice": -REMEMBERED}
    query = {"_id": doc_id, APPLIED: {"$ne": event_id}, **(extra_filter or {})}
    batch = write_batch.current()
    if batch is not None and batch.queue(collection, UpdateOne(query, update, upsert=upsert)):
        return True  # sent with the rest of the consumer's batch (shared/messaging/write_batch.py)
    try:
        result = await collection.update_one(query, update, upsert=upsert)
    except DuplicateKeyError:
        # The document exists and already holds this event id: the upsert found no match.
        return False
    return bool(result.modified_count or result.upserted_id is not None)
