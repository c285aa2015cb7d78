"""Notify in-process against the real broker, store and SMTP sink: contacts arrive on their compacted
topic, duo-formed on the duos topic, e-mails land in the sink and their fate goes out as events
that carry ids only.

The sink is shared by the whole session: every test uses addresses of its own.
"""
from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date

import pytest

from shared.events import Envelope, new_envelope, topics
from shared.events.intake import (ParticipantConsentChanged, ParticipantContactChanged, ParticipantErased,
                                  ParticipantReminderConsentChanged)
from shared.events.matching import DuoFormed
from services.notify.bootstrap import build_app
from services.notify.settings import NotifySettings
from services.notify.use_cases import Notifications
from tests.integration.services.producing import Feed, service_connected
from tests.kafka_reader import envelopes, read_topics
from tests.suite import auth, eventually, in_process, isolated_env

BRANCH = "brussels"


@pytest.fixture
async def notify(kafka_bootstrap, mongo_url, smtp_sink, fresh_db_name, monkeypatch):
    env = isolated_env(kafka_bootstrap, mongo_url)
    run = uuid.uuid4().hex[:8]
    coordinator = f"coordinator.{run}@example.org"
    for name, value in {**env, "DUO_MONGO_DB": fresh_db_name, "DUO_SMTP_HOST": smtp_sink.host,
                        "DUO_SMTP_PORT": str(smtp_sink.port), "DUO_DELIVERY_POLL_SECONDS": "0.3",
                        "DUO_CONTACT_WAIT_SECONDS": "8",
                        "DUO_COORDINATOR_EMAILS": json.dumps({BRANCH: [coordinator]})}.items():
        monkeypatch.setenv(name, value)
    app = build_app(NotifySettings())
    async with in_process(app) as http, Feed(kafka_bootstrap, env["DUO_TOPIC_PREFIX"]) as feed:
        http.headers.update(auth("coordinator", (BRANCH,)))
        await service_connected(app)
        http.feed, http.store, http.sink, http.coordinator = feed, app.state.store, smtp_sink, coordinator
        http.notifications = app.state.notifications
        http.people = {
            "mentee": (f"mentee-{run}", "Yasmine Benali", f"yasmine.{run}@example.org"),
            "mentor": (f"mentor-{run}", "Pierre Lambert", f"pierre.{run}@example.org"),
        }
        yield http


def contact_changed(http, role: str) -> Envelope:
    participant_id, name, email = http.people[role]
    return new_envelope(ParticipantContactChanged(participant_id=participant_id, role=role, display_name=name,
                                                  email=email, preferred_language="fr"),
                        branch=BRANCH, subject=participant_id, correlation_id="intake-test")


def duo_formed(http) -> Envelope:
    duo_id = str(uuid.uuid4())
    return new_envelope(DuoFormed(duo_id=duo_id, mentee_id=http.people["mentee"][0],
                                  mentor_id=http.people["mentor"][0], started_on=date(2025, 3, 3), score=91.0),
                        branch=BRANCH, subject=duo_id, correlation_id=f"accept-{duo_id[:8]}")


async def contacts_known(http, *roles: str) -> None:
    """Feed the contacts and wait until notify holds them (they travel on another topic than duo-formed)."""
    await http.feed.send(*(contact_changed(http, role) for role in roles))
    await http.feed.settled("notify")
    for role in roles:
        assert await http.store.contact(http.people[role][0]) is not None


async def notification_events(http, kafka_bootstrap, count: int) -> list[Envelope]:
    records = await read_topics(kafka_bootstrap, [http.feed.prefix + topics.NOTIFICATIONS],
                                until=lambda rs: len(rs) >= count)
    for record in records:
        assert record.value is not None
        assert not any(text.encode() in record.value for person in _personal(http) for text in person), \
            "personal data in a notification event"
    return envelopes(records)


def _personal(http) -> list[tuple[str, ...]]:
    # Name parts and addresses: none may appear in an event (the participant id may).
    return [(*name.split(), email) for _, name, email in http.people.values()]


async def mails_to(http, role: str, count: int = 1) -> list:
    address = http.people[role][2]
    return await asyncio.to_thread(http.sink.wait_for, count, to=address, timeout=30)


