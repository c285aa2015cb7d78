"""What intake's request paths send to the store, recorded with PyMongo's command monitoring: a registration
is the duplicate check (one `$in` on the keys index) and the insert; nothing else reads the store for it.
And the start-up job that gives records written before `held_keys` existed that field."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Iterator

import pytest
from pymongo import ASCENDING, AsyncMongoClient, IndexModel
from pymongo.monitoring import CommandListener

import shared.runtime
from services.intake.adapters.participants import ParticipantRepository
from services.intake.bootstrap import build_app
from services.intake.settings import IntakeSettings
from tests.e2e.people import TRAINING_MODULES, mentee, mentor
from tests.integration.services.producing import service_connected
from tests.suite import auth, in_process, isolated_env

TODAY = date.today().isoformat()
DATA_COMMANDS = {"find", "insert", "update", "delete", "findAndModify", "aggregate", "count", "getMore",
                 "distinct"}


class RequestCommands(CommandListener):
    """The store commands sent on behalf of the requests made inside `during()`: a context variable marks
    them (the tasks a request spawns inherit it); the relay's and the consumers' tasks, started before,
    do not carry it."""

    def __init__(self) -> None:
        self.recording: ContextVar[list | None] = ContextVar("recording", default=None)

    def started(self, event) -> None:
        sent = self.recording.get()
        if sent is not None and event.command_name in DATA_COMMANDS:
            command = event.command
            found = command.get("filter") or (command["updates"][0]["q"] if "updates" in command else {})
            sent.append((event.command_name, command[event.command_name], dict(found)))

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass

    @contextmanager
    def during(self) -> Iterator[list[tuple[str, str, dict]]]:
        sent: list[tuple[str, str, dict]] = []
        token = self.recording.set(sent)
        try:
            yield sent
        finally:
            self.recording.reset(token)


@pytest.fixture
async def monitored(kafka_bootstrap, mongo_url, fresh_db_name, monkeypatch):
    env = isolated_env(kafka_bootstrap, mongo_url)
    for name, value in {**env, "DUO_MONGO_DB": fresh_db_name}.items():
        monkeypatch.setenv(name, value)
    listener = RequestCommands()
    monkeypatch.setattr(shared.runtime, "AsyncMongoClient",
                        lambda *args, event_listeners=(), **kwargs: AsyncMongoClient(
                            *args, event_listeners=[*event_listeners, listener], **kwargs))
    app = build_app(IntakeSettings())
    async with in_process(app) as http:
        http.headers.update(auth("coordinator", ("brussels",)))
        await service_connected(app)
        http.commands = listener
        yield http


async def test_a_registration_sends_the_duplicate_check_and_the_insert_and_nothing_else(monitored):
    for path, body in (("mentees", mentee()), ("mentors", mentor())):
        with monitored.commands.during() as sent:
            r = await monitored.post(f"/branches/brussels/{path}", json=body)
        assert r.status_code == 201, r.text
        assert [(name, collection) for name, collection, _ in sent] == [
            ("find", "participants"), ("insert", "participants")], sent
        assert list(sent[0][2]) == ["held_keys"] and list(sent[0][2]["held_keys"]) == ["$in"]
        # The answer is the document written, as a read would have given it.
        assert (await monitored.get(f"/branches/brussels/participants/{r.json()['participant_id']}")).json() == r.json()


async def test_changes_send_the_read_the_conditional_write_and_no_read_back(monitored):
    mentor_id = (await monitored.post("/branches/brussels/mentors", json=mentor())).json()["participant_id"]
    url = f"/branches/brussels/participants/{mentor_id}"
    for send in (lambda: monitored.post(f"/branches/brussels/mentors/{mentor_id}/training-modules",
                                        json={"module": TRAINING_MODULES[0], "completed_on": TODAY}),
                 lambda: monitored.patch(url, json={"postcode": "1050"}),
                 lambda: monitored.put(url + "/consents/reminders", json={"granted": False}),
                 lambda: monitored.post(url + "/withdrawal", json={"withdrawn_on": TODAY})):
        with monitored.commands.during() as sent:
            r = await send()
        assert r.status_code == 200, r.text
        assert [(name, collection) for name, collection, _ in sent] == [
            ("find", "participants"), ("update", "participants")], sent
        assert list(sent[0][2])[0] == "_id" and list(sent[1][2])[0] == "_id"
        assert (await monitored.get(url)).json() == r.json()
    # A new name is checked against the keys of every record: one more command, the same `$in`.
    with monitored.commands.during() as sent:
        assert (await monitored.patch(url, json={"last_name": "Dubois-Lenoir"})).status_code == 200
    assert [name for name, _, _ in sent] == ["find", "find", "update"] and list(sent[1][2]) == ["held_keys"]


async def test_the_fairness_audit_reads_are_led_by_the_branch(monitored):
    await monitored.post("/branches/brussels/mentees", json=mentee())
    national = auth("national", ())
    for path, headers in (("/branches/brussels/figures/matching-fairness", {}),
                          ("/figures/matching-fairness", national)):
        with monitored.commands.during() as sent:
            assert (await monitored.get(path, headers=headers)).status_code == 200
        assert [(name, collection) for name, collection, _ in sent] == [
            ("find", "first_duos"), ("find", "participants")], sent
        assert all(list(found)[0] == "branch" for _, _, found in sent)


async def test_records_from_before_held_keys_get_them_once_and_are_found(mongo_url, fresh_db_name):
    client = AsyncMongoClient(mongo_url)
    try:
        db = client[fresh_db_name]
        old = db["participants"]
        await old.create_indexes([IndexModel([("identity_keys", ASCENDING)]),
                                  IndexModel([("duplicate_keys", ASCENDING)])])
        await old.insert_many([
            {"_id": "own", "branch": "brussels", "status": "registered", "identity_keys": ["e1", "n1"]},
            {"_id": "knowing", "branch": "liege", "status": "registered", "duplicate_keys": ["e1", "n1"]},
            {"_id": "erased", "branch": "brussels", "status": "erased"}])
        repository = ParticipantRepository(db)
        assert await repository.fill_held_keys() == 2
        assert {d["_id"]: d.get("held_keys") async for d in old.find({})} == {
            "own": ["e1", "n1"], "knowing": ["e1", "n1"], "erased": None}
        assert [d["_id"] for d in await repository.holding_keys(["n1"])] == ["knowing", "own"]
        assert not {"identity_keys_1", "duplicate_keys_1"} & set(await old.index_information())
        # Done once per database: a record written without the field now (it cannot be, by this code) stays so.
        await old.insert_one({"_id": "later", "branch": "brussels", "identity_keys": ["e2", "n2"]})
        assert await repository.fill_held_keys() == 0
        assert "held_keys" not in await old.find_one({"_id": "later"})
    finally:
        await client.drop_database(fresh_db_name)
        await client.close()
