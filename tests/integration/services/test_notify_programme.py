"""A duo's six months, from registration to the follow-up three months after its end, through the real
followup and notify (in-process, on the real broker and store) and the real SMTP sink, on a settable clock.

Intake's and matching's events are fed as those services publish them. Three duos, six people whose
languages are fr, nl and en; one mentor declined reminders. In the middle (month 3) the SMTP sink is
stopped for 30 s: the messages of that moment are retried, none is lost and none arrives twice.
"""
from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from shared.events import Envelope, new_envelope, topics
from shared.events.common import LanguageSkill, SectorExperience
from shared.events.intake import (MenteeRegistered, MentorRegistered, MentorTrained, ParticipantContactChanged,
                                  ParticipantReminderConsentChanged)
from shared.events.matching import DuoFormed, ProposalRoundCompleted
from services.followup.bootstrap import build_app as build_followup
from services.followup.domain.rules import add_months
from services.followup.settings import FollowupSettings
from services.notify.bootstrap import build_app as build_notify
from services.notify.settings import NotifySettings
from tests.integration.services.producing import Feed, branch_opened, service_connected
from tests.suite import SettableDay, auth, eventually, in_process, isolated_env

BRANCH = "brussels"  # working language fr: the coordinator's messages are in French
CONSOLE = "https://console.duo.example"
FORMED_ON = date(2026, 1, 12)
START = FORMED_ON + timedelta(days=5)  # the first meeting, planned when the duo was formed
PLANNED_END = add_months(START, 6)
OUTAGE_SECONDS = 30
PARTICIPANT_NEWS = ["registration-received", "duo-formed", "duo-completed"]
REMINDERS = ["first-meeting-reminder", "check-in-due", "check-in-due", "check-in-due", "outcome-follow-up"]


@dataclass(frozen=True)
class Person:
    id: str
    role: str
    first_name: str
    email: str
    language: str
    reminders: bool = True

    def expected(self) -> Counter:
        return Counter(PARTICIPANT_NEWS + (["mentor-trained"] if self.role == "mentor" else [])
                       + (REMINDERS if self.reminders else []))


