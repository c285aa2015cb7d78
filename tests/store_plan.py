"""The local store's planner rules (SecantusDB 0.7.0b3, docs/development.md) as code: does a filter use an index?

- a filter with any top-level operator key (`$or`, `$and`, `$nor`, `$expr`, ...) scans;
- otherwise the filter's top-level keys are tried in the order they were sent: the first key
  that leads an index (or is `_id`) with an equality, a range (`$gt`/`$gte`/`$lt`/`$lte`),
  `$in` or `$eq` is used;
- reaching a key with `$ne`, `$not`, `$nin`, `$size`, `$exists` or `$regex` (or a pattern as
  its value) before such a key scans, and so does an empty filter or one where no key leads an index.
A partial index counts only when the filter names every field of its partial filter expression
(the store skips it unless the query implies that expression); a sparse one not for a null equality.

Works on real filters and on the shapes the command monitor writes (values replaced by type names).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from pymongo import IndexModel

INDEX_OPERATORS = frozenset({"$eq", "$in", "$gt", "$gte", "$lt", "$lte"})
SCANNING_OPERATORS = frozenset({"$ne", "$not", "$nin", "$size", "$exists", "$regex"})
_NULL = (None, "NoneType")


@dataclass(frozen=True)
class Index:
    keys: tuple[str, ...]
    partial: tuple[str, ...] = ()  # top-level fields of its partialFilterExpression
    sparse: bool = False

    @classmethod
    def from_spec(cls, key: Iterable, partial: Mapping[str, Any] | None = None, sparse: bool = False) -> "Index":
        """`key` as a mapping or as [field, direction] pairs (what the monitor records)."""
        fields = tuple(key) if isinstance(key, Mapping) else tuple(field for field, _ in key)
        return cls(fields, tuple(partial or ()), bool(sparse))

    @classmethod
    def from_model(cls, model: IndexModel) -> "Index":
        document = model.document
        return cls.from_spec(document["key"], document.get("partialFilterExpression"), document.get("sparse", False))

    @classmethod
    def from_record(cls, spec: Mapping[str, Any]) -> "Index":
        return cls.from_spec(spec["key"], spec.get("partial"), spec.get("sparse", False))


@dataclass(frozen=True)
class Plan:
    scans: bool
    why: str


def plan(query: Mapping[str, Any] | None, indexes: Iterable[Index]) -> Plan:
    """How the store finds the documents matching `query` in a collection with `indexes`."""
    if not query:
        return Plan(True, "empty filter: every document")
    operators = [key for key in query if key.startswith("$")]
    if operators:
        return Plan(True, f"top-level {operators[0]}")
    indexes = list(indexes)
    for field, condition in query.items():
        used = _operators(condition)
        blocking = used & SCANNING_OPERATORS
        if blocking:
            return Plan(True, f"{sorted(blocking)[0]} on {field!r} reached before any indexed key")
        if not used <= INDEX_OPERATORS:
            continue  # e.g. $elemMatch, $all, $type: this key cannot use an index; the next may
        if field == "_id":
            return Plan(False, "_id")
        for index in indexes:
            if index.keys and index.keys[0] == field and _usable(index, query, condition):
                return Plan(False, f"index on {', '.join(index.keys)}")
    return Plan(True, f"no top-level key leads an index ({', '.join(query)})")


def _operators(condition: Any) -> set[str]:
    if isinstance(condition, Mapping) and any(str(key).startswith("$") for key in condition):
        return {str(key) for key in condition}
    return {"$eq"}  # a bare value or a whole sub-document: an equality


def _usable(index: Index, query: Mapping[str, Any], condition: Any) -> bool:
    if index.partial and not set(index.partial) <= set(query):
        return False
    if index.sparse and (condition in _NULL if not isinstance(condition, Mapping)
                         else condition.get("$eq", 0) in _NULL):
        return False
    return True


def filters_of(record: Mapping[str, Any]) -> list[Mapping[str, Any]] | None:
    """The filters a recorded command selects documents with, or None when it selects none."""
    command = record["command"]
    if command in ("find", "count", "distinct", "findAndModify"):
        return [record.get("filter") or {}]
    if command in ("update", "delete"):
        return list(record.get("filters") or [{}])
    if command == "aggregate":
        if "collection" not in record:
            return None  # a database-level aggregate ($currentOp, ...)
        pipeline = record.get("pipeline") or []
        # Only a leading $match selects through an index; any other first stage reads every document.
        return [record.get("filter") or {}] if pipeline[:1] == ["$match"] else [{}]
    return None


def command_plans(record: Mapping[str, Any], indexes: Iterable[Index]) -> list[Plan]:
    indexes = list(indexes)
    return [plan(query, indexes) for query in filters_of(record) or []]
