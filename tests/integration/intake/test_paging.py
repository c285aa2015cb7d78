"""Paging intake's participants against the real store: each exactly once while registrations go on
through the API, filters a coordinator searches with, and the problems a bad `limit` or `cursor` gets."""
from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from datetime import date

from shared.messaging import outbox
from shared.paging import PAGE_KEY
from services.intake.adapters.participants import ORDER
from services.intake.domain.names import search_keys
from tests.e2e.people import mentee, mentor

BRANCH = "/branches/brussels"
SEEDED = 2000
PAGE = 137  # not a divisor of anything here: the last page is a short one


def person(i: int, prefix: str = "seed") -> dict:
    """A distinct person each time (their own name and address), a mentor every fourth."""
    make = mentor if i % 4 == 0 else mentee
    return make(first_name=f"{prefix.title()}{i}", last_name=f"Paging{i}", email=f"{prefix}{i}@example.org")


def cursor(content: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(content).encode()).decode().rstrip("=")


async def register(intake, body: dict) -> str:
    role = "mentors" if "volunteer" in body else "mentees"
    r = await intake.post(f"{BRANCH}/{role}", json=body)
    assert r.status_code == 201, r.text
    return r.json()["participant_id"]


async def register_all(intake, bodies: list[dict], concurrency: int = 16) -> list[str]:
    gate = asyncio.Semaphore(concurrency)

    async def one(body: dict) -> str:
        async with gate:
            return await register(intake, body)
    return list(await asyncio.gather(*(one(b) for b in bodies)))


async def seed(intake, count: int) -> set[str]:
    """`count` participants already in the branch, written through the repository's collection in bulk
    (registering 2,000 through the API takes minutes on a busy 2-core machine): each a copy of one
    registered through the API, with its own id, name and address, and no events left to publish."""
    model = await intake.participants.find_one({"_id": await register(intake, person(-1))})
    del model["identity_keys"], model["held_keys"]  # unique per person: the copies stay outside the duplicate check
    copies = []
    for i in range(count):
        body = person(i)
        copy = {**model, "_id": str(uuid.uuid4()), "role": "mentor" if "volunteer" in body else "mentee",
                "personal": {**model["personal"], "first_name": body["first_name"], "last_name": body["last_name"],
                             "email": body["email"]},
                "name_keys": search_keys(body["first_name"], body["last_name"]), **outbox.new_document_fields()}
        copies.append({**copy, PAGE_KEY: ORDER.page_key(copy)})  # its own place in the list
    await intake.participants.insert_many(copies)
    return {c["_id"] for c in copies} | {model["_id"]}


async def test_paging_through_2000_participants_returns_each_once_while_registrations_continue(intake):
    started = time.perf_counter()
    seeded = await seed(intake, SEEDED - 1)
    print(f"seeded {len(seeded)} participants in {time.perf_counter() - started:.1f} s")
    assert len(seeded) == SEEDED

    # A coordinator registers people while another pages: between two pages, at least one more registration.
    written: list[str] = []
    more = asyncio.Condition()
    stop = asyncio.Event()

    async def keep_registering() -> None:
        i = 0
        while not stop.is_set():
            written.append(await register(intake, person(i, "during")))
            i += 1
            async with more:
                more.notify_all()

    writer = asyncio.create_task(keep_registering())
    seen: list[str] = []
    url: str | None = f"{BRANCH}/participants?limit={PAGE}"
    pages = 0
    try:
        while url:
            r = await intake.get(url)
            assert r.status_code == 200, r.text
            page = r.json()
            seen += [p["participant_id"] for p in page["items"]]
            url, pages = page["next"], pages + 1
            before = len(written)
            async with more:
                await asyncio.wait_for(more.wait_for(lambda: len(written) > before), timeout=60)
    finally:
        stop.set()
        await writer
    print(f"{pages} pages of {PAGE}; {len(written)} registrations during the paging, "
          f"{len(set(seen) & set(written))} of them listed")

    assert len(seen) == len(set(seen)), "a participant was listed twice"
    assert seeded <= set(seen), f"{len(seeded - set(seen))} participants registered before the paging were missed"
    assert set(seen) <= seeded | set(written)
    assert len(written) >= pages  # registrations did go on between the pages


async def test_filters_by_role_status_and_the_start_of_a_name_in_any_case_or_accent(intake):
    zoe = await register(intake, mentee(first_name="Zoë", last_name="Van der Berg", email="zoe@example.org"))
    emile = await register(intake, mentor(first_name="Émile", last_name="Dubois", email="emile@example.org"))
    other = await register(intake, mentee(first_name="Amina", last_name="Haddad", email="amina@example.org"))
    r = await intake.post(f"{BRANCH}/participants/{other}/withdrawal", json={"withdrawn_on": date.today().isoformat()})
    assert r.status_code == 200, r.text

    async def found(**params) -> set[str]:
        r = await intake.get(f"{BRANCH}/participants", params=params)
        assert r.status_code == 200, r.text
        return {p["participant_id"] for p in r.json()["items"]}

    assert await found(name="zoe") == {zoe}
    assert await found(name="ZOË V") == {zoe}
    assert await found(name="berg") == {zoe}  # any word of the name
    assert await found(name="  van   DER ") == {zoe}
    assert await found(name="emi") == {emile}
    assert await found(name="emi", role="mentee") == set()
    assert await found(role="mentor") == {emile}
    assert await found(status="withdrawn") == {other}
    assert await found(status="registered", role="mentee") == {zoe}
    assert await found(name="oe") == set()  # a start, not anywhere inside
    assert await found(name=".*") == set()  # taken as text, not a pattern

    # Erasure takes the name out of the search too.
    assert (await intake.delete(f"{BRANCH}/participants/{zoe}")).status_code == 204
    assert await found(name="zoe") == set()
    assert zoe in await found(status="erased")


async def test_a_bad_limit_or_cursor_is_a_problem_naming_it_and_a_cursor_works_for_its_own_list_only(intake):
    await register_all(intake, [person(i, "few") for i in range(3)])
    operator = cursor({"o": "participants", "k": [{"$ne": None}, "x"]})  # a query operator smuggled in
    of_duos = cursor({"o": "duos", "k": ["2026-01-01", "x"]})
    for query, field in (("limit=501", "limit"), ("limit=0", "limit"), ("cursor=not-a-cursor", "cursor"),
                         (f"cursor={operator}", "cursor"), (f"cursor={of_duos}", "cursor")):
        r = await intake.get(f"{BRANCH}/participants?{query}")
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", (query, r.text)
        assert [e["field"] for e in r.json()["errors"]] == [field], (query, r.json())

    first = (await intake.get(f"{BRANCH}/participants", params={"limit": 1, "role": "mentee"})).json()
    assert len(first["items"]) == 1 and first["next"].startswith(f"{BRANCH}/participants?")
    assert "role=mentee" in first["next"]  # the next page keeps the filters
    second = (await intake.get(first["next"])).json()
    assert second["items"][0]["participant_id"] != first["items"][0]["participant_id"]
    last = (await intake.get(f"{BRANCH}/participants", params={"limit": 500})).json()
    assert last["next"] is None
