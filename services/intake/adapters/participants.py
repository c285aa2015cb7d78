"""Intake's participants collection: personal data stays here, scoped by branch."""
from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel

from shared.events import Envelope
from shared.storage import change_with_events, insert_with_events

COLLECTION = "participants"
INDEXES = [IndexModel([("branch", ASCENDING), ("_id", ASCENDING)])]


class ParticipantRepository:
    def __init__(self, db) -> None:
        self.collection = db[COLLECTION]

    async def add(self, document: dict[str, Any], *events: Envelope) -> None:
        await insert_with_events(self.collection, document, *events)

    async def get(self, branch: str, participant_id: str, role: str | None = None) -> dict[str, Any] | None:
        query: dict[str, Any] = {"_id": participant_id, "branch": branch}
        if role:
            query["role"] = role
        return await self.collection.find_one(query)

    async def change(self, document: dict[str, Any], update: dict[str, Any], *events: Envelope) -> None:
        await change_with_events(self.collection, document, update, *events)

    async def list(self, branch: str, role: str | None, limit: int) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"branch": branch}
        if role:
            query["role"] = role
        return await self.collection.find(query, {"outbox": 0}).sort("_id", 1).limit(limit).to_list()

    async def mentee_groups(self, branch: str | None) -> list[dict[str, Any]]:
        """Every mentee not erased, with only what the fairness audit groups on."""
        query: dict[str, Any] = {"role": "mentee", "status": {"$ne": "erased"}}
        if branch is not None:
            query["branch"] = branch
        return await self.collection.find(query, {
            "registered_on": 1, "profile.age_band": 1, "profile.languages.code": 1,
            "profile.postcode_area": 1}).to_list()
