"""Keyset paging over a MongoDB collection: a stable order, and pages read through one indexed key.

A page starts after the last item of the previous one (its sort key, `_id` breaking ties), not
at an offset: items written elsewhere in the list while someone pages neither repeat nor shift
the pages after it.

Every listed document carries its place in its list as one string, `page_key`
(`<branch>|<order fields>|<_id>`, see `Order.page_key`), under a single-field index. A page is
read as ranges of that key, each bounded on both sides: the local store (and any MongoDB) fetches
every document the index range holds before applying limit and sort, so an open range would read
the whole branch for a page of fifty. The first range is sized from the density last seen for the
list; when it comes back short, the next one (the range just below or above it, never the same
documents again) is widened from the density found so far. A page therefore reads about as many
documents as it shows, however long the list's history.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, TypeVar

Key = tuple[Any, ...]
T = TypeVar("T")

PAGE_KEY = "page_key"
SEPARATOR = "|"
_END = chr(ord(SEPARATOR) + 1)  # the first character after the separator: the end of a scope's keys

@dataclass(frozen=True)
class Order:
    """One list's order: `fields` then `_id`, all ascending or all descending, within a branch.

    The fields must be present on every listed document and never change once written
    (a registration day, a creation time), so an item's place in the list is fixed. The first
    field is an ISO day or a time: it is what a page's ranges are measured in.
    """

    name: str  # a cursor from one list is refused by another
    fields: tuple[str, ...]
    descending: bool = False
    scope: str = "branch"  # the field every query of the list names with one value
    key: str = PAGE_KEY  # the field holding each document's place: another one for a list by another scope

    @property
    def keys(self) -> tuple[str, ...]:
        return (*self.fields, "_id")

    def sort(self) -> list[tuple[str, int]]:
        return [(name, -1 if self.descending else 1) for name in self.keys]

    def key_of(self, document: dict[str, Any]) -> Key:
        return tuple(document[name] for name in self.keys)

    def page_key(self, document: dict[str, Any]) -> str:
        """The document's place in the list (its `key` field): written with it, so that the list finds it by one index."""
        return self.page_key_at(document[self.scope], self.key_of(document))

    def page_key_at(self, scope: str, key: Key) -> str:
        return SEPARATOR.join([str(scope), *(_sortable(value) for value in key[:-1]), str(key[-1])])


def _millis(moment: datetime) -> str:
    # The store keeps times to the millisecond: a key made from the time as written must equal the
    # key made from the time as read back (a cursor).
    return f"{moment.strftime('%Y-%m-%dT%H:%M:%S')}.{moment.microsecond // 1000:03d}"


def _sortable(value: Any) -> str:
    """A field value as text that sorts as the value does (ISO days and UTC times of fixed width)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return _millis(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise TypeError(f"cannot page on {type(value).__name__} values")


# -- positions: where a key lies on the list's axis, in seconds ------------------------------------
# A list ordered by a day (`..._on`) spreads each day's items over the day by their id (ids are
# mostly random hex), so that a busy day is read in slices like any stretch of time; a list ordered
# by a time (`..._at`) is measured in that time.

_HEX = "0123456789abcdef"
DAY = 86_400.0


def _by_day(order: Order) -> bool:
    return not order.fields[0].endswith("_at")


def _id_fraction(identifier: str) -> float:
    """Where an id falls between 0 and 1 among ids: exact for hex, a monotone estimate for the rest."""
    value, scale = 0.0, 1.0
    for char in identifier.lower()[:10]:
        scale /= 16
        digit = _HEX.find(char)
        if digit < 0:
            return value + (scale * 16 if char > "f" else scale * 10 if "9" < char < "a" else 0.0)
        value += digit * scale
    return value


def _id_prefix(fraction: float) -> str:
    digits = []
    for _ in range(10):
        fraction *= 16
        digit = min(15, int(fraction))
        digits.append(_HEX[digit])
        fraction -= digit
    return "".join(digits).rstrip("0")


def _position(order: Order, document_key: str) -> float:
    """Where a `page_key` lies on its list's axis, in seconds."""
    _scope, first, rest = document_key.split(SEPARATOR, 2)
    if _by_day(order):
        return date.fromisoformat(first).toordinal() * DAY + _id_fraction(rest.rsplit(SEPARATOR, 1)[-1]) * DAY
    moment = datetime.fromisoformat(first)
    return moment.toordinal() * DAY + moment.hour * 3600 + moment.minute * 60 + moment.second \
        + moment.microsecond / 1e6


