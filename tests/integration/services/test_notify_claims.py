"""Notify's claims on the real store: racing claimers, a dead process's claim taken over, the order of due(),
and a message that waited for its contact sent by the contact's own event (no poll)."""
from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from pymongo import AsyncMongoClient

from shared.clock import utc_now
from services.notify.adapters.mailer import SmtpMailer
from services.notify.adapters.store import AWAITED_BY, INDEXES, PENDING, SENDING, NotifyStore
from services.notify.bootstrap import notifications_of
from services.notify.settings import NotifySettings

BRANCH = "brussels"
HOLD = timedelta(minutes=2)


@pytest.fixture
async def db(mongo_url, fresh_db_name):
    client = AsyncMongoClient(mongo_url, tz_aware=True)  # as the runtime's client
    database = client[fresh_db_name]
    for name, indexes in INDEXES.items():
        if indexes:
            await database[name].create_indexes(indexes)
    yield database
    await client.drop_database(fresh_db_name)
    await client.close()


@pytest.fixture
def coordinator() -> str:
    return f"coordinator.{uuid.uuid4().hex[:8]}@example.org"


@pytest.fixture
def notifications(db, smtp_sink, coordinator):
    settings = NotifySettings(smtp_host=smtp_sink.host, smtp_port=smtp_sink.port,
                              coordinator_emails={BRANCH: [coordinator]})
    mailer = SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_sender, settings.smtp_timeout_seconds)
    return notifications_of(db, settings, mailer)


def to_coordinator(notification: str, address: str, **state) -> dict:
    now = utc_now()
    return {"_id": notification, "branch": BRANCH, "recipient_id": "coordinator-claims", "audience": "coordinator",
            "address": address, "template": "proposal-round-ready", "channel": "email",
            "cause_event_id": notification, "duo_id": None, "correlation_id": "claims",
            "facts": {"proposals": 2, "review_url": "https://console.example/branches/brussels/proposals"},
            "attempts": 0, "created_at": now, "wait_contact_until": now,
            **{"status": PENDING, "next_attempt_at": now, **state}}


async def test_two_claimers_racing_for_each_message_one_wins(db):
    store, now = NotifyStore(db), utc_now()
    ids = sorted(f"race-{i:02}" for i in range(30))
    for notification in ids:
        assert await store.add(to_coordinator(notification, "x@example.org", next_attempt_at=now - timedelta(seconds=1)))

    won = await asyncio.gather(*(store.claim_due(n, worker, now, HOLD) for n in ids for worker in ("one", "two")))
    winners = {doc["_id"]: doc["claimed_by"] for doc in won if doc is not None}
    assert sorted(winners) == ids, "each message is claimed exactly once"
    assert sum(doc is not None for doc in won) == len(ids)
    for notification, worker in winners.items():
        stored = await db.notifications.find_one({"_id": notification})
        assert stored["status"] == SENDING and stored["claimed_by"] == worker
    # Held: neither a due claim nor a take-over takes it while the claim runs.
    assert await store.claim_due(ids[0], "three", now, HOLD) is None
    assert await store.take_over(ids[0], "three", now, HOLD) is None


async def test_a_message_not_due_yet_is_not_claimed(db):
    store, now = NotifyStore(db), utc_now()
    assert await store.add(to_coordinator("later", "x@example.org", next_attempt_at=now + timedelta(minutes=5)))
    assert await store.claim_due("later", "one", now, HOLD) is None
    assert (await store.claim_due("later", "one", now + timedelta(minutes=5), HOLD))["claimed_by"] == "one"


async def test_a_claim_that_ran_out_is_taken_over_and_the_message_sent_once(db, notifications, smtp_sink, coordinator):
    now = notifications.now()
    dead = to_coordinator("stalled", coordinator, status=SENDING, claimed_by="dead-process",
                          claimed_until=now - timedelta(seconds=1))
    alive = to_coordinator("held", coordinator, status=SENDING, claimed_by="live-process",
                           claimed_until=now + timedelta(minutes=2))
    for record in (dead, alive):
        assert await notifications.store.add(record)

    assert await notifications.deliver_due() == 1
    [mail] = await asyncio.to_thread(smtp_sink.wait_for, 1, to=coordinator, timeout=30)
    assert mail["X-DUO-Notification-Id"] == "stalled"
    stalled = await notifications.store.notifications.find_one({"_id": "stalled"})
    assert stalled["status"] == "sent" and stalled["claimed_by"] is None and stalled["outbox_pending"] is True
    held = await notifications.store.notifications.find_one({"_id": "held"})
    assert held["status"] == SENDING and held["claimed_by"] == "live-process"  # a live claim is left alone
    assert await notifications.deliver_due() == 0


