"""A subscriber who joins late reads the whole history: examples/subscriber against a suite with history;
and the figures recomputed from that history alone equal the running followup's.

The four services run as separate processes; a short programme goes through them over HTTP
(registrations with contacts, training, a round, a duo, a session, an erasure, e-mails). Then the
example subscriber, which uses none of the suite's code, reads every topic from the earliest
offset: it must read every record the topics hold and find each event valid against the committed
JSON Schemas. A record that breaks its schema, put on a topic afterwards, must be reported.
"""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from shared.events import topics
from services.followup.figures_from_log import all_figures, recorded_facts
from services.followup.settings import FollowupSettings
from tests.e2e.people import TRAINING_MODULES, mentee, mentor
from tests.kafka_reader import envelopes, read_topics
from tests.processes import running_suite
from tests.suite import auth, eventually

REPO = Path(__file__).resolve().parents[2]
BRUSSELS = auth("coordinator", ("brussels",))
HISTORY = {"mentee-registered", "mentor-registered", "mentor-trained", "participant-contact-changed",
           "participant-erased", "duo-proposed", "duo-formed", "proposal-round-completed", "session-logged",
           "notification-sent"}


@pytest.fixture(scope="module")
async def suite(kafka_bootstrap, mongo_url, smtp_sink, tmp_path_factory):
    """One suite for this module's tests, with its history made once."""
    async with running_suite(kafka_bootstrap, mongo_url, smtp_sink, tmp_path_factory.mktemp("late")) as running:
        await make_history(running)
        yield running


async def make_history(suite) -> None:
    async with httpx.AsyncClient(headers=BRUSSELS, timeout=15) as http:
        intake, matching, followup = suite["intake"].url, suite["matching"].url, suite["followup"].url
        ids = []
        for body in (mentee(email="late.mentee@example.org"), mentor(email="late.mentor@example.org"),
                     mentee(email="late.erased@example.org", first_name="Zorah")):
            r = await http.post(f"{intake}/branches/brussels/{body.get('experience') and 'mentors' or 'mentees'}",
                                json=body)
            assert r.status_code == 201, r.text
            ids.append(r.json()["participant_id"])
        mentee_id, mentor_id, erased_id = ids
        r = await http.delete(f"{intake}/branches/brussels/participants/{erased_id}")
        assert r.status_code == 204, r.text
        for module in TRAINING_MODULES:
            r = await http.post(f"{intake}/branches/brussels/mentors/{mentor_id}/training-modules",
                                json={"module": module, "completed_on": date.today().isoformat()})
            assert r.status_code == 200, r.text

        async def pool_ready():
            pool = {p["participant_id"]: p for p in (await http.get(f"{matching}/branches/brussels/pool")).json()["items"]}
            return pool.get(mentee_id, {}).get("status") == "waiting" and pool.get(mentor_id, {}).get("trained")
        await eventually(pool_ready, what="mentee and trained mentor in matching's pool")
        r = await http.post(f"{matching}/branches/brussels/proposal-rounds")
        assert r.status_code == 201, r.text
        duo_id = r.json()["proposals"][0]["duo_id"]
        r = await http.post(f"{matching}/branches/brussels/proposals/{duo_id}/acceptance", json={})
        assert r.status_code == 200, r.text

        async def duo_known():
            return (await http.get(f"{followup}/branches/brussels/duos/{duo_id}")).status_code == 200
        await eventually(duo_known, what="duo in followup")
        r = await http.post(f"{followup}/branches/brussels/duos/{duo_id}/sessions",
                            json={"held_on": date.today().isoformat(), "hours": 2})
        assert r.status_code == 201, r.text


def subscriber(bootstrap: str, prefix: str) -> tuple[int, dict]:
    done = subprocess.run([sys.executable, str(REPO / "examples" / "subscriber" / "subscriber.py"),
                           "--bootstrap", bootstrap, "--prefix", prefix, "--json"],
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.strip(), done.stderr
    return done.returncode, json.loads(done.stdout)


async def test_a_late_subscriber_reads_and_validates_the_whole_history(suite, kafka_bootstrap):
    every_topic = [suite.prefix + t for t in topics.ALL]
    # What the topics hold once the history is there (e-mails sent included), read independently
    before = await read_topics(kafka_bootstrap, every_topic, until=lambda rs: HISTORY <= {
        e.type for e in envelopes(rs)} and sum(e.type == "notification-sent" for e in envelopes(rs)) >= 4)
    assert HISTORY <= {e.type for e in envelopes(before)}

    status, report = await asyncio.to_thread(subscriber, kafka_bootstrap, suite.prefix)
    assert status == 0 and report["invalid"] == [], report["invalid"]
    # every record there before it started was read (later ones may be too), each event once or more
    for topic in topics.ALL:
        held = sum(r.topic == suite.prefix + topic for r in before)
        assert report["per_topic"].get(topic, 0) >= held, (topic, report["per_topic"])
    for event_type in HISTORY:
        assert report["events"][event_type] >= sum(e.type == event_type for e in envelopes(before))
    assert report["tombstones"] >= 1, "the erasure's tombstone on the contacts topic"

    # A record that breaks its schema (a session without its date, negative hours) is reported
    bad = json.loads(next(r.value for r in before if r.value and b'"session-logged"' in r.value))
    bad["data"].pop("held_on")
    bad["data"]["hours"] = -1
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        sent = await producer.send_and_wait(suite.prefix + topics.DUO_ACTIVITY, json.dumps(bad).encode(),
                                            key=bad["subject"].encode(),
                                            headers=[("event-type", b"session-logged")])
    finally:
        await producer.stop()
    status, report = await asyncio.to_thread(subscriber, kafka_bootstrap, suite.prefix)
    assert status == 1
    assert [(i["topic"], i["partition"], i["offset"]) for i in report["invalid"]] == [
        (sent.topic, sent.partition, sent.offset)]
    assert "session-logged v1" in report["invalid"][0]["reason"]


async def test_the_figures_from_the_log_equal_the_running_suites(suite, kafka_bootstrap):
    today = date.today()
    settings = FollowupSettings(kafka_bootstrap=kafka_bootstrap, topic_prefix=suite.prefix)
    facts = await recorded_facts(settings)
    periods = [(date(today.year, 1, 1), today), (today, today)]
    async with httpx.AsyncClient(headers=auth("national", ()), timeout=15) as http:
        for figures in all_figures(facts, periods):
            path = "/figures" if figures.branch is None else f"/branches/{figures.branch}/figures"
            query = {"period_start": figures.period_start.isoformat(), "period_end": figures.period_end.isoformat()}

            async def live_equal():  # followup's consumer may still be applying the last events
                r = await http.get(suite["followup"].url + path, params=query)
                assert r.status_code == 200, r.text
                assert figures.as_dict()["figures"] == r.json()["figures"], (figures.branch, query)
                return True
            await eventually(live_equal, timeout=30, what=f"live figures of {figures.branch} {query}")
            assert figures.figures["active_duos"].value == 1 and figures.figures["trained_mentors"].value == 1
