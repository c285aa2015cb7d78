"""Proposals and the duos they become: one document each, holding its status and its events."""
from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel

from shared.events import Envelope
from shared.messaging.idempotency import apply_once
from shared.storage import change_with_events, insert_with_events

COLLECTION = "proposals"
INDEXES = [IndexModel([("branch", ASCENDING), ("status", ASCENDING), ("created_at", DESCENDING)])]
OPEN = ("proposed", "formed")


class ProposalRepository:
    def __init__(self, db) -> None:
        self.collection = db[COLLECTION]

    async def add(self, document: dict[str, Any], *events: Envelope) -> None:
        await insert_with_events(self.collection, document, *events)

    async def get(self, branch: str, duo_id: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": duo_id, "branch": branch})

    async def change(self, document: dict[str, Any], update: dict[str, Any], *events: Envelope) -> None:
        await change_with_events(self.collection, document, update, *events)

    async def open_in_branch(self, branch: str) -> list[dict[str, Any]]:
        """Proposals awaiting a decision and duos under way: they hold mentees and mentor capacity."""
        return await self.collection.find({"branch": branch, "status": {"$in": list(OPEN)}},
                                          {"mentee_id": 1, "mentor_id": 1, "status": 1}).to_list()

    async def proposed_with(self, participant_id: str) -> list[dict[str, Any]]:
        """Proposals awaiting a decision that involve this mentee or mentor."""
        return await self.collection.find({"status": "proposed", "$or": [{"mentee_id": participant_id},
                                                                        {"mentor_id": participant_id}]},
                                          {"outbox": 0, "applied_events": 0}).to_list()

    async def declined_pairs(self, branch: str) -> set[tuple[str, str]]:
        docs = await self.collection.find({"branch": branch, "status": "declined"},
                                          {"mentee_id": 1, "mentor_id": 1}).to_list()
        return {(d["mentee_id"], d["mentor_id"]) for d in docs}

    async def list(self, branch: str, status: str | None, limit: int) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"branch": branch}
        if status:
            query["status"] = status
        return await self.collection.find(query, {"outbox": 0, "applied_events": 0}).sort(
            "created_at", -1).limit(limit).to_list()

    async def mark_ended(self, duo_id: str, event_id: str, ended: dict[str, Any]) -> bool:
        return await apply_once(self.collection, duo_id, event_id, {"$set": {"status": "ended", **ended}},
                                upsert=False)

    async def forget_participant(self, participant_id: str) -> None:
        for field in ("mentee_id", "mentor_id"):
            await self.collection.update_many({field: participant_id}, {"$set": {field: "erased"}})
