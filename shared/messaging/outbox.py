"""The outbox: events wait inside the very document whose change caused them.

The state change and its events are one single-document write, atomic on MongoDB without a
transaction (so compose's plain MongoDB needs no replica set); the relay publishes them later
and removes each one only after Kafka acknowledged it.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from shared.events import Envelope, spec_for

FIELD = "outbox"
PENDING = "outbox_pending"
# A relay that is publishing a document's events holds it until CLAIMED_UNTIL, so a second
# process's relay leaves it alone; a relay that dies frees it when the time runs out.
CLAIMED_BY = "outbox_claimed_by"
CLAIMED_UNTIL = "outbox_claimed_until"


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


def new_document_fields(*envelopes: Envelope | Tombstone) -> dict[str, Any]:
    """Fields to put into a document being inserted together with its events."""
    return {FIELD: [entry(e) for e in envelopes], PENDING: bool(envelopes)}


def with_events(update: dict[str, Any], *envelopes: Envelope | Tombstone) -> dict[str, Any]:
    """Add the events to an update document, so state and events are written at once."""
    if not envelopes:
        return update
    merged = {op: dict(fields) for op, fields in update.items()}
    push = merged.setdefault("$push", {})
    if FIELD in push:
        raise ValueError("the update already pushes to the outbox")
    push[FIELD] = {"$each": [entry(e) for e in envelopes]}
    merged.setdefault("$set", {})[PENDING] = True
    return merged
