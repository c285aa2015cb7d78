"""The same person registered at the same moment through two intake processes is created once.

Two intake processes share one database; each round sends four registrations of one person at
once, two through each process, written differently (case, accents, spaces), any two of them
sharing the e-mail or the names and birth date. The unique index on the keys, not a read before the
write, decides: exactly one is created and the others get a 409 naming it.
"""
from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.e2e.people import mentee
from tests.processes import start_suite
from tests.suite import auth, isolated_env

BRUSSELS = auth("coordinator", ("brussels",))
ROUNDS = 6


@pytest.fixture
async def intakes(kafka_bootstrap, mongo_url, tmp_path):
    env = isolated_env(kafka_bootstrap, mongo_url)
    running = await asyncio.to_thread(start_suite, env, tmp_path, None, 2, None, ("intake",))
    yield [p.url for p in running.processes["intake"]]
    await asyncio.to_thread(running.stop)


def same_person_four_ways(n: int) -> list[dict]:
    """One person written four ways; any two of them share a key, so only one may be created."""
    first = mentee()
    name_key = {"last_name": first["last_name"], "birth_date": first["birth_date"]}
    return [
        first,
        {**first, "email": first["email"].upper(), "first_name": "AMINA"},
        {**first, **name_key, "first_name": "Âmina", "last_name": first["last_name"].lower().replace(" ", ""),
         "email": first["email"].replace("@", f".other{n}@")},  # another e-mail, same names and birth date
        {**first, "last_name": f" {first['last_name'].upper()} "},
    ]


async def test_concurrent_registrations_of_one_person_on_two_intake_processes_create_exactly_one(intakes):
    async with httpx.AsyncClient(headers=BRUSSELS, timeout=60) as http:
        created_ids = []
        for n in range(ROUNDS):
            bodies = same_person_four_ways(n)
            responses = await asyncio.gather(*(
                http.post(f"{intakes[i % 2]}/branches/brussels/mentees", json=body) for i, body in enumerate(bodies)))
            created = [r.json()["participant_id"] for r in responses if r.status_code == 201]
            refused = [r.json() for r in responses if r.status_code == 409]
            assert len(created) == 1 and len(refused) == 3, [r.text for r in responses]
            assert {p["existing_participant_id"] for p in refused} == set(created)
            created_ids += created
        listed = (await http.get(f"{intakes[1]}/branches/brussels/participants", params={"limit": 500})).json()["items"]
        assert sorted(p["participant_id"] for p in listed) == sorted(created_ids)
        print(f"\n{ROUNDS} people, each registered 4 times at once over 2 intake processes: "
              f"{len(listed)} records, {3 * ROUNDS} refused as duplicates")
