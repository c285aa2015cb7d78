"""One proposal round per branch at a time, across every matching process: a lease in MongoDB.

A lease rather than a lock, so a process that dies mid-round frees its branch when the lease
runs out instead of holding it for ever.
"""
from __future__ import annotations

import uuid
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone

from pymongo.errors import DuplicateKeyError

COLLECTION = "round_leases"


class RoundBusy(Exception):
    """Another round is running for this branch."""


class RoundLeases:
    def __init__(self, db, lease_seconds: float) -> None:
        self.collection = db[COLLECTION]
        self.lease = timedelta(seconds=lease_seconds)

    @asynccontextmanager
    async def hold(self, branch: str):
        holder, now = uuid.uuid4().hex, datetime.now(timezone.utc)
        try:
            # Matches a free or expired lease; if the branch's lease is held, the upsert collides
            # with the existing _id, atomically, whichever process asks.
            await self.collection.update_one(
                {"_id": branch, "until": {"$lt": now}},
                {"$set": {"holder": holder, "until": now + self.lease}}, upsert=True)
        except DuplicateKeyError:
            raise RoundBusy(branch) from None
        try:
            yield
        finally:
            await self.collection.update_one({"_id": branch, "holder": holder},
                                              {"$set": {"until": datetime.now(timezone.utc)}})
