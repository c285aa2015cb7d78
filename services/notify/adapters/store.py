"""Notify's own database: the contacts it may use and the notifications it sent."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from shared.events import Envelope
from shared.messaging import outbox

CONTACTS = "contacts"
NOTIFICATIONS = "notifications"
INDEXES = {CONTACTS: [], NOTIFICATIONS: [IndexModel([("branch", ASCENDING), ("created_at", DESCENDING)]),
                                         IndexModel([("recipient_id", ASCENDING)])]}


class NotifyStore:
    def __init__(self, db) -> None:
        self.contacts = db[CONTACTS]
        self.notifications = db[NOTIFICATIONS]

    async def save_contact(self, participant_id: str, branch: str, contact: dict[str, Any]) -> None:
        await self.contacts.update_one({"_id": participant_id},
                                       {"$set": {**contact, "branch": branch}}, upsert=True)

    async def forget_contact(self, participant_id: str) -> None:
        await self.contacts.delete_one({"_id": participant_id})

    async def contact(self, participant_id: str) -> dict[str, Any] | None:
        return await self.contacts.find_one({"_id": participant_id})

    async def claim(self, notification_id: str, record: dict[str, Any]) -> bool:
        """Reserve a notification before sending; False when an earlier delivery already did."""
        try:
            await self.notifications.insert_one({"_id": notification_id, "status": "sending",
                                                 "created_at": datetime.now(timezone.utc), **record,
                                                 **outbox.new_document_fields()})
            return True
        except DuplicateKeyError:
            existing = await self.notifications.find_one({"_id": notification_id}, {"status": 1})
            # A crash between claim and send leaves "sending": try again rather than never.
            return bool(existing and existing["status"] == "sending")

    async def finish(self, notification_id: str, status: str, event: Envelope,
                     reason: str | None = None) -> None:
        update = {"$set": {"status": status, "finished_at": datetime.now(timezone.utc), "reason": reason}}
        await self.notifications.update_one({"_id": notification_id, "status": "sending"},
                                            outbox.with_events(update, event))

    async def list(self, branch: str, limit: int) -> list[dict[str, Any]]:
        cursor = self.notifications.find({"branch": branch}, {"outbox": 0}).sort("created_at", -1).limit(limit)
        return await cursor.to_list()

    async def get(self, branch: str, notification_id: str) -> dict[str, Any] | None:
        return await self.notifications.find_one({"_id": notification_id, "branch": branch}, {"outbox": 0})

    async def forget_participant(self, participant_id: str) -> None:
        await self.forget_contact(participant_id)
        await self.notifications.update_many({"recipient_id": participant_id}, {"$set": {"recipient_id": "erased"}})
