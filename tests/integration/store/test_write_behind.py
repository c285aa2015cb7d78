"""The rebuild's write-behind buffer (shared/write_behind.py) against the real store: what it holds is
what ends up written, memory stays bounded, and a write that bypasses it never meets an older copy."""
from __future__ import annotations

import pytest
from pymongo import AsyncMongoClient

from shared.write_behind import WriteBehind


@pytest.fixture
async def collection(mongo_url, fresh_db_name):
    client = AsyncMongoClient(mongo_url, tz_aware=True)
    yield client[fresh_db_name]["documents"]
    await client.drop_database(fresh_db_name)
    await client.close()


async def test_every_change_is_written_by_the_end_and_nothing_before_the_limit(collection):
    buffer = WriteBehind(collection, limit=3)
    await buffer.put({"_id": "a", "n": 1})
    await buffer.put({"_id": "b", "n": 1})
    await buffer.put({"_id": "a", "n": 2})  # the same document twice: still two changed
    assert await collection.count_documents({}) == 0
    await buffer.put({"_id": "c", "n": 1})  # the third changed document reaches the limit
    assert {d["_id"]: d["n"] async for d in collection.find()} == {"a": 2, "b": 1, "c": 1}
    assert buffer.documents == {}  # written documents are forgotten: memory stays bounded

    found = await buffer.get("a")  # read back from the store, then changed in memory
    await buffer.put({**found, "n": 3})
    await buffer.flush()
    assert (await collection.find_one({"_id": "a"}))["n"] == 3
    assert await buffer.get("missing") is None


async def test_a_write_straight_to_the_collection_is_not_undone_by_the_buffer(collection):
    buffer = WriteBehind(collection, limit=100)
    await buffer.put({"_id": "duo-1", "mentee_id": "p-1"})
    await buffer.flush_and_forget()  # what an erasure does before its update_many
    await collection.update_many({"mentee_id": "p-1"}, {"$set": {"mentee_id": "erased-1"}})
    doc = await buffer.get("duo-1")
    await buffer.put({**doc, "sessions": 1})
    await buffer.flush()
    assert await collection.find_one({"_id": "duo-1"}) == {"_id": "duo-1", "mentee_id": "erased-1", "sessions": 1}
