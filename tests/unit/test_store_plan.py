"""The local store's planner rules (tests/store_plan.py), the monitor's records and the scan check on them."""
from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime, timezone

import pytest
from bson.regex import Regex
from pymongo import ASCENDING, DESCENDING, IndexModel

from shared.observability import store_commands
from tests import store_scans
from tests.store_plan import Index, command_plans, plan

INDEXES = [Index(("branch", "registered_on")), Index(("status", "next_attempt_at")),
           Index(("identity_keys",)), Index(("name_keys",), partial=("deliberate",)), Index(("email",), sparse=True)]
NOW = datetime(2026, 12, 4, tzinfo=timezone.utc)


@pytest.mark.parametrize("query", [
    {"_id": "p-1"},
    {"_id": {"$in": ["p-1", "p-2"]}},
    {"_id": "p-1", "version": 3},
    {"branch": "brussels"},
    {"branch": {"$eq": "brussels"}, "status": {"$ne": "erased"}},
    {"status": "failed", "next_attempt_at": {"$lte": NOW}},
    {"status": {"$in": ["pending", "failed"]}},
    {"identity_keys": {"$in": ["k1", "k2"]}},
    {"branch": {"$gte": "a", "$lt": "b"}},
    {"role": {"$elemMatch": {"a": 1}}, "branch": "brussels"},  # an $elemMatch key is passed over
    {"unindexed": 3, "_id": "p-1"},  # an unindexed equality is passed over, _id then leads
    {"name_keys": "k", "deliberate": True},  # a partial index, its expression named
    {"email": "a@b.org"},
])
def test_a_filter_led_by_an_indexed_key_uses_the_index(query):
    assert not plan(query, INDEXES).scans, plan(query, INDEXES)


@pytest.mark.parametrize("query, why", [
    ({}, "empty"),
    (None, "empty"),
    ({"$or": [{"_id": "p-1"}, {"_id": "p-2"}]}, "$or"),
    ({"_id": "p-1", "$or": [{"a": 1}, {"b": 2}]}, "$or"),  # any top-level operator, even after _id
    ({"$and": [{"branch": "brussels"}]}, "$and"),
    ({"$nor": [{"branch": "brussels"}]}, "$nor"),
    ({"$expr": {"$gt": ["$a", "$b"]}}, "$expr"),
    ({"status": {"$ne": "sent"}, "_id": "p-1"}, "$ne"),  # reached first, before _id
    ({"claimed_until": {"$not": {"$gt": NOW}}, "_id": "x"}, "$not"),
    ({"role": {"$nin": ["mentor"]}, "branch": "b"}, "$nin"),
    ({"outbox": {"$size": 0}, "branch": "b"}, "$size"),
    ({"email": {"$exists": True}, "branch": "b"}, "$exists"),
    ({"branch": {"$regex": "^bru"}}, "$regex"),
    ({"branch": re.compile("^bru")}, "$regex"),
    ({"branch": Regex("^bru")}, "$regex"),
    ({"role": "mentee", "registered_on": {"$gte": NOW}}, "no top-level key"),  # second field of an index
    ({"name_keys": "k"}, "no top-level key"),  # a partial index whose expression the filter does not imply
    ({"email": None}, "no top-level key"),  # a sparse index cannot answer a null equality
])
def test_a_filter_the_store_answers_by_reading_every_document_scans(query, why):
    if isinstance(query, dict) and any(isinstance(v, (re.Pattern, Regex)) for v in query.values()):
        query = store_commands.shape(query)  # a pattern value, as the monitor records it
    result = plan(query, INDEXES)
    assert result.scans and why in result.why, result


def test_the_order_of_the_keys_decides():
    assert not plan({"_id": "p-1", "status": {"$ne": "sent"}}, INDEXES).scans
    assert plan({"status": {"$ne": "sent"}, "_id": "p-1"}, INDEXES).scans


def test_indexes_come_from_index_models_and_from_the_monitors_records():
    model = IndexModel([("branch", ASCENDING), ("identity_keys", DESCENDING)],
                       partialFilterExpression={"identity_keys": {"$exists": True}}, unique=True)
    assert Index.from_model(model) == Index(("branch", "identity_keys"), partial=("identity_keys",))
    recorded = store_commands.describe("createIndexes", {"createIndexes": "participants",
                                                         "indexes": [model.document]}, "duo_intake")
    assert [Index.from_record(spec) for spec in recorded["indexes"]] == [Index.from_model(model)]


def test_the_monitor_records_the_filters_shape_without_values():
    command = {"find": "participants", "filter": {"branch": "brussels", "email": "yasmine@example.org",
                                                  "identity_keys": {"$in": ["h1", "h2", 3]}},
               "sort": {"registered_on": -1}, "limit": 20}
    record = store_commands.describe("find", command, "duo_intake")
    assert record == {"command": "find", "db": "duo_intake", "collection": "participants",
                      "filter": {"branch": "str", "email": "str", "identity_keys": {"$in": ["str", "int"]}},
                      "sort": {"registered_on": -1}, "limit": 20}
    assert "yasmine" not in json.dumps(record) and "brussels" not in json.dumps(record)


