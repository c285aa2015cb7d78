"""Keyset paging without a store: the range after a key, cursors that round-trip, and what they refuse."""
from __future__ import annotations

import base64
import json
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.http.paging import decode_cursor, encode_cursor
from shared.paging import Order, slice_page

NEWEST = Order("things", ("created_at",), descending=True)
OLDEST = Order("things", ("day",))


def matches(document: dict, query: dict) -> bool:
    """Just enough of MongoDB's query language for Order.after: $or, $gt, $lt and equality."""
    if "$or" in query:
        return any(matches(document, q) for q in query["$or"])
    for name, condition in query.items():
        if isinstance(condition, dict):
            (op, value), = condition.items()
            if not (document[name] > value if op == "$gt" else document[name] < value):
                return False
        elif document[name] != condition:
            return False
    return True


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 20)), unique=True, min_size=1, max_size=40),
       st.integers(1, 7), st.booleans())
def test_following_after_each_page_lists_every_document_once_in_order(rows, limit, descending):
    order = Order("things", ("day",), descending=descending)
    documents = sorted(({"day": d, "_id": f"{i:03d}"} for d, i in rows), key=order.key_of, reverse=descending)
    seen, after = [], None
    while True:
        rest = [d for d in documents if after is None or matches(d, order.after(after))]
        page = rest[:limit]
        seen += page
        if len(rest) <= limit:
            break
        after = order.key_of(page[-1])
    assert seen == documents


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
