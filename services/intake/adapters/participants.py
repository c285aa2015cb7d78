"""Intake's participants collection: personal data stays here, scoped by branch."""
from __future__ import annotations

import re
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from shared.events import Envelope
from shared.paging import PAGE_KEY, Key, Order, find_page
from shared.storage import change_with_events, insert_with_events

COLLECTION = "participants"
# Newest registrations first; the id breaks ties within a day.
ORDER = Order("participants", ("registered_on",), descending=True)
INDEXES = [IndexModel([("branch", ASCENDING), ("registered_on", DESCENDING), ("_id", DESCENDING)]),
           IndexModel([("branch", ASCENDING), ("role", ASCENDING), ("status", ASCENDING),
                       ("registered_on", DESCENDING), ("_id", DESCENDING)]),
           IndexModel([("branch", ASCENDING), ("name_keys", ASCENDING)]),
           # A person's identity keys (keyed hashes, see domain/identity.py) are unique within a branch: the
           # index, not a read before the write, refuses the second of two registrations arriving at once.
           # A record registered deliberately as a duplicate keeps its keys in `duplicate_keys`, outside it.
           IndexModel([("branch", ASCENDING), ("identity_keys", ASCENDING)], unique=True,
                      partialFilterExpression={"identity_keys": {"$exists": True}}, name="identity_unique"),
           IndexModel([("identity_keys", ASCENDING)]), IndexModel([("duplicate_keys", ASCENDING)]),
           IndexModel([(PAGE_KEY, ASCENDING)])]


class IdentityTaken(Exception):
    """Another record of the branch holds one of these identity keys."""


class ParticipantRepository:
    def __init__(self, db) -> None:
        self.collection = db[COLLECTION]

    async def add(self, document: dict[str, Any], *events: Envelope) -> None:
        try:
            await insert_with_events(self.collection, {**document, PAGE_KEY: ORDER.page_key(document)}, *events)
        except DuplicateKeyError:
            raise IdentityTaken() from None

    async def get(self, branch: str, participant_id: str, role: str | None = None) -> dict[str, Any] | None:
        query: dict[str, Any] = {"_id": participant_id, "branch": branch}
        if role:
            query["role"] = role
        return await self.collection.find_one(query)

    async def change(self, document: dict[str, Any], update: dict[str, Any], *events: Envelope) -> None:
        try:
            await change_with_events(self.collection, document, update, *events)
        except DuplicateKeyError:
            raise IdentityTaken() from None

    async def holding_keys(self, hashes: list[str], limit: int = 20) -> list[dict[str, Any]]:
        """Records, in any branch, holding one of these identity keys: their ids, branches and keys only."""
        return await self.collection.find(
            {"$or": [{"identity_keys": {"$in": hashes}}, {"duplicate_keys": {"$in": hashes}}]},
            {"branch": 1, "identity_keys": 1, "duplicate_keys": 1}).sort("_id", 1).limit(limit).to_list()

    async def list(self, branch: str, after: Key | None, limit: int, *, role: str | None = None,
                   status: str | None = None, name_prefix: str | None = None) -> tuple[list[dict[str, Any]], Key | None]:
        """A page of the branch's participants; `name_prefix` is already folded (domain.names)."""
        query: dict[str, Any] = {"branch": branch}
        if role:
            query["role"] = role
        if status:
            query["status"] = status
        if name_prefix:
            query["name_keys"] = {"$regex": "^" + re.escape(name_prefix)}
        return await find_page(self.collection, query, ORDER, after, limit, {"outbox": 0})

    async def mentee_groups(self, branch: str | None) -> list[dict[str, Any]]:
        """Every mentee not erased, with only what the fairness audit groups on."""
        query: dict[str, Any] = {"role": "mentee", "status": {"$ne": "erased"}}
        if branch is not None:
            query["branch"] = branch
        return await self.collection.find(query, {
            "registered_on": 1, "profile.age_band": 1, "profile.languages.code": 1,
            "profile.postcode_area": 1}).to_list()
