"""Documents held in memory and written in bulk, for a rebuild: the only writer of its fresh database.

Live, every change is one conditional write, because other processes write the same documents.
A rebuild replays the log into a database nobody else reads or writes yet, so a document read
once can stay in memory, take every event of its subject there, and be written when `limit`
documents have changed, and at the end: one bulk request instead of a read and a write per event.
"""
from __future__ import annotations

from typing import Any

from pymongo import ReplaceOne


class WriteBehind:
    def __init__(self, collection, limit: int = 2000) -> None:
        self.collection, self.limit = collection, limit
        self.documents: dict[Any, dict[str, Any]] = {}
        self.changed: set[Any] = set()

    async def get(self, doc_id: Any) -> dict[str, Any] | None:
        """The document as last put, else as stored (None: there is none)."""
        if doc_id not in self.documents:
            found = await self.collection.find_one({"_id": doc_id})
            if found is None:
                return None
            self.documents.setdefault(doc_id, found)  # a lane may have put it while we read
        return self.documents[doc_id]

    async def put(self, document: dict[str, Any]) -> None:
        self.documents[document["_id"]] = document
        self.changed.add(document["_id"])
        if len(self.changed) >= self.limit:
            await self.flush()

    async def flush(self) -> None:
        """Write every changed document; then forget the unchanged ones, so memory stays bounded."""
        changed, self.changed = self.changed, set()  # a put during the write marks its document again
        if changed:
            await self.collection.bulk_write(
                [ReplaceOne({"_id": i}, self.documents[i], upsert=True) for i in changed], ordered=False)
        for doc_id in [i for i in self.documents if i not in self.changed]:
            del self.documents[doc_id]

    async def flush_and_forget(self) -> None:
        """Before a write that goes straight to the collection: nothing in memory may be older than it."""
        await self.flush()
        self.documents.clear()
