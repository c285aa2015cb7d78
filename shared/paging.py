"""Keyset paging over a MongoDB collection: a stable order and the range after a given item.

A page starts after the last item of the previous one (its sort key, `_id` breaking ties), not
at an offset: items written elsewhere in the list while someone pages neither repeat nor shift
the pages after it, and each page is one range read on an index declared for that order.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, TypeVar

Key = tuple[Any, ...]
T = TypeVar("T")


@dataclass(frozen=True)
class Order:
    """One list's order: `fields` then `_id`, all ascending or all descending.

    The fields must be present on every listed document and never change once written
    (a registration day, a creation time), so an item's place in the list is fixed.
    """

    name: str  # a cursor from one list is refused by another
    fields: tuple[str, ...]
    descending: bool = False

    @property
    def keys(self) -> tuple[str, ...]:
        return (*self.fields, "_id")

    def sort(self) -> list[tuple[str, int]]:
        return [(name, -1 if self.descending else 1) for name in self.keys]

    def key_of(self, document: dict[str, Any]) -> Key:
        return tuple(document[name] for name in self.keys)

    def after(self, key: Key) -> dict[str, Any]:
        """The documents that come after `key` in this order."""
        beyond = "$lt" if self.descending else "$gt"
        branches = []
        for i, name in enumerate(self.keys):
            equal = {self.keys[j]: key[j] for j in range(i)}
            branches.append({**equal, name: {beyond: key[i]}})
        return {"$or": branches}


async def find_page(collection, query: dict[str, Any], order: Order, after: Key | None, limit: int,
                    projection: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], Key | None]:
    """Up to `limit` documents after `after`, and the key to continue from (None on the last page)."""
    # A document without the order's fields (a view's stub, its first event not yet in) has no place in it.
    query = {"$and": [query, *({name: {"$exists": True}} for name in order.fields)]}
    if after is not None:
        query["$and"].append(order.after(after))
    documents = await collection.find(query, projection).sort(order.sort()).limit(limit + 1).to_list()
    if len(documents) <= limit:
        return documents, None
    documents = documents[:limit]
    return documents, order.key_of(documents[-1])


def slice_page(items: list[T], key_of: Callable[[T], Key], after: Key | None,
               limit: int) -> tuple[list[T], Key | None]:
    """The same paging over a list computed in memory, already sorted ascending by `key_of`."""
    rest = items if after is None else [item for item in items if key_of(item) > after]
    if len(rest) <= limit:
        return rest, None
    return rest[:limit], key_of(rest[limit - 1])
