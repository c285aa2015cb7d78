"""Intake's participants collection: personal data stays here, scoped by branch."""
from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from shared.events import Envelope
from shared.storage import change_with_events, insert_with_events

COLLECTION = "participants"
# A person's identity keys (keyed hashes, see domain/identity.py) are unique within a branch: the
# index, not a read before the write, refuses the second of two registrations arriving at once.
# A record registered deliberately as a duplicate keeps its keys in `duplicate_keys`, outside it.
INDEXES = [IndexModel([("branch", ASCENDING), ("_id", ASCENDING)]),
           IndexModel([("branch", ASCENDING), ("identity_keys", ASCENDING)], unique=True,
                      partialFilterExpression={"identity_keys": {"$exists": True}}, name="identity_unique"),
           IndexModel([("identity_keys", ASCENDING)]), IndexModel([("duplicate_keys", ASCENDING)])]


class IdentityTaken(Exception):
    """Another record of the branch holds one of these identity keys."""


class ParticipantRepository:
    def __init__(self, db) -> None:
        self.collection = db[COLLECTION]

    async def add(self, document: dict[str, Any], *events: Envelope) -> None:
        try:
            await insert_with_events(self.collection, document, *events)
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

    async def list(self, branch: str, role: str | None, limit: int) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"branch": branch}
        if role:
            query["role"] = role
        return await self.collection.find(query, {"outbox": 0, "history": 0}).sort("_id", 1).limit(limit).to_list()

    async def mentee_groups(self, branch: str | None) -> list[dict[str, Any]]:
        """Every mentee not erased, with only what the fairness audit groups on."""
        query: dict[str, Any] = {"role": "mentee", "status": {"$ne": "erased"}}
        if branch is not None:
            query["branch"] = branch
        return await self.collection.find(query, {
            "registered_on": 1, "profile.age_band": 1, "profile.languages.code": 1,
            "profile.postcode_area": 1}).to_list()
