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

A page asks for several periods at once (the year and six months for its chart): each is a
computation, but the branch's facts are read once. The facts read are remembered with the cache
document's version they were kept under; while no write has marked the branch and nobody has
kept newer figures (the version is the same), they are still every fact, and the next period is
computed from them without reading the branch again.
"""
from __future__ import annotations

import asyncio
import uuid
from datetime import date
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Generic, TypeVar

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from services.followup.domain.figures import DEFINITIONS_VERSION

COLLECTION = "figures_cache"
FIGURES_DIRTY = "figures_dirty"
DIRTY_INDEX = IndexModel([(FIGURES_DIRTY, ASCENDING)])
KEPT_PERIODS = 64  # per branch, between two changes: a new period past it starts the list again
# The local store's `$in` costs the square of its values (1,600 tokens: 4.2 s; in sixteen commands: 0.65 s):
# after a bulk load, the marks are cleared a hundred at a time.
CLEARED_PER_COMMAND = 100
REMEMBERED_BRANCHES = 8  # branches whose facts read are remembered in this process, the latest used
Facts = TypeVar("Facts")


def dirty_mark(branch: str) -> str:
    """The mark a write leaves on a duo or fact of `branch`: the branch, then a token unique to the write."""
    return f"{branch}|{uuid.uuid4().hex}"


@dataclass(frozen=True)
class _Remembered(Generic[Facts]):
    version: int  # the cache document's version the figures computed from them were kept under
    facts: Facts


class FiguresCache(Generic[Facts]):
    def __init__(self, db, marked: list[Any]) -> None:
        self.collection, self.marked = db[COLLECTION], marked  # marked: the duos and the facts collections
        # One computation per branch at a time in this process: the readings that arrive meanwhile (a page
        # asks for seven periods at once) then find the figures kept, or the facts read, instead of reading again.
        self.computing: dict[str, asyncio.Lock] = {}
        self.remembered: OrderedDict[str, _Remembered[Facts]] = OrderedDict()

    async def figures(self, branch: str, start: date, end: date, read: Callable[[], Awaitable[Facts]],
                      compute: Callable[[Facts], dict[str, Any]]) -> dict[str, Any]:
        """The period's figures: kept, or computed by `compute` from the branch's facts (`read`, or remembered)."""
        async with self.computing.setdefault(branch, asyncio.Lock()):
            return await self._figures(branch, start, end, read, compute)

    async def _figures(self, branch: str, start: date, end: date, read: Callable[[], Awaitable[Facts]],
                       compute: Callable[[Facts], dict[str, Any]]) -> dict[str, Any]:
        marks = {name: [d[FIGURES_DIRTY] for d in await collection.find(
                     {FIGURES_DIRTY: {"$gte": f"{branch}|", "$lt": f"{branch}}}"}}, {FIGURES_DIRTY: 1}).to_list()]
                 for name, collection in ((c.name, c) for c in self.marked)}
        changed = any(marks.values())
        kept = await self.collection.find_one({"_id": branch})
        period = f"{start.isoformat()}_{end.isoformat()}_{DEFINITIONS_VERSION.replace('.', '-')}"
        if kept is not None and not changed and period in kept["periods"]:
            return kept["periods"][period]
        remembered = self.remembered.get(branch)
        if remembered is not None and not changed and kept is not None and remembered.version == kept["version"]:
            facts = remembered.facts  # no write since they were read, and no newer figures kept elsewhere
        else:
            facts = await read()  # after the marks were read: it sees at least the writes they stand for
        figures = compute(facts)
        periods = {} if changed or kept is None or len(kept["periods"]) >= KEPT_PERIODS else dict(kept["periods"])
        periods[period] = figures
        if kept is None:
            try:
                await self.collection.insert_one({"_id": branch, "version": 1, "periods": periods})
            except DuplicateKeyError:
                return figures  # another reader kept its own: the marks stay for the next reading
            self._remember(branch, 1, facts)
        else:
            written = await self.collection.update_one({"_id": branch, "version": kept["version"]},
                                                       {"$set": {"periods": periods}, "$inc": {"version": 1}})
            if written.modified_count != 1:
                return figures
            self._remember(branch, kept["version"] + 1, facts)
        for collection in self.marked:
            tokens = marks[collection.name]
            for first in range(0, len(tokens), CLEARED_PER_COMMAND):
                await collection.update_many({FIGURES_DIRTY: {"$in": tokens[first:first + CLEARED_PER_COMMAND]}},
                                             {"$unset": {FIGURES_DIRTY: ""}})
        return figures

    def _remember(self, branch: str, version: int, facts: Facts) -> None:
        self.remembered[branch] = _Remembered(version, facts)
        self.remembered.move_to_end(branch)
        while len(self.remembered) > REMEMBERED_BRANCHES:
            self.remembered.popitem(last=False)
