"""The thin flow end to end: four services as separate processes, HTTP in, Kafka between them.

Register a mentee and a mentor, train the mentor, propose, accept, follow the duo, log a
session, and see notify's e-mails in the SMTP sink; then read every topic as an outside
subscriber and check the envelope, the order of the flow and that no personal data is there.
"""
from __future__ import annotations

import asyncio
import json
from datetime import date

import httpx
import pytest

from shared.events import topics
from tests.e2e.people import PERSONAL_VALUES, TRAINING_MODULES, mentee, mentor
from tests.kafka_reader import envelopes, read_topics
from tests.processes import running_suite
from tests.suite import auth, eventually

BRUSSELS = auth("coordinator", ("brussels",))


@pytest.fixture
async def suite(kafka_bootstrap, mongo_url, smtp_sink, tmp_path):
    async with running_suite(kafka_bootstrap, mongo_url, smtp_sink, tmp_path) as running:
        yield running


async def test_thin_flow_over_http_and_kafka(suite, kafka_bootstrap, smtp_sink):
    async with httpx.AsyncClient(headers=BRUSSELS, timeout=15) as http:
        intake, matching = suite["intake"].url, suite["matching"].url
        followup, notify = suite["followup"].url, suite["notify"].url

        # intake: two registrations and the mentor's eight training modules
        r = await http.post(f"{intake}/branches/brussels/mentees", json=mentee(email="e2e.mentee@example.org"))
        assert r.status_code == 201, r.text
        mentee_id = r.json()["participant_id"]
        r = await http.post(f"{intake}/branches/brussels/mentors", json=mentor(email="e2e.mentor@example.org"))
        assert r.status_code == 201, r.text
        mentor_id = r.json()["participant_id"]
        for module in TRAINING_MODULES:
            r = await http.post(f"{intake}/branches/brussels/mentors/{mentor_id}/training-modules",
                                json={"module": module, "completed_on": date.today().isoformat()})
            assert r.status_code == 200, r.text
        assert r.json()["trained"] is True, r.json()

        # matching: both reach the branch pool through Kafka, then one round proposes the pair
        async def pool_ready():
            pool = (await http.get(f"{matching}/branches/brussels/pool")).json()["items"]
            states = {p["participant_id"]: p for p in pool}
            return (states.get(mentee_id, {}).get("status") == "waiting"
                    and states.get(mentor_id, {}).get("trained") is True)
        await eventually(pool_ready, what="mentee and trained mentor in matching's pool")
        r = await http.post(f"{matching}/branches/brussels/proposal-rounds")
        assert r.status_code == 201, r.text
        proposals = r.json()["proposals"]
        assert [(p["mentee_id"], p["mentor_id"]) for p in proposals] == [(mentee_id, mentor_id)]
        proposal = proposals[0]
        assert proposal["score"] > 35 and any("logistics" in reason for reason in proposal["reasons"])

        r = await http.post(f"{matching}/branches/brussels/proposals/{proposal['duo_id']}/acceptance", json={})
        assert r.status_code == 200, r.text
        started_on = date.fromisoformat(r.json()["started_on"])
        duo_id = proposal["duo_id"]

        # followup: the duo is active with its planned end six months later
        async def duo_active():
            r = await http.get(f"{followup}/branches/brussels/duos/{duo_id}")
            return r.json() if r.status_code == 200 else None
        duo = await eventually(duo_active, what="duo in followup")
        assert duo["status"] == "active"
        month, year = started_on.month + 6, started_on.year
        if month > 12:
            month, year = month - 12, year + 1
        assert date.fromisoformat(duo["planned_end_on"]).replace(day=1) == date(year, month, 1)

        r = await http.post(f"{followup}/branches/brussels/duos/{duo_id}/sessions",
                            json={"held_on": started_on.isoformat(), "hours": 2})
        assert r.status_code == 201, r.text
        assert r.json()["hours_logged"] == 2.0

        # notify: registration received (and training complete for the mentor), then the duo's news, each once
        for address, expected in (("e2e.mentee@example.org", ["duo-formed", "registration-received"]),
                                  ("e2e.mentor@example.org", ["duo-formed", "mentor-trained",
                                                              "registration-received"])):
            mails = await asyncio.to_thread(lambda: smtp_sink.wait_for(len(expected), to=address, timeout=60))
            assert sorted(m["X-DUO-Message"] for m in mails) == expected, f"e-mails to {address}"

        async def both_sent():
            sent = (await http.get(f"{notify}/branches/brussels/notifications")).json()["items"]
            return [n for n in sent if n["duo_id"] == duo_id and n["status"] == "sent"]
        assert {n["recipient_id"] for n in await eventually(both_sent, what="notifications sent")} <= {mentee_id, mentor_id}

    # Kafka as an outside subscriber sees every step, in the shared envelope
    prefix = suite.prefix
    domain_topics = [prefix + t for t in (topics.PARTICIPANTS, topics.DUOS, topics.DUO_ACTIVITY, topics.NOTIFICATIONS)]
    wanted = {"mentee-registered", "mentor-registered", "mentor-trained", "duo-proposed", "duo-formed",
              "session-logged", "notification-sent"}
    records = await read_topics(kafka_bootstrap, domain_topics,
                                until=lambda rs: wanted <= {e.type for e in envelopes(rs)}
                                and sum(e.type == "notification-sent" and e.data["template"] == "duo-formed"
                                        for e in envelopes(rs)) >= 2)
    seen = envelopes(records)
    assert wanted <= {e.type for e in seen}
    for record, envelope in zip([r for r in records if r.value is not None], seen):
        headers = dict(record.headers)
        assert headers["event-type"].decode() == envelope.type
        assert headers["correlation-id"].decode() == envelope.correlation_id
        assert record.key.decode() == envelope.subject
        assert envelope.branch == "brussels"
        assert not any(value.encode() in record.value for value in PERSONAL_VALUES + (
            "e2e.mentee@example.org", "e2e.mentor@example.org")), f"personal data in {envelope.type}"
    formed = next(e for e in seen if e.type == "duo-formed")
    assert formed.data["mentee_id"] == mentee_id and formed.data["mentor_id"] == mentor_id
    # The acceptance's correlation id travels to the e-mails it caused.
    sent = [e for e in seen if e.type == "notification-sent" and e.data["cause_event_id"] == str(formed.id)]
    assert len(sent) == 2 and all(e.correlation_id == formed.correlation_id for e in sent)

    # Every line each service logged is JSON, carries no personal data, and the flow's lines
    # carry the correlation id of the request that caused them.
    correlated = 0
    for name in ("intake", "matching", "followup", "notify"):
        lines = suite[name].log_path.read_text().splitlines()
        assert lines, f"{name} logged nothing"
        for line in lines:
            entry = json.loads(line)  # fails on any line that is not JSON
            assert entry["service"] == name
            assert not any(value in line for value in PERSONAL_VALUES + (
                "e2e.mentee@example.org", "e2e.mentor@example.org")), f"personal data in {name}'s log"
            correlated += entry.get("correlation_id") == formed.correlation_id
    assert correlated >= 1, "no log line carries the acceptance's correlation id"
