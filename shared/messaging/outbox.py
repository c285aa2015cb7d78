"""The outbox: events wait inside the very document whose change caused them.

The state change and its events are one single-document write, atomic on MongoDB without a
transaction (so compose's plain MongoDB needs no replica set); the relay publishes them later
and removes each one only after Kafka acknowledged it.

The process that writes a document's events owns them (OWNER, SINCE): its own relay publishes
them, found by one indexed equality, so no claim round trip is needed and two processes do not
publish the same events. If the owner dies, another process takes the document over once SINCE
is older than the relay's grace (shared/messaging/relay.py).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from shared.events import Envelope, spec_for

FIELD = "outbox"
PENDING = "outbox_pending"  # True while events wait: what the backlog metric and the tests count
OWNER = "outbox_owner"  # the process whose relay publishes them
SINCE = "outbox_since"  # when the owner took them: past the grace, another process may take over
# Fields of the relay before owners (documents written then are taken over at start, see relay.py).
CLAIMED_BY, CLAIMED_UNTIL = "outbox_claimed_by", "outbox_claimed_until"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# This process: one id for every relay and writer in it, fixed for its life.
PROCESS = uuid.uuid4().hex

_on_stored: list[Callable[[str], None]] = []


def when_stored(callback: Callable[[str], None]) -> Callable[[], None]:
    """Call `callback(collection name)` after every write of this process that stored events; returns the undo."""
    _on_stored.append(callback)
    return lambda: _on_stored.remove(callback)


def stored(collection: str) -> None:
    """Writers call this once a write carrying events into `collection` has been acknowledged."""
    for callback in list(_on_stored):
        callback(collection)


@dataclass(frozen=True)
class Tombstone:
    """A null value for `subject` on the topic of `type`: on a compacted topic the key then disappears."""

    type: str
    subject: str
    correlation_id: str


def entry(envelope: Envelope | Tombstone) -> dict[str, Any]:
    """What the relay needs to publish the event exactly as it was decided."""
    if isinstance(envelope, Tombstone):
        return {"id": str(uuid.uuid4()), "type": envelope.type, "topic": spec_for(envelope.type).topic,
                "key": envelope.subject, "value": None,
                "headers": {"event-type": envelope.type, "tombstone": "true",
                            "correlation-id": envelope.correlation_id}}
    return {
        "id": str(envelope.id),
        "type": envelope.type,
        "topic": spec_for(envelope.type).topic,
        "key": envelope.subject,
        "value": envelope.model_dump_json(),
        "headers": envelope.headers(),
    }


def _owned() -> dict[str, Any]:
    return {PENDING: True, OWNER: PROCESS, SINCE: datetime.now(timezone.utc)}


def new_document_fields(*envelopes: Envelope | Tombstone) -> dict[str, Any]:
    """Fields to put into a document being inserted together with its events."""
    if not envelopes:
        return {FIELD: [], PENDING: False}
    return {FIELD: [entry(e) for e in envelopes], **_owned()}


def with_events(update: dict[str, Any], *envelopes: Envelope | Tombstone) -> dict[str, Any]:
    """Add the events to an update document, so state and events are written at once."""
    if not envelopes:
        return update
    merged = {op: dict(fields) for op, fields in update.items()}
    push = merged.setdefault("$push", {})
    if FIELD in push:
        raise ValueError("the update already pushes to the outbox")
    push[FIELD] = {"$each": [entry(e) for e in envelopes]}
    merged.setdefault("$set", {}).update(_owned())
    return merged


def orphaned(fields: dict[str, Any]) -> dict[str, Any]:
    """The same outbox fields as if written by a process long gone: any relay takes them at once."""
    return {**fields, OWNER: None, SINCE: EPOCH} if fields.get(PENDING) else fields
