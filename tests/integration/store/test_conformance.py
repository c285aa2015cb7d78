"""The MongoDB behaviours the suite relies on, one test each, against whatever store `mongo_url` is.

By default that is the local store (SecantusDB); with DUO_TEST_MONGO_URL=mongodb://... the same
tests prove a real MongoDB (or a testcontainers MongoDB where a Docker engine answers). Each
test names the code that depends on the behaviour, so a store that fails one says what breaks.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone

import pytest
from pymongo import ASCENDING, AsyncMongoClient, IndexModel, ReturnDocument, UpdateOne
from pymongo.errors import CollectionInvalid, DuplicateKeyError


@pytest.fixture
async def db(mongo_url, fresh_db_name):
    client = AsyncMongoClient(mongo_url, tz_aware=True)
    yield client[fresh_db_name]
    await client.drop_database(fresh_db_name)
    await client.close()


def run_processes(mongo_url: str, database: str, script: str, processes: int = 2) -> list[str]:
    """Run `script` (with `url`, `database` and `worker` defined) in separate OS processes at once."""
    preamble = f"url, database = {mongo_url!r}, {database!r}\n"
    children = [subprocess.Popen([sys.executable, "-c", preamble + f"worker = {n}\n" + textwrap.dedent(script)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for n in range(processes)]
    outputs = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err[-2000:]
        outputs.append(out.strip())
    return outputs


async def test_inc_from_two_os_processes_on_one_document_adds_up(db, mongo_url):
    """Counters and version numbers (shared/storage.py) rely on atomic single-document updates."""
    await db.counters.insert_one({"_id": "c", "n": 0})
    run_processes(mongo_url, db.name, """
        import asyncio
        from pymongo import AsyncMongoClient
        async def main():
            client = AsyncMongoClient(url)
            counters = client[database].counters
            async def task():
                for _ in range(250):
                    await counters.update_one({"_id": "c"}, {"$inc": {"n": 1}})
            await asyncio.gather(*(task() for _ in range(4)))
            await client.close()
        asyncio.run(main())
    """)
    assert (await db.counters.find_one({"_id": "c"}))["n"] == 2 * 4 * 250


async def test_conditional_update_on_a_version_refuses_a_stale_write(db):
    """change_with_events (shared/storage.py): the second writer of one version gets a conflict."""
    await db.docs.insert_one({"_id": "d", "version": 1, "value": "a"})
    first = await db.docs.update_one({"_id": "d", "version": 1}, {"$set": {"value": "b"}, "$inc": {"version": 1}})
    stale = await db.docs.update_one({"_id": "d", "version": 1}, {"$set": {"value": "c"}, "$inc": {"version": 1}})
    assert (first.matched_count, stale.matched_count) == (1, 0)
    assert await db.docs.find_one({"_id": "d"}) == {"_id": "d", "version": 2, "value": "b"}


async def test_of_many_processes_writing_one_version_exactly_one_wins(db, mongo_url):
    """Two service processes deciding on the same read: only one decision is written."""
    await db.docs.insert_one({"_id": "d", "version": 1, "winners": []})
    outputs = run_processes(mongo_url, db.name, """
        import asyncio
        from pymongo import AsyncMongoClient
        async def main():
            client = AsyncMongoClient(url)
            docs = client[database].docs
            results = await asyncio.gather(*(docs.update_one(
                {"_id": "d", "version": 1}, {"$inc": {"version": 1}, "$push": {"winners": f"{worker}-{t}"}})
                for t in range(8)))
            print(sum(r.modified_count for r in results))
            await client.close()
        asyncio.run(main())
    """)
    doc = await db.docs.find_one({"_id": "d"})
    assert sum(int(o) for o in outputs) == 1
    assert doc["version"] == 2 and len(doc["winners"]) == 1


async def test_pull_with_a_condition_removes_exactly_the_matching_elements(db):
    """The outbox relay (shared/messaging/relay.py) removes the acknowledged events by id."""
    await db.docs.insert_one({"_id": "d", "outbox": [{"id": "e1"}, {"id": "e2"}, {"id": "e3"}]})
    result = await db.docs.update_one({"_id": "d"}, {"$pull": {"outbox": {"id": {"$in": ["e1", "e3", "gone"]}}}})
    assert result.modified_count == 1
    assert (await db.docs.find_one({"_id": "d"}))["outbox"] == [{"id": "e2"}]


async def test_size_zero_matches_only_an_empty_array(db):
    """The relay marks a document no longer pending only if its outbox is empty at that moment."""
    await db.docs.insert_many([{"_id": "empty", "outbox": []}, {"_id": "full", "outbox": [{"id": "e"}]}])
    ids = [d["_id"] async for d in db.docs.find({"outbox": {"$size": 0}})]
    assert ids == ["empty"]


async def test_a_unique_index_refuses_a_duplicate(db):
    """Unique business keys (and _id) hold across processes: the loser gets a duplicate-key error."""
    await db.people.create_indexes([IndexModel([("email_key", ASCENDING)], unique=True)])
    await db.people.insert_one({"_id": "p1", "email_key": "amina@example.org"})
    with pytest.raises(DuplicateKeyError):
        await db.people.insert_one({"_id": "p2", "email_key": "amina@example.org"})
    assert await db.people.count_documents({}) == 1


async def test_an_upsert_whose_filter_misses_an_existing_id_is_a_duplicate_key_error(db):
    """The round lease (services/matching/adapters/round_lease.py) is taken by such an upsert."""
    later = datetime.now(timezone.utc) + timedelta(minutes=5)
    await db.leases.insert_one({"_id": "brussels", "until": later})
    with pytest.raises(DuplicateKeyError):
        await db.leases.update_one({"_id": "brussels", "until": {"$lt": datetime.now(timezone.utc)}},
                                   {"$set": {"until": later}}, upsert=True)


async def test_find_one_and_update_can_return_the_document_after_the_change(db):
    await db.docs.insert_one({"_id": "d", "n": 1})
    after = await db.docs.find_one_and_update({"_id": "d"}, {"$inc": {"n": 1}}, return_document=ReturnDocument.AFTER)
    assert after == {"_id": "d", "n": 2}


async def test_push_with_slice_and_ne_filter_apply_an_event_once(db):
    """apply_once (shared/messaging/idempotency.py): remembered ids, bounded, and a repeat matching nothing."""
    update = lambda event: {"$inc": {"n": 1}, "$push": {"seen": {"$each": [event], "$slice": -3}}}  # noqa: E731
    for event in ("a", "b", "c", "d"):
        await db.views.update_one({"_id": "v", "seen": {"$ne": event}}, update(event), upsert=True)
    repeat = await db.views.update_one({"_id": "v", "seen": {"$ne": "d"}}, update("d"))
    assert repeat.matched_count == 0
    with pytest.raises(DuplicateKeyError):  # an upserting repeat collides with the existing _id
        await db.views.update_one({"_id": "v", "seen": {"$ne": "d"}}, update("d"), upsert=True)
    assert await db.views.find_one({"_id": "v"}) == {"_id": "v", "n": 4, "seen": ["b", "c", "d"]}


async def test_two_processes_taking_over_never_take_the_same_document(db, mongo_url):
    """The relay's take-over of a dead process's events: an update_many conditioned on a stale `since`
    (and setting it to now) takes each document once."""
    long_ago = datetime(1970, 1, 1, tzinfo=timezone.utc)
    await db.outbox.insert_many([{"_id": i, "since": long_ago, "owners": []} for i in range(200)])
    run_processes(mongo_url, db.name, """
        import asyncio
        from datetime import datetime, timedelta, timezone
        from pymongo import AsyncMongoClient
        async def main():
            client = AsyncMongoClient(url, tz_aware=True)
            outbox = client[database].outbox
            for round in range(40):
                now = datetime.now(timezone.utc)
                stale = {"since": {"$lt": now - timedelta(minutes=5)}}
                ids = [d["_id"] for d in await outbox.find(stale, {"_id": 1}).limit(10).to_list()]
                await outbox.update_many({"_id": {"$in": ids}, **stale}, {
                    "$set": {"since": now}, "$push": {"owners": f"{worker}/{round}"}})
            await client.close()
        asyncio.run(main())
    """, processes=3)
    owners = {d["_id"]: d["owners"] async for d in db.outbox.find({})}
    assert all(len(o) <= 1 for o in owners.values()), {i: o for i, o in owners.items() if len(o) > 1}
    assert sum(len(o) for o in owners.values()) == 200  # 3 x 40 rounds of 10 take everything


async def test_an_ordered_bulk_write_sees_its_earlier_updates(db):
    """The relay pulls a document's acknowledged events and, in the same command, clears its owner
    only if the pull left the outbox empty."""
    await db.docs.insert_many([{"_id": "all-sent", "outbox": [{"id": "e1"}], "owner": "me"},
                               {"_id": "one-left", "outbox": [{"id": "e2"}, {"id": "e3"}], "owner": "me"}])
    writes = []
    for doc_id, sent in (("all-sent", ["e1"]), ("one-left", ["e2"])):
        writes.append(UpdateOne({"_id": doc_id}, {"$pull": {"outbox": {"id": {"$in": sent}}}}))
        writes.append(UpdateOne({"_id": doc_id, "outbox": {"$size": 0}}, {"$unset": {"owner": ""}}))
    await db.docs.bulk_write(writes, ordered=True)
    docs = {d["_id"]: d async for d in db.docs.find({})}
    assert docs["all-sent"] == {"_id": "all-sent", "outbox": []}
    assert docs["one-left"] == {"_id": "one-left", "outbox": [{"id": "e3"}], "owner": "me"}


async def test_unordered_bulk_write_applies_every_matching_update(db):
    """The relay removes a whole batch's events in one round trip."""
    await db.docs.insert_many([{"_id": i, "by": "me" if i % 2 else "other", "n": 0} for i in range(10)])
    result = await db.docs.bulk_write([UpdateOne({"_id": i, "by": "me"}, {"$inc": {"n": 1}}) for i in range(10)],
                                      ordered=False)
    assert (result.matched_count, result.modified_count) == (5, 5)