def _bound(order: Order, scope: str, position: float) -> str:
    """A key that sorts after every key placed before `position`, and not after any placed at or after it."""
    ordinal = int(position // DAY)
    into_day = position - ordinal * DAY
    day = date.fromordinal(ordinal)
    if _by_day(order):
        return f"{scope}{SEPARATOR}{day.isoformat()}{SEPARATOR}{_id_prefix(into_day / DAY)}"
    moment = datetime.combine(day, datetime.min.time()) + timedelta(microseconds=int(into_day * 1e6))
    return f"{scope}{SEPARATOR}{_millis(moment)}"


def _top(order: Order) -> float:
    """Above the newest item of a list (today's end, or a minute from now)."""
    if _by_day(order):
        return (date.today().toordinal() + 1) * DAY
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    return _position(order, f"x{SEPARATOR}{_millis(now)}{SEPARATOR}x") + 60


_FLOOR = date(1970, 1, 1).toordinal() * DAY  # nothing listed is older: past it, a range runs to the scope's edge
_FIRST_WIDTH = 3_600.0  # seconds, before a list's density is known
_GROWTH = 16.0  # at most, from one range to the next
_RANGES = 64  # after so many ranges (never reached with _GROWTH), the last one runs to the scope's edge
# Per process, per list and filter: items per second among the items of the last page read, and
# where its first page began (the newest or the oldest item). Only where the first range starts and
# how wide it is depend on them, never what a page holds: items beyond the remembered edge are in
# the first range too, which is open on that side.
_densities: dict[tuple, float] = {}
_edges: dict[tuple, float] = {}


async def find_page(collection, query: dict[str, Any], order: Order, after: Key | None, limit: int,
                    projection: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], Key | None]:
    """Up to `limit` documents after `after`, and the key to continue from (None on the last page).

    `query` names the list's scope (`order.scope`) with one value; its other conditions are applied
    to the documents of each range. Every read is led by a two-sided range of the `page_key` index.
    """
    scope = str(query[order.scope])
    rest = {name: condition for name, condition in query.items() if name != order.scope}
    start, end = f"{scope}{SEPARATOR}", f"{scope}{_END}"
    descending = order.descending
    if projection and any(value for name, value in projection.items() if name != "_id"):
        projection = {**projection, order.key: 1}  # an inclusive projection: the key places each document
    remembered = (collection.full_name, scope, order.name, repr(sorted(rest.items(), key=lambda item: item[0])))
    if after is not None:
        near = order.page_key_at(scope, after)  # exclusive: the previous page ends on it
        origin = _position(order, near) if order.fields else 0.0
    else:
        near = end if descending else start
        origin = _edges.get(remembered, _top(order) if descending else _FLOOR)
    near_op = "$lt" if descending or after is not None else "$gte"
    if not descending and after is not None:
        near_op = "$gt"
    density = _densities.get(remembered)
    width = (limit + 1) * 1.25 / density if density else _FIRST_WIDTH
    found: list[dict[str, Any]] = []
    reach = origin
    for ranges in range(1, _RANGES + 1):
        reach = reach - width if descending else reach + width
        last = not order.fields or ranges == _RANGES or (reach <= _FLOOR if descending else reach >= _top(order) + DAY)
        far = (start if descending else end) if last else _bound(order, scope, reach)
        bounds = {near_op: near, ("$gte" if descending else "$lt"): far}
        documents = await collection.find({order.key: bounds, **rest}, projection) \
            .sort(order.key, -1 if descending else 1).limit(limit + 1 - len(found)).to_list()
        found += documents
        if len(found) > limit or last:
            break
        # The next range starts where this one ended, as wide as the density so far says the page needs.
        near, near_op = far, "$lt" if descending else "$gte"
        covered = abs(reach - origin)
        width = min(width * _GROWTH, (limit + 1 - len(found)) * 1.25 * covered / len(found)) if found \
            else width * _GROWTH
        width = max(width, 1e-3)
    if len(found) > 1 and order.fields:
        # Measured between the items found, not from where the reading began: a list whose items
        # came in one burst long ago is dense there, however empty the time since.
        first, last = _position(order, found[0][order.key]), _position(order, found[-1][order.key])
        _remember(remembered, (len(found) - 1) / max(abs(last - first), 1e-3), first if after is None else None)
    for document in found:
        document.pop(order.key, None)  # the list's own bookkeeping, not part of any item
    if len(found) <= limit:
        return found, None
    found = found[:limit]
    return found, order.key_of(found[-1])


def _remember(remembered: tuple, density: float, edge: float | None) -> None:
    if len(_densities) > 10_000:  # name searches make many filters: forget rather than grow
        _densities.clear()
        _edges.clear()
    _densities[remembered] = density
    if edge is not None:
        _edges[remembered] = edge


def slice_page(items: list[T], key_of: Callable[[T], Key], after: Key | None,
               limit: int) -> tuple[list[T], Key | None]:
    """The same paging over a list computed in memory, already sorted ascending by `key_of`."""
    rest = items if after is None else [item for item in items if key_of(item) > after]
    if len(rest) <= limit:
        return rest, None
    return rest[:limit], key_of(rest[limit - 1])


def page_keys_of(order: Order) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The page key a list of `order` writes with each document, for fill_page_keys."""
    return lambda document: {order.key: order.page_key(document)}


MIGRATIONS = "migrations"  # one document per start-up job done, so that it runs once per database


async def fill_page_keys(collection, keys_of: Callable[[dict[str, Any]], dict[str, Any]], key: str = PAGE_KEY) -> int:
    """Start-up job: documents written before lists had page keys get theirs (`keys_of(document)`), so
    that no list loses them; returns how many. A whole-collection read, once per database and
    collection: a document in `migrations` says it was done (processes starting together may both
    run it, harmlessly: each writes the same keys, and only where none is)."""
    migrations = collection.database[MIGRATIONS]
    done = f"page-keys:{collection.name}"
    if await migrations.find_one({"_id": done}) is not None:
        return 0
    from pymongo import UpdateOne  # the adapters' driver: this module's paging needs none elsewhere

    filled, writes = 0, []
    async for document in collection.find({key: {"$exists": False}}):
        try:
            fields = keys_of(document)
        except (KeyError, TypeError, ValueError):  # a stub without the order's fields: in no list
            continue
        writes.append(UpdateOne({"_id": document["_id"], key: {"$exists": False}}, {"$set": fields}))
        if len(writes) == 500:
            filled += (await collection.bulk_write(writes, ordered=False)).modified_count
            writes = []
    if writes:
        filled += (await collection.bulk_write(writes, ordered=False)).modified_count
    await migrations.update_one({"_id": done}, {"$set": {"filled": filled}}, upsert=True)
    return filled
