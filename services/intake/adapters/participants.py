"""Intake's participants collection: personal data stays here, scoped by branch."""
from __future__ import annotations

import copy
import re
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError, OperationFailure

from shared.events import Envelope
from shared.messaging import outbox
from shared.messaging.outbox import Tombstone
from shared.paging import PAGE_KEY, Key, Order, find_page
from shared.storage import change_with_events, insert_with_events
from services.intake.adapters.participant_records import HELD_KEYS, document_of, participant_of, update_of
from services.intake.domain.changes import Change
from services.intake.domain.participants import Participant

COLLECTION = "participants"
MIGRATIONS = "migrations"  # one document per start-up job done, so that it runs once
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
           # The duplicate check: every key a record holds, its own or a deliberate duplicate's, in one array,
           # so that one `$in` on the index's first field finds them all (a `$or` over the two fields scans).
           IndexModel([(HELD_KEYS, ASCENDING)]), IndexModel([(PAGE_KEY, ASCENDING)])]
# Indexes of the two fields the check used to read; the start-up job drops them (they only cost writes).
FORMER_INDEXES = ("identity_keys_1", "duplicate_keys_1")


class IdentityTaken(Exception):
    """Another record of the branch holds one of these identity keys."""


class ParticipantRepository:
    def __init__(self, db) -> None:
        self.collection = db[COLLECTION]

    async def find(self, branch: str, participant_id: str) -> tuple[Participant, dict[str, Any]] | None:
        """The participant, and the record read (a change is written on condition that it is still the same)."""
        document = await self.get(branch, participant_id)
        return None if document is None else (participant_of(document), document)

    async def register(self, participant_id: str, registration: Change,
                       *events: Envelope | Tombstone) -> dict[str, Any]:
        """Insert the record a registration decided; returns it as written (no read back)."""
        document = document_of(participant_id, registration)
        await self.add(document, *events)
        return document

    async def save(self, read: dict[str, Any], change: Change, *events: Envelope | Tombstone) -> dict[str, Any]:
        """Store a decided change on the record as read (unless it changed since); returns the record it became."""
        return await self.change(read, update_of(change), *events)

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

    async def change(self, document: dict[str, Any], update: dict[str, Any], *events: Envelope) -> dict[str, Any]:
        """Apply `update` to the record as read (unless it changed since) and return the record it became:
        the write is conditional on the version read, so no read back is needed to know it."""
        try:
            await change_with_events(self.collection, document, update, *events)
        except DuplicateKeyError:
            raise IdentityTaken() from None
        return applied(document, update)

    async def holding_keys(self, hashes: list[str], limit: int = 20) -> list[dict[str, Any]]:
        """Records, in any branch, holding one of these identity keys: their ids, branches and keys only.

        The index returns only the holders of these keys (the same person's few records), so the sort and
        limit that the store applies afterwards stay small whatever the size of the collection."""
        return await self.collection.find(
            {HELD_KEYS: {"$in": hashes}},
            {"branch": 1, "identity_keys": 1, "duplicate_keys": 1}).sort("_id", 1).limit(limit).to_list()

    async def fill_held_keys(self) -> int:
        """Start-up job: give records written before `held_keys` existed that field; returns how many.

        Intake's one whole-collection job: the filter reads every record, once per database (a document
        in `migrations` says it was done; processes starting together may both run it, harmlessly, as
        it only copies keys). Erased records hold no key and get none."""
        migrations = self.collection.database[MIGRATIONS]
        if await migrations.find_one({"_id": HELD_KEYS}) is not None:
            return 0
        filled = 0
        for field in ("identity_keys", "duplicate_keys"):
            result = await self.collection.update_many(
                {field: {"$exists": True}, HELD_KEYS: {"$exists": False}}, [{"$set": {HELD_KEYS: f"${field}"}}])
            filled += result.modified_count
        existing = await self.collection.index_information()
        for name in FORMER_INDEXES:
            if name in existing:
                try:
                    await self.collection.drop_index(name)
                except OperationFailure:  # another process starting now dropped it first
                    pass
        await migrations.update_one({"_id": HELD_KEYS}, {"$set": {"filled": filled}}, upsert=True)
        return filled

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

    async def mentee_groups(self, branches: list[str]) -> list[dict[str, Any]]:
        """Every mentee of these branches not erased, with only what the fairness audit groups on.

        A report on whole branches, led by the branch index; erased records are left out here rather than
        by a `$ne` in the filter, which this store would answer by reading the whole collection."""
        documents = await self.collection.find({"branch": {"$in": branches}, "role": "mentee"}, {
            "status": 1, "registered_on": 1, "profile.age_band": 1, "profile.languages.code": 1,
            "profile.postcode_area": 1}).to_list()
        return [d for d in documents if d["status"] != "erased"]


def applied(document: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """`document` with the operators this repository's callers use ($set, $unset, $push on dotted paths) applied,
    and its version counted up as change_with_events does; without its outbox, which the relay empties."""
    after = copy.deepcopy({k: v for k, v in document.items() if k != outbox.FIELD})
    for operator, fields in update.items():
        for path, value in fields.items():
            *parents, name = path.split(".")
            place = after
            for part in parents:
                place = place.setdefault(part, {})
            if operator == "$set":
                place[name] = value
            elif operator == "$unset":
                place.pop(name, None)
            elif operator == "$push":
                place.setdefault(name, []).append(value)
            else:
                raise ValueError(f"{operator} is not applied here")
    after["version"] = document["version"] + 1
    return after
