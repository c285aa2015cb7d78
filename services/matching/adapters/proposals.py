"""Proposals and the duos they become: one document each, holding its status and its events."""
from __future__ import annotations

from datetime import date
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from shared.events import Envelope
from shared.events.matching import DuoProposed
from shared.messaging.idempotency import apply_once
from shared.paging import PAGE_KEY, Key, Order, find_page
from shared.storage import change_with_events, insert_all_with_events, insert_with_events

COLLECTION = "proposals"
# Newest first; the id breaks ties.
ORDER = Order("proposals", ("created_at",), descending=True)
INDEXES = [IndexModel([("branch", ASCENDING), ("status", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
           IndexModel([("branch", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
           # A person's proposals (a profile change, an erasure): each side on its own index, no $or.
           IndexModel([("mentee_id", ASCENDING)]), IndexModel([("mentor_id", ASCENDING)]),
           IndexModel([(PAGE_KEY, ASCENDING)])]
OPEN = ("proposed", "formed")
ERASED = "erased"  # in place of an erased person's id


def proposed_document(event: Envelope, proposed: DuoProposed) -> dict[str, Any]:
    """A proposal as its duo-proposed event states it: the same document live and when rebuilt."""
    document = {"_id": proposed.duo_id, "branch": event.branch, "mentee_id": proposed.mentee_id,
                "mentor_id": proposed.mentor_id, "status": "proposed", "score": proposed.score,
                "breakdown": dict(proposed.breakdown), "reasons": list(proposed.reasons),
                "proposed_on": (proposed.proposed_on or event.time.date()).isoformat(), "created_at": event.time}
    return {**document, PAGE_KEY: ORDER.page_key(document)}


def formed(started_on: date) -> dict[str, Any]:
    return {"$set": {"status": "formed", "started_on": started_on.isoformat()}}


DECLINED = {"$set": {"status": "declined"}}


class ProposalRepository:
    def __init__(self, db) -> None:
        self.collection = db[COLLECTION]

    async def add(self, document: dict[str, Any], *events: Envelope) -> None:
        await insert_with_events(self.collection, document, *events)

    async def add_all(self, documents: list[tuple[dict[str, Any], Envelope]]) -> None:
        await insert_all_with_events(self.collection, documents)

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
        found: dict[str, dict[str, Any]] = {}
        for side in ("mentee_id", "mentor_id"):  # a person is on one side; two indexed reads, never a scan
            for doc in await self.collection.find({side: participant_id, "status": "proposed"},
                                                  {"outbox": 0, "applied_events": 0}).to_list():
                found[doc["_id"]] = doc
        return list(found.values())

    async def declined_pairs(self, branch: str) -> set[tuple[str, str]]:
        docs = await self.collection.find({"branch": branch, "status": "declined"},
                                          {"mentee_id": 1, "mentor_id": 1}).to_list()
        return {(d["mentee_id"], d["mentor_id"]) for d in docs}

    async def list(self, branch: str, after: Key | None, limit: int,
                   status: str | None = None) -> tuple[list[dict[str, Any]], Key | None]:
        query: dict[str, Any] = {"branch": branch}
        if status:
            query["status"] = status
        return await find_page(self.collection, query, ORDER, after, limit, {"outbox": 0, "applied_events": 0})

    # A decision this service took, written again from its own event (rebuilding the view). Plain
    # writes: both are idempotent, should the relay have published the event twice.
    async def insert_once(self, document: dict[str, Any]) -> None:
        try:
            await self.collection.insert_one(document)
        except DuplicateKeyError:
            pass

    async def apply(self, duo_id: str, update: dict[str, Any]) -> None:
        await self.collection.update_one({"_id": duo_id}, update)

    async def mark_ended(self, duo_id: str, event_id: str, ended: dict[str, Any]) -> bool:
        return await apply_once(self.collection, duo_id, event_id, {"$set": {"status": "ended", **ended}},
                                upsert=False)

    async def forget_participant(self, participant_id: str) -> None:
        for field in ("mentee_id", "mentor_id"):
            await self.collection.update_many({field: participant_id}, {"$set": {field: ERASED}})