async def test_duo_formed_sends_one_email_to_each_participant_and_publishes_it(notify, kafka_bootstrap):
    await contacts_known(notify, "mentee", "mentor")
    formed = duo_formed(notify)
    await notify.feed.send(formed)

    for role in ("mentee", "mentor"):
        [mail] = await mails_to(notify, role)
        _, name, address = notify.people[role]
        assert address in mail["To"] and "DUO" in mail["Subject"]
        assert name in mail.get_body(("plain",)).get_content()  # the recipient's name is in the e-mail, only there
        assert mail["X-DUO-Message"] == "duo-formed" and mail["Content-Language"] == "fr"
        assert mail["Message-ID"] == f"<{mail['X-DUO-Notification-Id']}@duoforajob.example>"

    events = await notification_events(notify, kafka_bootstrap, 2)
    assert {e.type for e in events} == {"notification-sent"}
    assert {e.data["recipient_id"] for e in events} == {notify.people["mentee"][0], notify.people["mentor"][0]}
    for e in events:
        assert e.data["cause_event_id"] == str(formed.id) and e.data["template"] == "duo-formed"
        assert e.data["channel"] == "email" and e.subject == e.data["notification_id"]
        assert e.correlation_id == formed.correlation_id and e.branch == BRANCH

    listed = (await notify.get(f"/branches/{BRANCH}/notifications")).json()["items"]
    assert sorted((n["recipient_id"], n["status"], n["duo_id"]) for n in listed) == sorted(
        [(notify.people["mentee"][0], "sent", formed.subject), (notify.people["mentor"][0], "sent", formed.subject)])
    url = f"/branches/{BRANCH}/notifications"
    assert len((await notify.get(url, params={"status": "sent", "duo_id": formed.subject})).json()["items"]) == 2
    assert (await notify.get(url, params={"status": "failed"})).json()["items"] == []
    first = (await notify.get(url, params={"template": "duo-formed", "limit": 1})).json()
    second = (await notify.get(first["next"])).json()
    assert {first["items"][0]["recipient_id"], second["items"][0]["recipient_id"]} == {
        notify.people["mentee"][0], notify.people["mentor"][0]} and second["next"] is None


async def test_a_redelivered_duo_formed_sends_no_second_email(notify, kafka_bootstrap):
    await contacts_known(notify, "mentee", "mentor")
    formed = duo_formed(notify)
    await notify.feed.send(formed)
    await mails_to(notify, "mentee")
    await mails_to(notify, "mentor")

    await notify.feed.send(formed, formed)  # the same event again, twice
    await notify.feed.settled("notify")
    for role in ("mentee", "mentor"):
        assert len(notify.sink.messages(to=notify.people[role][2])) == 1, f"the {role} got a second e-mail"
    assert len((await notify.get(f"/branches/{BRANCH}/notifications")).json()["items"]) == 2

    # A new duo-formed (another event) does send again: the check above could have failed.
    await notify.feed.send(duo_formed(notify))
    await mails_to(notify, "mentee", 2)
    events = await notification_events(notify, kafka_bootstrap, 4)
    assert len(events) == 4 and len({e.data["notification_id"] for e in events}) == 4


async def test_a_participant_whose_contact_never_comes_fails_with_a_reason_and_the_coordinator_is_told(
        notify, kafka_bootstrap):
    await contacts_known(notify, "mentor")  # the mentee's contact never arrives: it is awaited 8 s, then given up
    formed = duo_formed(notify)
    await notify.feed.send(formed)
    await mails_to(notify, "mentor")

    # The mentor's e-mail, the mentee's failure and the coordinator's notice of it (in either order).
    events = {e.data["recipient_id"]: e for e in await notification_events(notify, kafka_bootstrap, 3)}
    failed = events[notify.people["mentee"][0]]
    assert failed.type == "notification-failed" and failed.data["reason"]
    assert "contact" in failed.data["reason"]
    assert events[notify.people["mentor"][0]].type == "notification-sent"
    assert notify.sink.messages(to=notify.people["mentee"][2]) == []

    r = await notify.get(f"/branches/{BRANCH}/notifications/{failed.data['notification_id']}")
    assert r.status_code == 200 and r.json()["status"] == "failed" and r.json()["reason"] == failed.data["reason"]

    [told] = await asyncio.to_thread(notify.sink.wait_for, 1, to=notify.coordinator, timeout=30)
    assert told["X-DUO-Message"] == "notification-failed"
    body = told.get_body(("plain",)).get_content()
    assert failed.data["notification_id"] in body and "duo-formed" in body
    assert not any(text in body for text in _personal(notify)[0])  # nothing about the mentee but the id


