"""Completed proposal rounds: one document each, carrying the event that asks for the coordinators' review."""
from __future__ import annotations

from typing import Any

from shared.events import Envelope
from shared.storage import insert_with_events

COLLECTION = "rounds"


class RoundRecords:
    def __init__(self, db) -> None:
        self.collection = db[COLLECTION]

    async def add(self, document: dict[str, Any], *events: Envelope) -> None:
        await insert_with_events(self.collection, document, *events)
