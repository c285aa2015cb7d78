"""A correction made in intake reaches matching and notify, the four services as separate processes.

Two mentees and two mentors of Brussels, each pair sharing one language. After the round:
- the first mentee's e-mail is corrected: her duo's news goes to the new address, none to the old;
- the second mentee's Dutch is corrected away: her proposal with the Dutch-speaking mentor no
  longer fits and matching withdraws it, with the reason, in its API.
"""
from __future__ import annotations

import asyncio
from datetime import date

import httpx
import pytest
from pymongo import AsyncMongoClient

from tests.e2e.people import TRAINING_MODULES, mentee, mentor
from tests.processes import running_suite
from tests.suite import auth, eventually

BRUSSELS = auth("coordinator", ("brussels",))


@pytest.fixture
async def suite(kafka_bootstrap, mongo_url, smtp_sink, tmp_path):
    async with running_suite(kafka_bootstrap, mongo_url, smtp_sink, tmp_path) as running:
        yield running


async def created(response) -> str:
    r = await response
    assert r.status_code == 201, r.text
    return r.json()["participant_id"]


async def test_a_correction_flows_to_matching_and_notify(suite, mongo_url, smtp_sink):
    intake, matching = f"{suite['intake'].url}/branches/brussels", f"{suite['matching'].url}/branches/brussels"
    run = suite.run_id
    dutch_only = [{"code": "nl", "level": "native"}]
    async with httpx.AsyncClient(headers=BRUSSELS, timeout=30) as http:
        french = await created(http.post(f"{intake}/mentees", json=mentee(email=f"french.{run}@example.org")))
        dutch = await created(http.post(f"{intake}/mentees", json=mentee(
            email=f"dutch.{run}@example.org", languages=[{"code": "nl", "level": "B2"}])))
        mentors = [await created(http.post(f"{intake}/mentors", json=mentor(
            email=f"mentor{i}.{run}@example.org", languages=languages)))
            for i, languages in enumerate(([{"code": "fr", "level": "native"}], dutch_only))]
        for mentor_id in mentors:
            for module in TRAINING_MODULES:
                r = await http.post(f"{intake}/mentors/{mentor_id}/training-modules",
                                    json={"module": module, "completed_on": date.today().isoformat()})
                assert r.status_code == 200, r.text

        async def pool_ready():
            pool = {p["participant_id"]: p for p in (await http.get(f"{matching}/pool")).json()["items"]}
            return all(pool.get(m, {}).get("trained") for m in mentors) and all(
                pool.get(m, {}).get("status") == "waiting" for m in (french, dutch))
        await eventually(pool_ready, what="both mentees and both trained mentors in matching's pool")
        r = await http.post(f"{matching}/proposal-rounds")
        assert r.status_code == 201, r.text
        proposals = {p["mentee_id"]: p for p in r.json()["proposals"]}
        assert {m: p["mentor_id"] for m, p in proposals.items()} == {french: mentors[0], dutch: mentors[1]}

        # The first mentee's new address, in notify's contacts before her duo's news is made.
        new_address = f"french.new.{run}@example.org"
        r = await http.patch(f"{intake}/participants/{french}", json={"email": new_address})
        assert r.status_code == 200, r.text
        client = AsyncMongoClient(mongo_url)
        try:
            contacts = client[f"duo_notify_{run}"].contacts
            async def contact_corrected():
                return await contacts.find_one({"_id": french, "email": new_address}) is not None
            await eventually(contact_corrected, what="the corrected address in notify's contacts")
        finally:
            await client.close()
        r = await http.post(f"{matching}/proposals/{proposals[french]['duo_id']}/acceptance", json={})
        assert r.status_code == 200, r.text
        [news] = await asyncio.to_thread(smtp_sink.wait_for, 1, to=new_address, timeout=60)
        assert news["X-DUO-Message"] == "duo-formed"
        old = [m["X-DUO-Message"] for m in smtp_sink.messages(to=f"french.{run}@example.org")]
        assert "duo-formed" not in old

        # The second mentee now speaks French only: nothing in common with her Dutch-speaking mentor.
        r = await http.patch(f"{intake}/participants/{dutch}", json={"languages": [{"code": "fr", "level": "B1"}]})
        assert r.status_code == 200, r.text
        duo = proposals[dutch]["duo_id"]

        async def withdrawn():
            proposal = (await http.get(f"{matching}/proposals/{duo}")).json()
            return proposal if proposal["status"] == "withdrawn" else None
        proposal = await eventually(withdrawn, what="the proposal that no longer fits withdrawn")
        assert proposal["withdrawn_reason"] == "no shared language at B1 or above"
        history = (await http.get(f"{intake}/participants/{dutch}/history")).json()["entries"]
        assert [(e["change"], e["fields"]) for e in history][0] == ("correction", ["languages"])
