"""Completed proposal rounds: one document each, carrying the event that asks for the coordinators' review."""
from __future__ import annotations

from typing import Any

from pymongo.errors import DuplicateKeyError

from shared.events import Envelope
from shared.events.matching import ProposalRoundCompleted
from shared.storage import insert_with_events

COLLECTION = "rounds"


def round_document(event: Envelope, completed: ProposalRoundCompleted) -> dict[str, Any]:
    return {"_id": completed.round_id, "branch": event.branch, "duo_ids": list(completed.duo_ids),
            "created_at": event.time}


class RoundRecords:
    def __init__(self, db) -> None:
        self.collection = db[COLLECTION]

    async def add(self, document: dict[str, Any], *events: Envelope) -> None:
        await insert_with_events(self.collection, document, *events)

    async def replay(self, document: dict[str, Any]) -> None:
        """A completed round from its own event (rebuilding the view); once only."""
        try:
            await self.collection.insert_one(document)
        except DuplicateKeyError:
            pass
