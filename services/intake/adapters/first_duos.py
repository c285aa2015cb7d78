"""The day each mentee's first duo formed, as matching announced it: the one fact intake keeps
from another service, so the fairness audit can join it with the groups intake already holds."""
from __future__ import annotations

from datetime import date

from pymongo import ASCENDING, IndexModel

from shared.clock import day_or_none
from shared.messaging.idempotency import apply_once

COLLECTION = "first_duos"
INDEXES = [IndexModel([("branch", ASCENDING)])]


class FirstDuos:
    def __init__(self, db) -> None:
        self.collection = db[COLLECTION]

    async def record(self, mentee_id: str, event_id: str, branch: str, started_on: date) -> bool:
        # $min keeps the earliest start whatever order duos arrive in (ISO dates sort as text).
        return await apply_once(self.collection, mentee_id, event_id,
                                {"$min": {"first_duo_on": started_on.isoformat()}, "$set": {"branch": branch}})

    async def forget(self, participant_id: str) -> None:
        await self.collection.delete_one({"_id": participant_id})

    async def in_branches(self, branches: list[str]) -> dict[str, date]:
        docs = await self.collection.find({"branch": {"$in": branches}}, {"first_duo_on": 1}).to_list()
        return {d["_id"]: day_or_none(d["first_duo_on"]) for d in docs}