async def test_due_lists_pending_and_stalled_messages_longest_waiting_first_within_the_limit(db):
    store, now = NotifyStore(db), utc_now()
    records = [
        to_coordinator("pending-3s", "x@example.org", next_attempt_at=now - timedelta(seconds=3)),
        to_coordinator("stalled-2s", "x@example.org", status=SENDING, claimed_by="dead",
                       claimed_until=now - timedelta(seconds=2)),
        to_coordinator("pending-1s", "x@example.org", next_attempt_at=now - timedelta(seconds=1)),
        to_coordinator("stalled-4s", "x@example.org", status=SENDING, claimed_by="dead",
                       claimed_until=now - timedelta(seconds=4)),
        to_coordinator("pending-later", "x@example.org", next_attempt_at=now + timedelta(seconds=30)),
        to_coordinator("held", "x@example.org", status=SENDING, claimed_by="alive",
                       claimed_until=now + timedelta(seconds=30)),
        to_coordinator("sent", "x@example.org", status="sent", claimed_until=now - timedelta(seconds=9),
                       next_attempt_at=now - timedelta(seconds=9)),
    ]
    for record in records:
        assert await store.add(record)

    assert await store.due(now, 10) == [(SENDING, "stalled-4s"), (PENDING, "pending-3s"), (SENDING, "stalled-2s"),
                                        (PENDING, "pending-1s")]
    assert await store.due(now, 2) == [(SENDING, "stalled-4s"), (PENDING, "pending-3s")]


async def test_a_message_waiting_for_its_contact_is_sent_by_the_contact_event_without_a_poll(
        db, notifications, smtp_sink):
    participant = f"mentee-{uuid.uuid4().hex[:8]}"
    address = f"{participant}@example.org"
    await notifications.to_participant("cause-1", BRANCH, participant, "registration-received", {"role": "mentee"},
                                       at=notifications.now())
    [waiting] = await notifications.store.notifications.find({"recipient_id": participant}).to_list()
    # Parked until its wait runs out (an hour): the delivery job does not look at it before.
    assert waiting["status"] == PENDING and waiting["awaiting_contact"] is True
    assert waiting["next_attempt_at"] == waiting["wait_contact_until"] > notifications.now() + timedelta(minutes=30)
    assert await notifications.store.due(notifications.now(), 10) == []
    assert (await db.contacts.find_one({"_id": participant}))[AWAITED_BY] == [waiting["_id"]]

    await notifications.contact_arrived(participant, BRANCH, {"role": "mentee", "display_name": "Amina",
                                                              "email": address, "language": "nl"})
    sent = await notifications.store.notifications.find_one({"_id": waiting["_id"]})
    assert sent["status"] == "sent" and sent["language"] == "nl"  # sent within the contact's event
    [mail] = await asyncio.to_thread(smtp_sink.wait_for, 1, to=address, timeout=30)
    assert mail["X-DUO-Notification-Id"] == waiting["_id"]
    assert (await db.contacts.find_one({"_id": participant}))[AWAITED_BY] == []

    # The same contact again (a redelivery, a correction) sends nothing more.
    await notifications.contact_arrived(participant, BRANCH, {"role": "mentee", "display_name": "Amina",
                                                              "email": address, "language": "nl"})
    assert len(smtp_sink.messages(to=address)) == 1


async def test_the_mark_and_the_contact_see_each_other_whichever_comes_first(db):
    store = NotifyStore(db)
    contact = {"role": "mentee", "display_name": "Amina", "email": "amina@example.org", "language": "fr"}
    # The contact first: the marking write returns it, so the waiting process sends the message itself.
    assert store.awaiting(await store.save_contact("early", BRANCH, contact)) == []
    assert (await store.await_contact("early", "n-1"))["email"] == "amina@example.org"
    # The mark first: the contact's write returns the waiting message.
    assert await store.await_contact("late", "n-2") is None
    assert await store.contact("late") is None  # a mark alone is not a contact
    saved = await store.save_contact("late", BRANCH, contact)
    assert store.awaiting(saved) == ["n-2"] and saved["email"] == "amina@example.org"  # sent with it, no re-read


async def test_a_contact_stored_while_its_message_waits_in_memory_sends_it_without_parking(
        db, notifications, smtp_sink):
    participant = f"mentee-{uuid.uuid4().hex[:8]}"
    address = f"{participant}@example.org"
    read_missing, read = asyncio.Event(), notifications.store.contact

    async def contact(participant_id):  # the message's own read finds no contact: then the contact comes
        found = await read(participant_id)
        read_missing.set()
        return found
    notifications.store.contact = contact

    async def contact_comes():
        await read_missing.wait()
        await notifications.contact_arrived(participant, BRANCH, {"role": "mentee", "display_name": "Amina",
                                                                  "email": address, "language": "fr"})
    await asyncio.gather(notifications.to_participant("cause-2", BRANCH, participant, "registration-received",
                                                      {"role": "mentee"}, at=notifications.now()),
                         contact_comes())
    [sent] = await notifications.store.notifications.find({"recipient_id": participant}).to_list()
    assert sent["status"] == "sent" and not sent.get("awaiting_contact")  # never parked
    assert AWAITED_BY not in await db.contacts.find_one({"_id": participant})  # never marked
    [mail] = await asyncio.to_thread(smtp_sink.wait_for, 1, to=address, timeout=30)
    assert mail["X-DUO-Notification-Id"] == sent["_id"]