@pytest.fixture
async def programme(kafka_bootstrap, mongo_url, smtp_sink, fresh_db_name, monkeypatch):
    env = isolated_env(kafka_bootstrap, mongo_url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    run = uuid.uuid4().hex[:8]
    coordinator = f"coordinator.{run}@example.org"
    clock = SettableDay(FORMED_ON)
    followup = build_followup(FollowupSettings(mongo_db=f"{fresh_db_name}_f"), today=clock)
    notify = build_notify(NotifySettings(
        mongo_db=f"{fresh_db_name}_n", smtp_host=smtp_sink.host, smtp_port=smtp_sink.port, console_url=CONSOLE,
        coordinator_emails={BRANCH: [coordinator]}, delivery_poll_seconds=0.3, retry_base_seconds=0.5,
        retry_max_seconds=4, retry_max_attempts=60))
    async with (in_process(followup) as http, in_process(notify),
                Feed(kafka_bootstrap, env["DUO_TOPIC_PREFIX"]) as feed):
        http.headers.update(auth("coordinator", (BRANCH,)))
        await service_connected(followup)
        await service_connected(notify)
        feed.fed.add(feed.prefix + topics.DUOS)  # followup's own events too: "settled" covers them
        http.feed, http.clock, http.sink, http.coordinator = feed, clock, smtp_sink, coordinator
        http.followup, http.notify_store = followup.state.followup, notify.state.store
        http.people = [Person(f"{role}-{run}-{i}", role, first, f"{first.lower()}.{run}@example.org", lang, ok)
                       for i, (role, first, lang, ok) in enumerate([
                           ("mentee", "Amina", "fr", True), ("mentor", "Joost", "nl", True),
                           ("mentee", "Sanne", "nl", True), ("mentor", "Peter", "en", False),
                           ("mentee", "Kwame", "en", True), ("mentor", "Claire", "fr", True)])]
        try:
            yield http
        finally:
            if not smtp_sink.running:  # the sink is the session's: never leave it stopped
                await asyncio.to_thread(smtp_sink.restart)


def _event(payload, subject: str) -> Envelope:
    return new_envelope(payload, branch=BRANCH, subject=subject, correlation_id=f"walk-{subject[:12]}")


def intake_and_matching_events(people: list[Person]) -> tuple[list[Envelope], list[str]]:
    """What intake and matching publish for three registered people pairs, trained mentors and formed duos."""
    events, duo_ids = [branch_opened(BRANCH)], []  # the branch's working language comes from here
    for p in people:
        events.append(_event(ParticipantContactChanged(participant_id=p.id, role=p.role, display_name=p.first_name,
                                                       email=p.email, preferred_language=p.language), p.id))
        profile = {"registered_on": FORMED_ON - timedelta(days=40), "languages": [LanguageSkill(code="fr", level="B2")],
                   "postcode_area": "BE-10", "availability": ["mon-eve"]}
        if p.role == "mentee":
            events.append(_event(MenteeRegistered(mentee_id=p.id, age_band="18-24", sectors=["logistics"],
                                                  education_level="secondary", **profile), p.id))
        else:
            events.append(_event(MentorRegistered(mentor_id=p.id, age_band="60-64", max_active_duos=1,
                                                  experience=[SectorExperience(sector="logistics", years=30)],
                                                  **profile), p.id))
            events.append(_event(MentorTrained(mentor_id=p.id, completed_on=FORMED_ON - timedelta(days=10),
                                               modules=8), p.id))
        if not p.reminders:
            events.append(_event(ParticipantReminderConsentChanged(participant_id=p.id, reminders=False), p.id))
    for mentee, mentor in zip(people[::2], people[1::2]):
        duo_ids.append(str(uuid.uuid4()))
        events.append(_event(DuoFormed(duo_id=duo_ids[-1], mentee_id=mentee.id, mentor_id=mentor.id,
                                       started_on=START, score=80.0), duo_ids[-1]))
    round_id = str(uuid.uuid4())
    events.insert(-3, _event(ProposalRoundCompleted(round_id=round_id, proposals=3, duo_ids=duo_ids), round_id))
    return events, duo_ids


async def on_day(http, day: date) -> int:
    """Move the services' day and run followup's reminder scan, as its periodic job would."""
    http.clock.day = day
    return await http.followup.scan_reminders()


async def log_session(http, duo_id: str, held_on: date) -> None:
    r = await http.post(f"/branches/{BRANCH}/duos/{duo_id}/sessions", json={"held_on": held_on.isoformat(), "hours": 2})
    assert r.status_code == 201, r.text


async def duo_known(http, duo_id: str) -> bool:
    return (await http.get(f"/branches/{BRANCH}/duos/{duo_id}")).status_code == 200


async def retries_under_way(http) -> bool:
    return await http.notify_store.notifications.count_documents({"status": "pending", "attempts": {"$gte": 1}}) > 0


async def nothing_left_to_send(http) -> bool:
    return await http.notify_store.notifications.count_documents({"status": {"$in": ["pending", "sending"]}}) == 0


async def test_six_months_of_a_duo_send_exactly_the_expected_messages_in_each_language_despite_an_smtp_outage(
        programme):
    http, people = programme, programme.people
    events, duo_ids = intake_and_matching_events(people)
    await http.feed.send(*events)
    await http.feed.settled("notify")
    for duo_id in duo_ids:
        await eventually(lambda: duo_known(http, duo_id), what="the duo in followup")

    assert await on_day(http, START - timedelta(days=2)) == 3  # first-meeting reminders
    http.clock.day = START
    for duo_id in duo_ids:
        await log_session(http, duo_id, START)
    assert await on_day(http, add_months(START, 1)) == 3  # month 1 check-ins

    # Month 3, with the mail server down: check-ins and an at-risk alert wait and are retried.
    stopped_at = time.monotonic()
    await asyncio.to_thread(http.sink.stop)
    month_3 = add_months(START, 3)
    http.clock.day = month_3
    for duo_id in duo_ids[:2]:  # the third duo stopped meeting after its first session
        await log_session(http, duo_id, month_3 - timedelta(days=3))
    assert await on_day(http, month_3) == 3
    r = await http.post(f"/branches/{BRANCH}/at-risk-scans")
    assert r.json() == {"flagged": 1}
    await eventually(lambda: retries_under_way(http), what="deliveries failing and waiting for a retry")
    await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped_at)))
    await asyncio.to_thread(http.sink.start)
    await asyncio.to_thread(http.sink.wait_ready)

    assert await on_day(http, PLANNED_END) == 3  # month 6 check-ins, then the duos complete
    for duo_id in duo_ids:
        r = await http.post(f"/branches/{BRANCH}/duos/{duo_id}/completion",
                            json={"completed_on": PLANNED_END.isoformat()})
        assert r.status_code == 200, r.text
    assert await on_day(http, add_months(PLANNED_END, 3)) == 3  # outcome follow-ups
    assert await on_day(http, add_months(PLANNED_END, 3) + timedelta(days=1)) == 0  # each once only

    for person in people:
        await asyncio.to_thread(http.sink.wait_for, sum(person.expected().values()), to=person.email, timeout=90)
    await asyncio.to_thread(http.sink.wait_for, 2, to=http.coordinator, timeout=60)
    await http.feed.settled("notify")
    await eventually(lambda: nothing_left_to_send(http), what="every notification sent or skipped")

    all_ids, per_language = [], Counter()
    for person in people:
        mails = http.sink.messages(to=person.email)
        assert Counter(m["X-DUO-Message"] for m in mails) == person.expected(), person.first_name
        assert {m["Content-Language"] for m in mails} == {person.language}, person.first_name
        check_ins = [m for m in mails if m["X-DUO-Message"] == "check-in-due"]
        assert sorted(int(re.search(r"\d+", m["Subject"]).group()) for m in check_ins) == (
            [1, 3, 6] if person.reminders else [])
        others = {p.first_name for p in people} - {person.first_name}
        for mail in mails:
            body = mail.get_body(("plain",)).get_content()
            assert person.first_name in body and not any(name in body for name in others)
            assert all(url.startswith(CONSOLE) for url in re.findall(r"https?://\S+", body))
        all_ids += [m["X-DUO-Notification-Id"] for m in mails]
        per_language[person.language] += len(mails)
    coordinator_mails = http.sink.messages(to=http.coordinator)
    assert sorted(m["X-DUO-Message"] for m in coordinator_mails) == ["duo-at-risk", "proposal-round-ready"]
    assert {m["Content-Language"] for m in coordinator_mails} == {"fr"}
    all_ids += [m["X-DUO-Notification-Id"] for m in coordinator_mails]
    assert len(all_ids) == len(set(all_ids)), "a message arrived twice"

    statuses = Counter(d["status"] for d in await http.notify_store.notifications.find({}).to_list())
    retried = await http.notify_store.notifications.count_documents({"attempts": {"$gte": 2}})
    assert statuses == {"sent": len(all_ids), "skipped": len(REMINDERS)}  # the declined mentor's reminders
    assert retried >= 1
    print(f"\nsix months, 3 duos: {len(all_ids)} e-mails, each once ({dict(per_language)} to participants, "
          f"{len(coordinator_mails)} to the coordinator), {statuses['skipped']} reminders skipped (declined), "
          f"{retried} retried through the {OUTAGE_SECONDS} s SMTP outage, 0 lost, 0 twice")