async def test_a_contact_that_arrives_after_its_duo_formed_still_gets_its_mail(notify, kafka_bootstrap):
    await contacts_known(notify, "mentor")
    formed = duo_formed(notify)
    await notify.feed.send(formed)
    await mails_to(notify, "mentor")
    await asyncio.sleep(5)  # the scenario: the mentee's contact comes 5 s after the duo-formed
    waiting = [n for n in (await notify.get(f"/branches/{BRANCH}/notifications")).json()["items"]
               if n["recipient_id"] == notify.people["mentee"][0]]
    # Still waiting for the contact: neither given up nor sent (a process may hold it for a moment to look).
    assert [n["status"] for n in waiting] in (["pending"], ["sending"])
    assert notify.sink.messages(to=notify.people["mentee"][2]) == []
    await contacts_known(notify, "mentee")
    [mail] = await mails_to(notify, "mentee")
    assert mail["X-DUO-Message"] == "duo-formed"
    events = await notification_events(notify, kafka_bootstrap, 2)
    assert {e.type for e in events} == {"notification-sent"}
    print(f"\nlate contact: mail sent once to the mentee after waiting {len(waiting)} notification")


async def test_a_tombstone_forgets_the_contact_and_later_news_fails_for_lack_of_it(notify, kafka_bootstrap):
    await contacts_known(notify, "mentee", "mentor")
    mentee_id = notify.people["mentee"][0]
    await notify.feed.tombstone(topics.PARTICIPANT_CONTACTS, mentee_id)
    await eventually(lambda: _forgotten(notify, mentee_id), what="the contact forgotten after its tombstone")
    assert await notify.store.contact(notify.people["mentor"][0]) is not None, "the tombstone forgot someone else"

    await notify.feed.send(duo_formed(notify))
    await mails_to(notify, "mentor")
    events = {e.data["recipient_id"]: e for e in await notification_events(notify, kafka_bootstrap, 3)}
    assert events[mentee_id].type == "notification-failed" and "contact" in events[mentee_id].data["reason"]
    assert notify.sink.messages(to=notify.people["mentee"][2]) == []


async def _forgotten(http, participant_id: str) -> bool:
    return await http.store.contact(participant_id) is None


async def test_erasure_removes_the_contact_and_every_message_not_yet_sent(notify):
    mentee_id, mentor_id = notify.people["mentee"][0], notify.people["mentor"][0]
    await contacts_known(notify, "mentor")  # the mentee's contact is not there: her message waits
    consent = ParticipantReminderConsentChanged(participant_id=mentee_id, reminders=False)
    await notify.feed.send(new_envelope(consent, branch=BRANCH, subject=mentee_id), duo_formed(notify))
    await mails_to(notify, "mentor")
    await notify.feed.settled("notify")
    assert await notify.store.notifications.count_documents({"recipient_id": mentee_id, "status": {"$in": ["pending", "sending"]}}) == 1
    assert await notify.store.contacts.find_one({"_id": mentee_id}) is not None  # her consent is held

    for participant_id, role in ((mentee_id, "mentee"), (mentor_id, "mentor")):
        await notify.feed.send(new_envelope(ParticipantErased(participant_id=participant_id, role=role),
                                            branch=BRANCH, subject=participant_id))
    await notify.feed.settled("notify")
    for participant_id in (mentee_id, mentor_id):
        assert await notify.store.contacts.find_one({"_id": participant_id}) is None
        assert await notify.store.notifications.count_documents({"recipient_id": participant_id}) == 0
    [kept] = await notify.store.notifications.find({}).to_list()  # the mentor's sent e-mail, no longer his
    assert kept["status"] == "sent" and kept["recipient_id"] == "erased" and kept["facts"] == {}


