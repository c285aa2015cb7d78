"""Followup's duos during a rebuild: the same documents as DuoRepository writes, held in memory
while their events are replayed and written in bulk (shared/write_behind.py says why).

Only what the replay's handlers call goes through memory (add_once, get, save, and an erasure's
replace_participant). The queries of the scans and the routes read the collection, which is
complete once `flush` has run at the end of the rebuild."""
from __future__ import annotations

from typing import Any

from shared.events import Envelope
from shared.messaging import outbox
from shared.write_behind import WriteBehind
from services.followup.adapters.duo_records import from_document, state_of, to_document
from services.followup.adapters.duos import DuoRepository
from services.followup.domain.duo import Duo


class RebuiltDuos(DuoRepository):
    def __init__(self, db, limit: int = 2000) -> None:
        super().__init__(db)
        self.buffer = WriteBehind(self.collection, limit)

    async def add_once(self, duo: Duo, *events: Envelope) -> bool:
        _publishes_nothing(events)
        if await self.buffer.get(duo.duo_id) is not None:
            return False
        await self.buffer.put({**to_document(duo), "version": 1, **outbox.new_document_fields()})
        return True

    async def get(self, branch: str, duo_id: str) -> tuple[Duo, dict[str, Any]] | None:
        doc = await self.buffer.get(duo_id)
        return None if doc is None or doc["branch"] != branch else (from_document(doc), doc)

    async def save(self, duo: Duo, read_from: dict[str, Any], *events: Envelope) -> None:
        _publishes_nothing(events)
        await self.buffer.put({**read_from, **state_of(duo), "version": read_from["version"] + 1})

    async def replace_participant(self, participant_id: str, surrogate: str, branch: str) -> None:
        await self.buffer.flush_and_forget()
        await super().replace_participant(participant_id, surrogate, branch)

    async def flush(self) -> None:
        await self.buffer.flush()


def _publishes_nothing(events: tuple[Envelope, ...]) -> None:
    # The events are in the log already: a rebuilt view that queued them would publish them again.
    if events:
        raise ValueError("a rebuild stores no events to publish")