@pytest.mark.parametrize("name, command, expected", [
    ("update", {"update": "c", "updates": [{"q": {"_id": "a"}, "u": {"$set": {"x": "secret"}}},
                                           {"q": {"_id": "b"}, "u": {}}]},
     {"filters": [{"_id": "str"}], "statements": 2}),
    ("delete", {"delete": "c", "deletes": [{"q": {"branch": "x"}, "limit": 0}]},
     {"filters": [{"branch": "str"}], "statements": 1}),
    ("findAndModify", {"findAndModify": "c", "query": {"_id": 1}, "sort": {"a": 1}, "update": {}},
     {"filter": {"_id": "int"}, "sort": {"a": 1}}),
    ("count", {"count": "c", "query": {"status": "x"}}, {"filter": {"status": "str"}}),
    ("distinct", {"distinct": "c", "key": "branch", "query": {}}, {"filter": {}}),
    ("aggregate", {"aggregate": "c", "pipeline": [{"$match": {"branch": "b"}}, {"$group": {"_id": 1}}]},
     {"filter": {"branch": "str"}, "pipeline": ["$match", "$group"]}),
    ("getMore", {"getMore": 12, "collection": "c"}, {}),
    ("insert", {"insert": "c", "documents": [{"email": "secret"}]}, {"documents": 1}),
])
def test_each_command_is_recorded_with_what_selects_its_documents(name, command, expected):
    record = store_commands.describe(name, command, "db")
    assert record == {"command": name, "db": "db", "collection": "c", **expected}
    assert "secret" not in json.dumps(record)


def test_commands_are_judged_by_their_filters():
    indexes = [Index(("status",))]
    assert command_plans({"command": "insert", "collection": "c"}, indexes) == []
    assert [p.scans for p in command_plans({"command": "update", "collection": "c",
                                            "filters": [{"_id": "str"}, {"x": "str"}]}, indexes)] == [False, True]
    group_first = {"command": "aggregate", "collection": "c", "pipeline": ["$group"]}
    assert command_plans(group_first, indexes)[0].scans
    led = {"command": "aggregate", "collection": "c", "pipeline": ["$match", "$count"], "filter": {"status": "str"}}
    assert not command_plans(led, indexes)[0].scans


def test_a_service_writes_one_line_per_command_and_nothing_for_test_code(tmp_path, monkeypatch):
    monkeypatch.delenv(store_commands.ENV, raising=False)
    assert store_commands.listeners("intake") == []  # off by default: no listener at all
    monkeypatch.setenv(store_commands.ENV, str(tmp_path))
    (listener,) = store_commands.listeners("intake")

    class Started:
        command_name, database_name = "find", "duo_intake"
        command = {"find": "participants", "filter": {"$or": [{"a": 1}]}}

    listener.started(Started())  # sent from here, test code: a probe, not the service's
    assert not list(tmp_path.iterdir())
    listener._write(store_commands.describe("find", Started.command, "duo_intake"))
    (written,) = tmp_path.glob("intake-*.jsonl")
    (record,) = store_scans.CommandLog(tmp_path).new_records()
    assert record["service"] == "intake" and record["filter"] == {"$or": [{"a": "int"}]}


def test_a_command_sent_by_service_code_names_its_sender_and_where_the_call_began(tmp_path, monkeypatch):
    monkeypatch.setenv(store_commands.ENV, str(tmp_path))
    (listener,) = store_commands.listeners("notify")

    class Started:
        command_name, database_name = "find", "duo_notify"
        command = {"find": "notifications", "filter": {"status": "pending"}}

    # Code as if in services/ (run by asyncio, as a consumer or a route is): the service's own command.
    source = "async def due(listener, event):\n    await store(listener, event)\n\n" \
             "async def store(listener, event):\n    listener.started(event)\n"
    namespace: dict = {}
    exec(compile(source, store_commands._REPO + "services/notify/adapters/store.py", "exec"), namespace)
    asyncio.run(namespace["due"](listener, Started()))
    (record,) = store_scans.CommandLog(tmp_path).new_records()
    assert record["sender"] == "services/notify/adapters/store.py:5 store"
    assert record["origin"] == "services/notify/adapters/store.py:2 due"
    assert record["filter"] == {"status": "str"} and "job" not in record

    # A periodic job: ServiceRuntime._repeat is where its calls begin, and its name is the job's.
    exec(compile("async def _repeat(name, seconds, job):\n    await job()\n",
                 store_commands._RUNTIME, "exec"), namespace)
    asyncio.run(namespace["_repeat"]("deliver-notifications", 2.0, lambda: namespace["due"](listener, Started())))
    (periodic,) = store_scans.CommandLog(tmp_path).new_records()[1:]
    assert periodic["origin"] == "shared/runtime.py:2 _repeat" and periodic["job"] == "deliver-notifications"


def test_the_check_names_collection_filter_and_sender_and_spares_what_is_allowed():
    records = [
        {"service": "notify", "command": "createIndexes", "db": "d", "collection": "notifications",
         "indexes": [{"key": [["status", 1], ["next_attempt_at", 1]]}]},
        {"service": "notify", "command": "find", "db": "d", "collection": "notifications",
         "filter": {"status": "str", "next_attempt_at": {"$lte": "datetime"}}, "sender": "services/notify/a.py:3 due"},
        {"service": "notify", "command": "find", "db": "d", "collection": "notifications",
         "filter": {"$or": [{"status": "str"}]}, "sender": "services/notify/a.py:9 due", "origin": "shared/r.py:1 x"},
        {"service": "notify", "command": "find", "db": "d", "collection": "notifications",
         "filter": {}, "sender": "shared/messaging/relay.py:150 measure_backlog"},
    ]
    allowed = (store_scans.Allowed("the scrape", sender="shared/messaging/relay.py measure_backlog"),)
    (found,) = store_scans.scans(records, store_scans.DeclaredIndexes(), allowed)
    text = store_scans.report([found])
    assert "notifications" in text and '{"$or": [{"status": "str"}]}' in text and "services/notify/a.py:9 due" in text
