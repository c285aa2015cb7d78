"""Documents stored before lists had page keys are given theirs once at start-up, so no list loses
them (shared/paging.py fill_page_keys)."""
from __future__ import annotations

from pymongo import ASCENDING, IndexModel

from shared.paging import PAGE_KEY, Order, fill_page_keys, find_page, page_keys_of

ORDER = Order("people", ("registered_on",), descending=True)


async def test_old_documents_get_their_page_keys_once_and_every_page_lists_them(mongo, fresh_db_name):
    collection = mongo[fresh_db_name]["people"]
    await collection.create_indexes([IndexModel([(PAGE_KEY, ASCENDING)])])
    old = [{"_id": f"p{i:03d}", "branch": "brussels", "registered_on": f"2025-0{1 + i % 9}-1{i % 10}"}
           for i in range(120)]
    await collection.insert_many(old + [{"_id": "stub", "status": "erased"}])  # a stub is in no list
    new = {"_id": "p999", "branch": "brussels", "registered_on": "2026-01-01"}
    await collection.insert_one({**new, PAGE_KEY: ORDER.page_key(new)})

    assert await fill_page_keys(collection, page_keys_of(ORDER)) == len(old)
    assert await fill_page_keys(collection, page_keys_of(ORDER)) == 0  # done once per database

    listed, after = [], None
    while True:
        page, after = await find_page(collection, {"branch": "brussels"}, ORDER, after, 25)
        listed += [d["_id"] for d in page]
        if after is None:
            break
    assert sorted(listed) == sorted([d["_id"] for d in old] + ["p999"])
    assert listed[0] == "p999"  # newest first
