"""Notify's own database: the contacts it may use and every notification with its delivery state.

A notification's `_id` is derived from (event, recipient, message), so a redelivered or replayed
event inserts nothing new. Sending needs a claim: one conditional update of that one document
(pending and due, or claimed by a process whose claim ran out), so two notify processes never
send the same message. Pending messages live here, so a restart picks them up again.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from shared.events import Envelope
from shared.messaging import outbox
from shared.paging import PAGE_KEY, Key, Order, find_page

CONTACTS = "contacts"
NOTIFICATIONS = "notifications"
PENDING, SENDING, SENT, FAILED, SKIPPED = "pending", "sending", "sent", "failed", "skipped"
STATUSES = (PENDING, SENDING, SENT, FAILED, SKIPPED)
# Newest first; the id breaks ties.
ORDER = Order("notifications", ("created_at",), descending=True)
INDEXES = {CONTACTS: [], NOTIFICATIONS: [IndexModel([("branch", ASCENDING), ("created_at", DESCENDING),
                                                     ("_id", DESCENDING)]),
                                         IndexModel([("branch", ASCENDING), ("status", ASCENDING),
                                                     ("created_at", DESCENDING), ("_id", DESCENDING)]),
                                         IndexModel([("recipient_id", ASCENDING)]),
                                         IndexModel([(PAGE_KEY, ASCENDING)]),
                                         IndexModel([("status", ASCENDING), ("next_attempt_at", ASCENDING)])]}


def _claimable(now: datetime) -> dict[str, Any]:
    return {"$or": [{"status": PENDING, "next_attempt_at": {"$lte": now}},
                    {"status": SENDING, "claimed_until": {"$lt": now}}]}


UNSENT_AT_ERASURE = "unsent_at_erasure"


class NotifyStore:
    def __init__(self, db, rebuilding: bool = False) -> None:
        self.contacts = db[CONTACTS]
        self.notifications = db[NOTIFICATIONS]
        self.rebuilding = rebuilding

    # -- contacts -------------------------------------------------------------------------

    async def save_contact(self, participant_id: str, branch: str, contact: dict[str, Any]) -> None:
        await self.contacts.update_one({"_id": participant_id},
                                       {"$set": {**contact, "branch": branch}}, upsert=True)

    async def set_consent(self, participant_id: str, branch: str, purpose: str, granted: bool) -> None:
        """The consent may arrive before the contact (another topic): it is kept either way."""
        await self.contacts.update_one({"_id": participant_id},
                                       {"$set": {f"consents.{purpose}": granted, "branch": branch}}, upsert=True)

    async def forget_contact(self, participant_id: str) -> None:
        await self.contacts.delete_one({"_id": participant_id})

    @staticmethod
    def consents(contact: dict[str, Any]) -> dict[str, bool]:
        """Per purpose; contacts recorded before consents had purposes kept `reminders` on its own."""
        legacy = {"reminders": contact["reminders"]} if "reminders" in contact else {}
        return {**legacy, **(contact.get("consents") or {})}

    async def contact(self, participant_id: str) -> dict[str, Any] | None:
        """The contact, once its address is known (a consent alone is not a contact)."""
        return await self.contacts.find_one({"_id": participant_id, "email": {"$exists": True}})

    # -- notifications --------------------------------------------------------------------

    async def add(self, record: dict[str, Any]) -> bool:
        """Insert a pending notification; False when one with this id exists (a redelivery)."""
        try:
            await self.notifications.insert_one({**record, PAGE_KEY: ORDER.page_key(record), **outbox.new_document_fields()})
            return True
        except DuplicateKeyError:
            return False

    async def due(self, now: datetime, limit: int) -> list[str]:
        cursor = self.notifications.find(_claimable(now), {"_id": 1}).sort("next_attempt_at", ASCENDING).limit(limit)
        return [d["_id"] for d in await cursor.to_list()]

    async def claim(self, notification_id: str, worker: str, now: datetime,
                    hold: timedelta) -> dict[str, Any] | None:
        """Take the notification for sending if nobody holds it; the document, or None when not ours."""
        result = await self.notifications.update_one(
            {"_id": notification_id, **_claimable(now)},
            {"$set": {"status": SENDING, "claimed_by": worker, "claimed_until": now + hold}})
        if result.modified_count != 1:
            return None
        return await self.notifications.find_one({"_id": notification_id, "claimed_by": worker}, {"outbox": 0})

    async def release(self, notification_id: str, worker: str, next_attempt_at: datetime,
                      changes: dict[str, Any] | None = None) -> None:
        """Back to pending for a later try (after a transient failure, or while the contact is awaited)."""
        update = {"$set": {"status": PENDING, "next_attempt_at": next_attempt_at, "claimed_by": None,
                           **(changes or {})}}
        await self.notifications.update_one({"_id": notification_id, "claimed_by": worker}, update)

    async def finish(self, notification_id: str, worker: str, status: str, now: datetime,
                     changes: dict[str, Any], *events: Envelope) -> None:
        update = {"$set": {"status": status, "finished_at": now, "claimed_by": None, **changes}}
        await self.notifications.update_one({"_id": notification_id, "status": SENDING, "claimed_by": worker},
                                            outbox.with_events(update, *events))

    async def replay_outcome(self, notification_id: str, status: str, at: datetime,
                             changes: dict[str, Any]) -> dict[str, Any] | None:
        """A delivery's outcome from its event (a rebuild); the notification, or None if it is gone."""
        return await self.notifications.find_one_and_update(
            {"_id": notification_id}, {"$set": {"status": status, "finished_at": at, "claimed_by": None, **changes}})

    async def skip_pending(self, recipient_id: str, now: datetime, reason: str) -> None:
        """Messages not yet sent to a participant who may no longer be contacted: skipped, with the reason."""
        await self.notifications.update_many({"recipient_id": recipient_id, "status": PENDING}, {"$set": {
            "status": SKIPPED, "finished_at": now, "reason": reason}})

    async def wake(self, recipient_id: str, now: datetime) -> None:
        """Pending messages of a participant whose contact just arrived: due now."""
        await self.notifications.update_many({"recipient_id": recipient_id, "status": PENDING},
                                             {"$set": {"next_attempt_at": now}})

    async def list(self, branch: str, after: Key | None, limit: int, *, status: str | None = None,
                   template: str | None = None, duo_id: str | None = None) -> tuple[list[dict[str, Any]], Key | None]:
        query: dict[str, Any] = {"branch": branch}
        for name, value in (("status", status), ("template", template), ("duo_id", duo_id)):
            if value is not None:
                query[name] = value
        return await find_page(self.notifications, query, ORDER, after, limit, {"outbox": 0})

    async def get(self, branch: str, notification_id: str) -> dict[str, Any] | None:
        return await self.notifications.find_one({"_id": notification_id, "branch": branch}, {"outbox": 0})

    async def forget_participant(self, participant_id: str) -> None:
        """Erasure: the contact and the messages not sent yet go; sent ones keep no link to the person."""
        await self.forget_contact(participant_id)
        if self.rebuilding:
            # Live, a message may go out between the erasure's decision and notify applying it: its sent
            # event then comes later in the log than the erasure. So a rebuild marks what is unsent now and
            # deletes it only at the end (drop_unsent_at_erasure), if no sent event came for it meanwhile.
            await self.notifications.update_many({"recipient_id": participant_id, "status": {"$in": [PENDING, SENDING]}},
                                                 {"$set": {UNSENT_AT_ERASURE: True}})
        else:
            await self.notifications.delete_many({"recipient_id": participant_id,
                                                  "status": {"$in": [PENDING, SENDING]}})
        await self.notifications.update_many({"recipient_id": participant_id},
                                             {"$set": {"recipient_id": "erased", "facts": {}}})

    async def drop_unsent_at_erasure(self) -> None:
        await self.notifications.delete_many({UNSENT_AT_ERASURE: True, "status": {"$in": [PENDING, SENDING]}})
        await self.notifications.update_many({UNSENT_AT_ERASURE: True}, {"$unset": {UNSENT_AT_ERASURE: ""}})