async def test_collections_and_indexes_can_be_created_again_by_a_second_process(db):
    """Every service process creates its collections and indexes at start-up (shared/runtime.py)."""
    await db.create_collection("things")
    with pytest.raises(CollectionInvalid):
        await db.create_collection("things")
    indexes = [IndexModel([("branch", ASCENDING)])]
    assert await db.things.create_indexes(indexes) == await db.things.create_indexes(indexes)


async def test_datetimes_come_back_in_utc_to_the_millisecond(db):
    """Claims and leases compare stored times with the clock."""
    moment = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=timezone.utc)
    await db.docs.insert_one({"_id": "t", "at": moment})
    stored = (await db.docs.find_one({"_id": "t"}))["at"]
    assert stored == moment.replace(microsecond=123000) and stored.utcoffset() == timedelta(0)


async def test_a_missing_field_counts_as_not_greater(db):
    """`{"$not": {"$gt": now}}` takes documents never claimed as well as expired claims."""
    now = datetime.now(timezone.utc)
    await db.docs.insert_many([{"_id": "never"}, {"_id": "expired", "until": now - timedelta(seconds=1)},
                               {"_id": "held", "until": now + timedelta(minutes=1)}])
    free = sorted([d["_id"] async for d in db.docs.find({"until": {"$not": {"$gt": now}}})])
    assert free == ["expired", "never"]


