"""A branch opened through intake's API is used at once, with the services running and no restart:
national staff open Namur with rules of its own, its coordinator registers a mentee and a mentor,
records the training, runs a proposal round, accepts and logs a session; every service applies
Namur's rules, learned from the branch events alone."""
from __future__ import annotations

import asyncio
from datetime import date

import httpx
import pytest

from tests.e2e.people import TRAINING_MODULES, mentee, mentor
from tests.processes import start_suite
from tests.suite import auth, eventually, isolated_env

NATIONAL = auth("national", ())
NAMUR = auth("coordinator", ("namur",))
# Preferences count for nothing in Namur, and a duo is at risk after 10 quiet days (14 elsewhere).
RULES = {"country": "BE", "working_languages": ["fr"], "at_risk_after_days": 10, "max_active_duos": 2,
         "matching_weights": {"sector": 40, "language": 30, "distance": 15, "availability": 15, "preferences": 0}}


@pytest.fixture
async def suite(kafka_bootstrap, mongo_url, smtp_sink, tmp_path):
    env = isolated_env(kafka_bootstrap, mongo_url)
    env["DUO_SMTP_HOST"] = smtp_sink.host
    running = await asyncio.to_thread(start_suite, env, tmp_path, smtp_sink.port)
    yield running
    await asyncio.to_thread(running.stop)


async def test_a_branch_opened_through_the_api_runs_a_whole_duo_with_no_restart(suite, smtp_sink):
    intake, matching = suite["intake"].url, suite["matching"].url
    followup, notify = suite["followup"].url, suite["notify"].url
    today = date.today().isoformat()
    async with httpx.AsyncClient(headers=NAMUR, timeout=15) as http:
        r = await http.post(f"{intake}/branches/namur/mentees", json=mentee(postcode="5000"))
        assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "branch.unknown", r.text

        r = await http.post(f"{intake}/branches/namur/opening", json=RULES, headers=NATIONAL)
        assert r.status_code == 201, r.text
        opened = r.json()["rules_in_force"]

        # Every service learns the branch from the branch-opened event, and applies the same version.
        for service in (matching, followup, notify):
            async def learned(url=service):
                r = await http.get(f"{url}/branches/namur/rules")
                return r.status_code == 200 and r.json()["rules_in_force"] == opened
            await eventually(learned, what=f"{service} to learn Namur's rules")

        r = await http.post(f"{intake}/branches/namur/mentees",
                            json=mentee(postcode="5000", email="namur.mentee@example.org"))
        assert r.status_code == 201, r.text
        mentee_id = r.json()["participant_id"]
        r = await http.post(f"{intake}/branches/namur/mentors",
                            json=mentor(postcode="5000", email="namur.mentor@example.org"))
        assert r.status_code == 201, r.text
        mentor_id = r.json()["participant_id"]
        for module in TRAINING_MODULES:
            r = await http.post(f"{intake}/branches/namur/mentors/{mentor_id}/training-modules",
                                json={"module": module, "completed_on": today})
            assert r.status_code == 200, r.text
        assert r.json()["trained"] is True

        async def pool_ready():
            states = {p["participant_id"]: p for p in (await http.get(f"{matching}/branches/namur/pool")).json()["items"]}
            return (states.get(mentee_id, {}).get("status") == "waiting"
                    and states.get(mentor_id, {}).get("trained") is True)
        await eventually(pool_ready, what="Namur's mentee and trained mentor in matching's pool")
        r = await http.post(f"{matching}/branches/namur/proposal-rounds")
        assert r.status_code == 201, r.text
        [proposal] = r.json()["proposals"]
        assert (proposal["mentee_id"], proposal["mentor_id"]) == (mentee_id, mentor_id)
        # The mentor offers what the mentee asks for, yet Namur's weights give preferences no points.
        assert proposal["breakdown"]["preferences"] == 0 and proposal["breakdown"]["sector"] == 40

        r = await http.post(f"{matching}/branches/namur/proposals/{proposal['duo_id']}/acceptance", json={})
        assert r.status_code == 200 and r.json()["status"] == "formed", r.text
        duo_id = proposal["duo_id"]

        async def duo_active():
            r = await http.get(f"{followup}/branches/namur/duos/{duo_id}")
            return r.json() if r.status_code == 200 else None
        assert (await eventually(duo_active, what="Namur's duo in followup"))["status"] == "active"
        r = await http.post(f"{followup}/branches/namur/duos/{duo_id}/sessions", json={"held_on": today, "hours": 2})
        assert r.status_code == 201 and r.json()["hours_logged"] == 2.0, r.text

        figures = (await http.get(f"{followup}/branches/namur/figures")).json()
        assert [v["version"] for v in figures["rules_in_force"]] == [1]

        for address, expected in (("namur.mentee@example.org", ["duo-formed", "registration-received"]),
                                  ("namur.mentor@example.org", ["duo-formed", "mentor-trained",
                                                                "registration-received"])):
            mails = await asyncio.to_thread(lambda: smtp_sink.wait_for(len(expected), to=address, timeout=60))
            assert sorted(m["X-DUO-Message"] for m in mails) == expected, address

        # Other branches' coordinators have no access to Namur.
        brussels = auth("coordinator", ("brussels",))
        assert (await http.get(f"{intake}/branches/namur/participants", headers=brussels)).status_code == 403
