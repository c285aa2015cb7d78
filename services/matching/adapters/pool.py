"""Matching's view of who waits and who can mentor, per branch, built from intake's events.

Every write goes through `apply_once`; attributes arrive with `$set`, while the starting
status uses `$setOnInsert`, so an event of one participant arriving late (a redelivered
registration after a withdrawal) cannot bring them back. An erased participant keeps only a
stub (id and status), which refuses every later event about them.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from pymongo import ASCENDING, IndexModel

from shared.messaging.idempotency import apply_once
from shared.paging import PAGE_KEY, Key, Order, find_page

COLLECTION = "pool"
# Longest known first (ISO days sort as text); the id breaks ties.
ORDER = Order("pool", ("registered_on",))
INDEXES = [IndexModel([("branch", ASCENDING), ("role", ASCENDING), ("status", ASCENDING)]),
           IndexModel([(PAGE_KEY, ASCENDING)])]
NOT_ERASED = {"status": {"$ne": "erased"}}
ATTRIBUTES = ("branch", "languages", "sectors", "education_level", "experience", "postcode_area", "availability",
              "support_wanted", "support_offered", "registered_on", "max_active_duos", "trained")


class PoolView:
    def __init__(self, db) -> None:
        self.collection = db[COLLECTION]

    async def register(self, participant_id: str, event_id: str, role: str, attributes: dict[str, Any]) -> bool:
        initial = {"role": role, "status": "waiting" if role == "mentee" else "active"}
        if role == "mentor":
            initial["trained"] = False
        if "branch" in attributes and "registered_on" in attributes:
            attributes = {**attributes, PAGE_KEY: ORDER.page_key({**attributes, "_id": participant_id})}
        return await apply_once(self.collection, participant_id, event_id,
                                {"$set": attributes, "$setOnInsert": initial}, extra_filter=NOT_ERASED)

    async def set(self, participant_id: str, event_id: str, fields: dict[str, Any]) -> bool:
        return await apply_once(self.collection, participant_id, event_id, {"$set": fields},
                                extra_filter=NOT_ERASED)

    async def erase(self, participant_id: str, event_id: str) -> None:
        """Erasure: only the id and the fact of erasure stay, so late events cannot recreate the person."""
        await apply_once(self.collection, participant_id, event_id,
                         {"$set": {"status": "erased"}, "$unset": {name: "" for name in (*ATTRIBUTES, PAGE_KEY)}})

    async def is_erased(self, participant_id: str) -> bool:
        return await self.collection.count_documents({"_id": participant_id, "status": "erased"}, limit=1) > 0

    async def get(self, branch: str, participant_id: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": participant_id, "branch": branch})

    async def waiting_mentees(self, branch: str) -> list[dict[str, Any]]:
        return await self.collection.find({"branch": branch, "role": "mentee", "status": "waiting",
                                           "languages": {"$exists": True}}).to_list()

    async def active_mentors(self, branch: str) -> list[dict[str, Any]]:
        """Mentors still in the programme, trained or not yet."""
        return await self.collection.find({"branch": branch, "role": "mentor", "status": "active",
                                           "languages": {"$exists": True}}).to_list()

    async def list(self, branch: str, after: Key | None, limit: int, *, role: str | None = None,
                   status: str | None = None, trained: bool | None = None,
                   registered_by: date | None = None) -> tuple[list[dict[str, Any]], Key | None]:
        """A page of the branch's pool; `registered_by`: known since that day or earlier."""
        query: dict[str, Any] = {"branch": branch}
        for name, value in (("role", role), ("status", status), ("trained", trained)):
            if value is not None:
                query[name] = value
        if registered_by is not None:
            query["registered_on"] = {"$lte": registered_by.isoformat()}
        return await find_page(self.collection, query, ORDER, after, limit, {"applied_events": 0})