async def test_unique_index_on_a_branch_and_each_element_of_an_array_refuses_a_shared_element(db):
    """Duplicate registrations (services/intake/adapters/participants.py) rely on a compound unique
    index over the branch and each identity key in an array, skipping documents without keys."""
    await db.people.create_indexes([IndexModel(
        [("branch", ASCENDING), ("identity_keys", ASCENDING)], unique=True,
        partialFilterExpression={"identity_keys": {"$exists": True}})])
    await db.people.insert_one({"_id": 1, "branch": "b", "identity_keys": ["e1", "n1"]})
    await db.people.insert_one({"_id": 2, "branch": "other", "identity_keys": ["e1", "n1"]})  # another branch
    await db.people.insert_one({"_id": 3, "branch": "b"})  # erased: no keys
    await db.people.insert_one({"_id": 4, "branch": "b"})
    with pytest.raises(DuplicateKeyError):
        await db.people.insert_one({"_id": 5, "branch": "b", "identity_keys": ["e2", "n1"]})
    with pytest.raises(DuplicateKeyError):
        await db.people.update_one({"_id": 4}, {"$set": {"identity_keys": ["e1", "n4"]}})
    await db.people.update_one({"_id": 1}, {"$unset": {"identity_keys": ""}})
    await db.people.insert_one({"_id": 6, "branch": "b", "identity_keys": ["e1", "n1"]})
    assert await db.people.count_documents({"branch": "b", "identity_keys": "e1"}) == 1
