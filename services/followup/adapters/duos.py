"""Followup's duos: one document per duo holds its whole life (sessions, check-ins, outcomes, events)."""
from __future__ import annotations

from datetime import date
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from shared.events import Envelope
from shared.paging import PAGE_KEY, Key, find_page
from shared.storage import change_with_events, insert_with_events
from services.followup.adapters.figures_cache import DIRTY_INDEX, FIGURES_DIRTY, dirty_mark
from services.followup.adapters.duo_records import BY_STATUS, ORDER, from_document, state_of, to_document
from services.followup.domain.duo import Duo

COLLECTION = "duos"
INDEXES = [IndexModel([(PAGE_KEY, ASCENDING)]), IndexModel([(BY_STATUS.key, ASCENDING)]), DIRTY_INDEX,
           IndexModel([("branch", ASCENDING), ("started_on", DESCENDING), ("_id", DESCENDING)]),
           IndexModel([("status", ASCENDING), ("last_activity_on", ASCENDING)]),
           # An erased person's duos, found by either side's index.
           IndexModel([("mentee_id", ASCENDING)]), IndexModel([("mentor_id", ASCENDING)]),
           # The reminder scan's recently ended duos (an active duo has no end day).
           IndexModel([("ended_on", ASCENDING)])]


class DuoRepository:
    def __init__(self, db) -> None:
        self.collection = db[COLLECTION]

    async def add_once(self, duo: Duo, *events: Envelope) -> bool:
        """Insert a duo the first time its duo-formed event is seen; a redelivery changes nothing."""
        try:
            await insert_with_events(self.collection, to_document(duo), *events)
            return True
        except DuplicateKeyError:
            return False

    async def get(self, branch: str, duo_id: str) -> tuple[Duo, dict[str, Any]] | None:
        """The duo and the document it was read from (whose version guards the next change)."""
        doc = await self.collection.find_one({"_id": duo_id, "branch": branch}, {"outbox": 0})
        return None if doc is None else (from_document(doc), doc)

    async def save(self, duo: Duo, read_from: dict[str, Any], *events: Envelope) -> None:
        await change_with_events(self.collection, read_from, {"$set": state_of(duo)}, *events)

    async def list(self, branch: str, after: Key | None, limit: int, *, status: str | None = None,
                   at_risk: bool | None = None) -> tuple[list[Duo], Key | None]:
        query: dict[str, Any] = {"branch_status": f"{branch}:{status}"} if status else {"branch": branch}
        if at_risk is not None:
            query["at_risk"] = at_risk
        docs, next_key = await find_page(self.collection, query, BY_STATUS if status else ORDER, after, limit,
                                         {"outbox": 0})
        return [from_document(d) for d in docs], next_key

    async def all_in(self, branch: str | None) -> list[Duo]:
        docs = await self.collection.find({} if branch is None else {"branch": branch}, {"outbox": 0}).to_list()
        return [from_document(d) for d in docs]

    async def quiet_since(self, before: date, branch: str | None) -> list[tuple[Duo, dict[str, Any]]]:
        """Active duos not yet flagged whose last activity is older than `before`."""
        query = {"status": "active", "at_risk": False, "last_activity_on": {"$lt": before.isoformat()}}
        if branch is not None:
            query["branch"] = branch
        docs = await self.collection.find(query, {"outbox": 0}).to_list()
        return [(from_document(d), d) for d in docs]

    async def followed_since(self, ended_since: date, branch: str | None) -> list[tuple[Duo, dict[str, Any]]]:
        """Active duos and those ended on or after `ended_since`: the ones reminders may still concern."""
        # Two reads, each led by its index (a `$or` scans every duo ever followed, on this store).
        scope = {} if branch is None else {"branch": branch}
        found: dict[str, dict[str, Any]] = {}
        for query in ({"status": "active", **scope}, {"ended_on": {"$gte": ended_since.isoformat()}, **scope}):
            for doc in await self.collection.find(query, {"outbox": 0}).to_list():
                found[doc["_id"]] = doc
        return [(from_document(d), d) for d in found.values()]

    async def replace_participant(self, participant_id: str, surrogate: str, branch: str) -> None:
        for field in ("mentee_id", "mentor_id"):
            await self.collection.update_many({field: participant_id},
                                              {"$set": {field: surrogate, FIGURES_DIRTY: dirty_mark(branch)}})