async def test_processes_racing_for_the_same_pending_messages_send_each_once(notify):
    """Three deliverers (this one, another one, and the app's periodic job) on one database."""
    one = notify.notifications
    other = Notifications(one.store, one.mailer, one.renderer, one.links, one.rules, one.branches)
    now = one.now()
    ids = [f"race-{uuid.uuid4().hex[:12]}" for _ in range(20)]
    for notification in ids:  # recorded, not yet sent: as after a restart
        assert await one.store.add({
            "_id": notification, "branch": BRANCH, "recipient_id": "coordinator-race", "audience": "coordinator",
            "address": notify.coordinator, "template": "proposal-round-ready", "channel": "email",
            "cause_event_id": notification, "duo_id": None, "correlation_id": "race", "status": "pending",
            "facts": {"proposals": 2, "review_url": "https://console.example/branches/brussels/proposals"},
            "attempts": 0, "created_at": now, "next_attempt_at": now, "wait_contact_until": now})
    await asyncio.gather(*(worker.deliver(n) for n in ids for worker in (one, other)),
                         one.deliver_due(), other.deliver_due())
    mails = await asyncio.to_thread(notify.sink.wait_for, len(ids), to=notify.coordinator, timeout=30)
    await notify.feed.settled("notify")
    assert sorted(m["X-DUO-Notification-Id"] for m in notify.sink.messages(to=notify.coordinator)) == sorted(ids)
    assert await one.store.notifications.count_documents({"_id": {"$in": ids}, "status": "sent"}) == len(ids)
    print(f"\nracing deliverers: {len(ids)} pending messages, {len(mails)} e-mails, none twice")


async def test_notifications_are_scoped_to_their_branch(notify):
    r = await notify.get(f"/branches/{BRANCH}/notifications", headers=auth("coordinator", ("antwerp",)))
    assert r.status_code == 403
    r = await notify.get(f"/branches/{BRANCH}/notifications/no-such-id")
    assert r.status_code == 404 and r.json()["type"].endswith("/not-found")


# -- corrections and consent -----------------------------------------------------------------------------

async def test_a_corrected_email_is_the_one_the_next_message_goes_to(notify):
    await contacts_known(notify, "mentee", "mentor")
    mentee_id, name, old_address = notify.people["mentee"]
    new_address = old_address.replace("@", ".new@")
    notify.people["mentee"] = (mentee_id, name, new_address)
    await contacts_known(notify, "mentee")  # the correction: the same participant, another address
    await notify.feed.send(duo_formed(notify))
    [mail] = await mails_to(notify, "mentee")
    assert new_address in mail["To"]
    await mails_to(notify, "mentor")
    assert notify.sink.messages(to=old_address) == []


def _consent(participant_id: str, purpose: str, granted: bool) -> Envelope:
    return new_envelope(ParticipantConsentChanged(participant_id=participant_id, purpose=purpose, granted=granted,
                                                  recorded_on=date.today(), source="phone"),
                        branch=BRANCH, subject=participant_id)


async def test_withdrawn_consent_to_be_contacted_skips_pending_and_later_messages_with_the_reason(notify):
    mentee_id = notify.people["mentee"][0]
    await contacts_known(notify, "mentor")  # the mentee's contact is not there yet: her duo news waits
    await notify.feed.send(duo_formed(notify))
    await mails_to(notify, "mentor")
    await notify.feed.settled("notify")

    await notify.feed.send(_consent(mentee_id, "contact", False))
    # Her contact arrives after notify heard her say no: the two travel on different topics, and the
    # contact's own event sends what waited for it, so sent together either could be applied first.
    await notify.feed.settled("notify")
    await contacts_known(notify, "mentee")
    await notify.feed.send(duo_formed(notify))  # and more news comes
    await mails_to(notify, "mentor", 2)
    await notify.feed.settled("notify")

    async def both_skipped():
        mine = [n for n in (await notify.get(f"/branches/{BRANCH}/notifications")).json()["items"]
                if n["recipient_id"] == mentee_id]
        return len(mine) == 2 and all(n["status"] == "skipped" for n in mine)
    await eventually(both_skipped, what="the mentee's two messages skipped")
    stored = await notify.store.notifications.find({"recipient_id": mentee_id}).to_list()
    assert {n["reason"] for n in stored} == {"consent to be contacted withdrawn"}
    assert notify.sink.messages(to=notify.people["mentee"][2]) == []
