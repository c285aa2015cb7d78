"""The few facts about participants the figures need: branch, role, registration and training dates."""
from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from shared.clock import day_or_none as _day
from shared.messaging.idempotency import apply_once
from services.followup.adapters.figures_cache import DIRTY_INDEX, FIGURES_DIRTY, dirty_mark
from services.followup.domain.figures import ParticipantFact

COLLECTION = "participant_facts"
INDEXES = [IndexModel([("branch", ASCENDING)]), DIRTY_INDEX]


class ParticipantFacts:
    def __init__(self, db) -> None:
        self.collection = db[COLLECTION]

    async def record(self, participant_id: str, event_id: str, facts: dict[str, Any], branch: str) -> bool:
        return await apply_once(self.collection, participant_id, event_id,
                                {"$set": {**facts, FIGURES_DIRTY: dirty_mark(branch)}})

    async def pseudonymise(self, participant_id: str, surrogate: str) -> None:
        """Erasure: the facts stay countable for the funders' figures, no longer linked to the person's id."""
        doc = await self.collection.find_one({"_id": participant_id})
        if doc is not None:
            doc.pop("applied_events", None)
            try:
                await self.collection.insert_one({**doc, "_id": surrogate, FIGURES_DIRTY: dirty_mark(doc["branch"])})
            except DuplicateKeyError:
                pass  # a redelivered erasure: the surrogate is already there
        await self.collection.delete_one({"_id": participant_id})

    async def all_in(self, branch: str | None) -> list[ParticipantFact]:
        # The branch first: its index leads; national staff's programme-wide figures read every fact.
        docs = await self.collection.find({**({} if branch is None else {"branch": branch}), "role": {"$exists": True}},
                                          {"applied_events": 0}).to_list()
        return [ParticipantFact(participant_id=d["_id"], branch=d["branch"], role=d["role"],
                                registered_on=_day(d.get("registered_on")), trained_on=_day(d.get("trained_on")))
                for d in docs if d.get("registered_on")]
