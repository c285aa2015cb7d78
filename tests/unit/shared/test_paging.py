"""Keyset paging without a store: the range after a key, cursors that round-trip, and what they refuse."""
from __future__ import annotations

import asyncio
import base64
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.http.paging import decode_cursor, encode_cursor
from shared import paging
from shared.paging import PAGE_KEY, Order, find_page, slice_page

NEWEST = Order("things", ("created_at",), descending=True)
OLDEST = Order("things", ("day",))


def test_the_sort_ends_with_the_id_in_the_same_direction():
    assert NEWEST.sort() == [("created_at", -1), ("_id", -1)]
    assert OLDEST.sort() == [("day", 1), ("_id", 1)]


def test_a_cursor_round_trips_dates_and_times():
    key = (datetime(2026, 11, 27, 7, 30, 1, 123000), "abc")
    assert decode_cursor(NEWEST, encode_cursor(NEWEST, key)) == key
    assert decode_cursor(OLDEST, encode_cursor(OLDEST, ("2026-11-27", "x"))) == ("2026-11-27", "x")


def raw(content) -> str:
    return base64.urlsafe_b64encode(json.dumps(content).encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    "", "%%%", "bm90IGpzb24", raw([1, 2]), raw({"o": "other", "k": ["a", "b"]}), raw({"o": "things", "k": ["a"]}),
    raw({"o": "things", "k": [{"$ne": None}, "a"]}),  # an operator in place of a value
    raw({"o": "things", "k": [{"t": "not a time"}, "a"]}), raw({"o": "things", "k": [["a"], "b"]}),
])
def test_anything_but_a_cursor_of_this_list_is_refused(cursor):
    with pytest.raises(ValueError):
        decode_cursor(OLDEST, cursor)


def test_a_list_computed_in_memory_pages_the_same_way():
    items = [(d, str(i)) for i, d in enumerate([1, 1, 2, 3, 3, 3, 4])]
    first, after = slice_page(items, lambda x: x, None, 3)
    second, after2 = slice_page(items, lambda x: x, after, 3)
    third, end = slice_page(items, lambda x: x, after2, 3)
    assert first + second + third == items and end is None and len(third) == 1


class Collection:
    """Just enough of a collection for find_page: a `page_key` range, equalities, sort and limit.

    It also keeps every filter it was asked, to check that each read is a range bounded on both sides."""

    full_name = "test.things"

    def __init__(self, documents: list[dict]) -> None:
        self.documents, self.filters = documents, []

    def find(self, query: dict, projection=None):
        self.filters.append(query)
        found = [dict(d) for d in self.documents if self._matches(d, query)]
        collection = self

        class Cursor:
            def sort(self, field, direction):
                found.sort(key=lambda d: d[field], reverse=direction == -1)
                return self

            def limit(self, n):
                self.n = n
                return self

            async def to_list(self):
                collection.read = getattr(collection, "read", 0) + len(found)
                return found[:self.n]
        return Cursor()

    @staticmethod
    def _matches(document: dict, query: dict) -> bool:
        tests = {"$gt": lambda a, b: a > b, "$gte": lambda a, b: a >= b, "$lt": lambda a, b: a < b,
                 "$lte": lambda a, b: a <= b}
        for name, condition in query.items():
            if name not in document:
                return False
            if isinstance(condition, dict):
                if not all(tests[op](document[name], value) for op, value in condition.items()):
                    return False
            elif document[name] != condition:
                return False
        return True


def read_all(collection: Collection, order: Order, limit: int, **query) -> list[dict]:
    seen, after = [], None
    while True:
        page, after = asyncio.run(find_page(collection, {"branch": "b", **query}, order, after, limit))
        seen += page
        if after is None:
            return seen


def stored(order: Order, documents: list[dict]) -> list[dict]:
    return [{**d, PAGE_KEY: order.page_key(d)} for d in documents]


days = st.integers(-3000, 2).map(lambda n: (date.today() + timedelta(days=n)).isoformat())
ids = st.one_of(st.uuids().map(str), st.text("abz019-_|", min_size=1, max_size=6))


@given(st.lists(st.tuples(days, ids, st.sampled_from(["b", "c"]), st.booleans()), min_size=0, max_size=60,
                unique_by=lambda row: row[1]), st.integers(1, 9), st.booleans())
def test_pages_of_a_day_ordered_list_hold_every_document_of_the_branch_once_in_order(rows, limit, descending):
    order = Order("things", ("registered_on",), descending=descending)
    documents = [{"_id": i, "branch": b, "registered_on": d, "kept": k} for d, i, b, k in rows]
    collection = Collection(stored(order, documents))
    expected = sorted((d for d in documents if d["branch"] == "b" and d["kept"]), key=order.key_of,
                      reverse=descending)
    assert read_all(collection, order, limit, kept=True) == expected
    for query in collection.filters:  # every read is led by the key, bounded on both sides
        assert next(iter(query)) == PAGE_KEY and len(query[PAGE_KEY]) == 2


times = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime.now() + timedelta(days=1)).map(
    lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000, tzinfo=timezone.utc))


@given(st.lists(st.tuples(times, ids), max_size=60, unique_by=lambda row: row[1]), st.integers(1, 9))
def test_pages_of_a_time_ordered_list_hold_every_document_once_newest_first(rows, limit):
    order = Order("events", ("created_at",), descending=True)
    documents = [{"_id": i, "branch": "b", "created_at": t} for t, i in rows]
    expected = sorted(documents, key=order.key_of, reverse=True)
    assert read_all(Collection(stored(order, documents)), order, limit) == expected


def test_a_page_of_a_long_history_reads_about_as_many_documents_as_it_shows():
    order = Order("things", ("registered_on",), descending=True)
    import uuid
    today = date.today()
    documents = [{"_id": str(uuid.uuid4()), "branch": "b", "registered_on": (today - timedelta(days=n % 3000)).isoformat()}
                 for n in range(10_000)]
    documents += [{"_id": str(uuid.uuid4()), "branch": "b", "registered_on": today.isoformat()} for _ in range(1_000)]
    collection = Collection(stored(order, documents))
    paging._densities.clear()
    paging._edges.clear()
    for _ in range(3):  # the first page of a list not seen before may read more, while it learns the density
        collection.read = 0
        page, after = asyncio.run(find_page(collection, {"branch": "b"}, order, None, 50))
    assert len(page) == 50 and collection.read < 50 * 4
    collection.read = 0
    page, after = asyncio.run(find_page(collection, {"branch": "b"}, order, after, 50))
    assert len(page) == 50 and collection.read < 50 * 4


def test_a_burst_long_ago_is_read_in_slices_of_about_a_page():
    order = Order("events", ("created_at",), descending=True)
    import uuid
    burst = datetime.now(timezone.utc) - timedelta(minutes=20)
    documents = [{"_id": str(uuid.uuid4()), "branch": "b", "created_at": burst - timedelta(days=n)} for n in range(300)]
    documents += [{"_id": str(uuid.uuid4()), "branch": "b", "created_at": burst + timedelta(milliseconds=n)}
                  for n in range(1_200)]
    collection = Collection(stored(order, documents))
    paging._densities.clear()
    paging._edges.clear()
    for _ in range(3):
        collection.read = 0
        page, after = asyncio.run(find_page(collection, {"branch": "b"}, order, None, 50))
    assert len(page) == 50 and collection.read < 50 * 4
    collection.read = 0
    page, after = asyncio.run(find_page(collection, {"branch": "b"}, order, after, 50))
    assert len(page) == 50 and collection.read < 50 * 4
