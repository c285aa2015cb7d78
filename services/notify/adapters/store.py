"""Notify's own database: the contacts it may use and every notification with its delivery state.

A notification's `_id` is derived from (event, recipient, message), so a redelivered or replayed
event inserts nothing new. Sending needs a claim, a conditional write on the notification's status
that returns the document: the insert itself when the process that records it sends it at once,
later one `find_one_and_update` by `_id` (pending and due, pending and awaiting its contact that has
just come, or sending under a claim that ran out), so two notify processes never send the same
message. Pending messages live here, so a restart picks them up again.

Every filter on an event or delivery path leads with `_id`, `recipient_id` or `status` followed by a
range on the field after it in an index: no `$or`, so the store never scans for them.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.events import Envelope
from shared.messaging import outbox
from shared.paging import PAGE_KEY, Key, Order, find_page

CONTACTS = "contacts"
NOTIFICATIONS = "notifications"
PENDING, SENDING, SENT, FAILED, SKIPPED = "pending", "sending", "sent", "failed", "skipped"
STATUSES = (PENDING, SENDING, SENT, FAILED, SKIPPED)
# On a contact: the notifications that found no contact and wait for this one (their ids).
AWAITED_BY = "awaited_by"
# On a notification parked until its contact comes: the contact's arrival may claim it before it is due.
AWAITING_CONTACT = "awaiting_contact"
UNSENT_AT_ERASURE = "unsent_at_erasure"
# Newest first; the id breaks ties.
ORDER = Order("notifications", ("created_at",), descending=True)
INDEXES = {CONTACTS: [], NOTIFICATIONS: [IndexModel([("branch", ASCENDING), ("created_at", DESCENDING),
                                                     ("_id", DESCENDING)]),
                                         IndexModel([("branch", ASCENDING), ("status", ASCENDING),
                                                     ("created_at", DESCENDING), ("_id", DESCENDING)]),
                                         IndexModel([("recipient_id", ASCENDING)]),
                                         # due(): pending messages by when they are due ...
                                         IndexModel([("status", ASCENDING), ("next_attempt_at", ASCENDING)]),
                                         # ... and claims that ran out, by when they ran out.
                                         IndexModel([("status", ASCENDING), ("claimed_until", ASCENDING)]),
                                         # Only a rebuild sets it: the index holds those few documents alone.
                                         IndexModel([(UNSENT_AT_ERASURE, ASCENDING)], sparse=True),
                                         IndexModel([(PAGE_KEY, ASCENDING)])]}


class NotifyStore:
    def __init__(self, db, rebuilding: bool = False) -> None:
        self.contacts = db[CONTACTS]
        self.notifications = db[NOTIFICATIONS]
        self.rebuilding = rebuilding

    # -- contacts -------------------------------------------------------------------------

    async def save_contact(self, participant_id: str, branch: str, contact: dict[str, Any]) -> dict[str, Any]:
        """Store the contact; the contact as stored, with its consents and the notifications waiting for it
        (`awaiting`), read back by the same write."""
        return await self.contacts.find_one_and_update(
            {"_id": participant_id}, {"$set": {**contact, "branch": branch}}, upsert=True,
            return_document=ReturnDocument.AFTER)

    @staticmethod
    def awaiting(contact: dict[str, Any]) -> list[str]:
        """The notifications that found no contact and wait for this one."""
        return list(contact.get(AWAITED_BY) or [])

    async def await_contact(self, participant_id: str, notification_id: str) -> dict[str, Any] | None:
        """Mark the notification as waiting for the participant's contact; the contact if it came meanwhile.

        One atomic write: a contact stored after it sees the mark, one stored before it is returned here."""
        found = await self.contacts.find_one_and_update(
            {"_id": participant_id}, {"$addToSet": {AWAITED_BY: notification_id}},
            upsert=True, return_document=ReturnDocument.AFTER)
        return found if found and "email" in found else None

    async def no_longer_awaited(self, participant_id: str, notification_ids: list[str]) -> None:
        await self.contacts.update_one({"_id": participant_id}, {"$pull": {AWAITED_BY: {"$in": notification_ids}}})

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
        """Insert a notification (pending, or already claimed by its `claimed_by`); False when one with this id
        exists (a redelivery)."""
        try:
            await self.notifications.insert_one({**record, PAGE_KEY: ORDER.page_key(record), **outbox.new_document_fields()})
            return True
        except DuplicateKeyError:
            return False

    async def due(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(status, id) of the messages to take up, longest waiting first: pending and due, and sending under a
        claim that ran out (its process died). Two queries, each led by its (status, time) index."""
        waiting = await self.notifications.find(
            {"status": PENDING, "next_attempt_at": {"$lte": now}}, {"next_attempt_at": 1}
        ).sort("next_attempt_at", ASCENDING).limit(limit).to_list()
        stalled = await self.notifications.find(
            {"status": SENDING, "claimed_until": {"$lt": now}}, {"claimed_until": 1}
        ).sort("claimed_until", ASCENDING).limit(limit).to_list()
        found = sorted([(d["next_attempt_at"], PENDING, d["_id"]) for d in waiting]
                       + [(d["claimed_until"], SENDING, d["_id"]) for d in stalled])
        return [(status, notification) for _, status, notification in found[:limit]]

    async def claim_due(self, notification_id: str, worker: str, now: datetime,
                        hold: timedelta) -> dict[str, Any] | None:
        """Take a pending message whose time has come; the document, or None when it is not ours."""
        return await self._claim({"_id": notification_id, "status": PENDING, "next_attempt_at": {"$lte": now}},
                                 worker, now, hold)

    async def take_over(self, notification_id: str, worker: str, now: datetime,
                        hold: timedelta) -> dict[str, Any] | None:
        """Take a message whose sender's claim ran out (a dead process); the document, or None."""
        return await self._claim({"_id": notification_id, "status": SENDING, "claimed_until": {"$lt": now}},
                                 worker, now, hold)

    async def claim_awaited(self, notification_id: str, worker: str, now: datetime,
                            hold: timedelta) -> dict[str, Any] | None:
        """Take a message parked until its contact came, now that it has; the document, or None."""
        return await self._claim({"_id": notification_id, "status": PENDING, AWAITING_CONTACT: True},
                                 worker, now, hold)

    async def _claim(self, condition: dict[str, Any], worker: str, now: datetime,
                     hold: timedelta) -> dict[str, Any] | None:
        return await self.notifications.find_one_and_update(
            condition, {"$set": {"status": SENDING, "claimed_by": worker, "claimed_until": now + hold}},
            {"outbox": 0}, return_document=ReturnDocument.AFTER)

    async def release(self, notification_id: str, worker: str, next_attempt_at: datetime,
                      changes: dict[str, Any] | None = None, *, awaiting_contact: bool = False) -> bool:
        """Back to pending for a later try (after a transient failure, or until the contact comes);
        False when the message is no longer ours (erased meanwhile)."""
        update = {"$set": {"status": PENDING, "next_attempt_at": next_attempt_at, "claimed_by": None,
                           AWAITING_CONTACT: awaiting_contact, **(changes or {})}}
        result = await self.notifications.update_one({"_id": notification_id, "claimed_by": worker}, update)
        return result.matched_count == 1

    async def finish(self, notification_id: str, worker: str, status: str, now: datetime,
                     changes: dict[str, Any], *events: Envelope) -> None:
        update = {"$set": {"status": status, "finished_at": now, "claimed_by": None, **changes}}
        await self.notifications.update_one({"_id": notification_id, "status": SENDING, "claimed_by": worker},
                                            outbox.with_events(update, *events))
        if events:
            outbox.stored(NOTIFICATIONS)

    async def replay_outcome(self, notification_id: str, status: str, at: datetime,
                             changes: dict[str, Any]) -> dict[str, Any] | None:
        """A delivery's outcome from its event (a rebuild); the notification, or None if it is gone."""
        return await self.notifications.find_one_and_update(
            {"_id": notification_id}, {"$set": {"status": status, "finished_at": at, "claimed_by": None, **changes}})

    async def skip_pending(self, recipient_id: str, now: datetime, reason: str) -> None:
        """Messages not yet sent to a participant who may no longer be contacted: skipped, with the reason."""
        await self.notifications.update_many({"recipient_id": recipient_id, "status": PENDING}, {"$set": {
            "status": SKIPPED, "finished_at": now, "reason": reason}})

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
        # Led by the flag: its sparse index holds the marked documents only, whatever the history.
        await self.notifications.delete_many({UNSENT_AT_ERASURE: True, "status": {"$in": [PENDING, SENDING]}})
        await self.notifications.update_many({UNSENT_AT_ERASURE: True}, {"$unset": {UNSENT_AT_ERASURE: ""}})
