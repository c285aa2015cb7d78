"""A branch's figures, computed once and kept until a fact they count changes.

Every write of a duo or a participant fact marks its document `figures_dirty` with the branch
and a token of its own, in the same write (no extra command on any event path). Reading a
branch's figures first looks for marked documents (an index range holding only the writes since
the last computation): none, and the figures kept for that period and definitions version are
the answer. Otherwise they are computed from every fact of the branch, kept in place of all the
branch's earlier periods, and the marks read are cleared, only if nobody kept newer figures in
the meantime (the cache document's version), and only those very tokens: a write after the
marks were read keeps its mark, so the next reading computes again. Figures kept are therefore
never older than the facts, with one or several processes.
"""
from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any, Awaitable, Callable

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from services.followup.domain.figures import DEFINITIONS_VERSION

COLLECTION = "figures_cache"
FIGURES_DIRTY = "figures_dirty"
DIRTY_INDEX = IndexModel([(FIGURES_DIRTY, ASCENDING)])
KEPT_PERIODS = 64  # per branch, between two changes: a new period past it starts the list again


def dirty_mark(branch: str) -> str:
    """The mark a write leaves on a duo or fact of `branch`: the branch, then a token unique to the write."""
    return f"{branch}|{uuid.uuid4().hex}"


class FiguresCache:
    def __init__(self, db, marked: list[Any]) -> None:
        self.collection, self.marked = db[COLLECTION], marked  # marked: the duos and the facts collections
        # One computation per branch at a time in this process: the readings that arrive meanwhile (a page
        # asks for seven periods at once) then find the figures kept instead of computing them again.
        self.computing: dict[str, asyncio.Lock] = {}

    async def figures(self, branch: str, start: date, end: date,
                      compute: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
        async with self.computing.setdefault(branch, asyncio.Lock()):
            return await self._figures(branch, start, end, compute)

    async def _figures(self, branch: str, start: date, end: date,
                       compute: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
        marks = {name: [d[FIGURES_DIRTY] for d in await collection.find(
                     {FIGURES_DIRTY: {"$gte": f"{branch}|", "$lt": f"{branch}}}"}}, {FIGURES_DIRTY: 1}).to_list()]
                 for name, collection in ((c.name, c) for c in self.marked)}
        changed = any(marks.values())
        kept = await self.collection.find_one({"_id": branch})
        period = f"{start.isoformat()}_{end.isoformat()}_{DEFINITIONS_VERSION.replace('.', '-')}"
        if kept is not None and not changed and period in kept["periods"]:
            return kept["periods"][period]
        figures = await compute()  # after the marks were read: it sees at least the writes they stand for
        periods = {} if changed or kept is None or len(kept["periods"]) >= KEPT_PERIODS else dict(kept["periods"])
        periods[period] = figures
        if kept is None:
            try:
                await self.collection.insert_one({"_id": branch, "version": 1, "periods": periods})
            except DuplicateKeyError:
                return figures  # another reader kept its own: the marks stay for the next reading
        else:
            written = await self.collection.update_one({"_id": branch, "version": kept["version"]},
                                                       {"$set": {"periods": periods}, "$inc": {"version": 1}})
            if written.modified_count != 1:
                return figures
        for collection in self.marked:
            if marks[collection.name]:
                await collection.update_many({FIGURES_DIRTY: {"$in": marks[collection.name]}},
                                             {"$unset": {FIGURES_DIRTY: ""}})
        return figures
