"""Branches as data through intake's API, against the real broker and store: national staff open a
branch, change its rules from a date and close it; each change is one event on the branches topic."""
from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from shared.events import topics
from services.intake.adapters.branches import BranchRepository, initial_branches
from services.intake.bootstrap import build_app
from services.intake.branch_use_cases import Branches
from services.intake.settings import IntakeSettings
from tests.e2e.people import mentee, mentor, years_ago
from tests.integration.services.producing import service_connected
from tests.kafka_reader import envelopes, read_topics
from tests.suite import SettableDay, auth, eventually, in_process, isolated_env

TODAY = date.today()
NATIONAL = auth("national", ())
NAMUR = auth("coordinator", ("namur",))
NAMUR_RULES = {"country": "BE", "working_languages": ["fr"], "at_risk_after_days": 10,
               "matching_weights": {"distance": 30}}


@pytest.fixture
async def intake(kafka_bootstrap, mongo_url, fresh_db_name, monkeypatch):
    env = isolated_env(kafka_bootstrap, mongo_url)
    for name, value in {**env, "DUO_MONGO_DB": fresh_db_name}.items():
        monkeypatch.setenv(name, value)
    clock = SettableDay(TODAY)
    app = build_app(IntakeSettings(), today=clock)
    async with in_process(app) as http:
        await service_connected(app)
        http.prefix, http.clock = env["DUO_TOPIC_PREFIX"], clock
        http.branches = app.state.branches.repository.collection
        http.participants = app.state.intake.participants.collection
        yield http


async def branch_events(kafka_bootstrap, http, branch: str, count: int):
    records = await read_topics(kafka_bootstrap, [http.prefix + topics.BRANCHES],
                                until=lambda rs: sum(r.key == branch.encode() for r in rs) >= count)
    return [e for e in envelopes(records) if e.subject == branch]


async def test_national_staff_open_a_branch_and_its_coordinators_register_there_at_once(intake, kafka_bootstrap):
    r = await intake.post("/branches/namur/opening", json=NAMUR_RULES, headers=NATIONAL)
    assert r.status_code == 201, r.text
    opened = r.json()
    assert opened["status"] == "open" and opened["rules_in_force"]["version"] == 1
    rules = opened["rules_in_force"]["rules"]
    defaults = initial_branches().defaults
    assert rules["at_risk_after_days"] == 10 and rules["mentee_max_age"] == defaults["mentee_max_age"]
    assert rules["matching_weights"] == {**defaults["matching_weights"], "distance": 30}

    r = await intake.post("/branches/namur/mentees", json=mentee(postcode="5000"), headers=NAMUR)
    assert r.status_code == 201, r.text
    assert r.json()["rules_version"] == 1
    assert (await intake.get("/branches/namur/rules", headers=NAMUR)).json()["status"] == "open"

    [event] = await branch_events(kafka_bootstrap, intake, "namur", 1)
    assert event.type == "branch-opened" and event.branch == "namur"
    assert event.data == {"rules_version": 1, "effective_from": TODAY.isoformat(), "rules": rules}
    first = (await intake.get("/branches", params={"limit": 6}, headers=NATIONAL)).json()
    rest = (await intake.get(first["next"], headers=NATIONAL)).json()
    listed = [b["branch"] for b in first["items"] + rest["items"]]
    assert sorted(listed) == listed and set(listed) == set(initial_branches().branches) | {"namur"}
    assert rest["next"] is None


@pytest.mark.parametrize("body, field, rule", [
    ({**NAMUR_RULES, "mentee_min_age": 30, "mentee_max_age": 25}, "mentee_max_age", "rules.mentee_age_range"),
    ({**NAMUR_RULES, "working_languages": ["fr", "fr"]}, "working_languages", "rules.working_languages_repeated"),
    ({**NAMUR_RULES, "country": "DE"}, "country", "literal_error"),
    ({**NAMUR_RULES, "mentee_min_age": 5}, "mentee_min_age", "greater_than_equal"),
    ({**NAMUR_RULES, "matching_weights": {"distance": -1}}, "matching_weights.distance", "greater_than_equal"),
    ({"working_languages": ["fr"]}, "country", "missing"),
])
async def test_a_refused_opening_names_field_and_rule_and_writes_nothing(intake, body, field, rule):
    r = await intake.post("/branches/namur/opening", json=body, headers=NATIONAL)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", r.text
    errors = [(e["field"], e["rule"]) for e in r.json()["errors"]]
    assert any(f == field and rule in e for f, e in errors), errors
    assert await intake.branches.find_one({"_id": "namur"}) is None


async def test_only_national_staff_open_change_and_close_and_a_branch_opens_once(intake):
    brussels = auth("coordinator", ("brussels",))
    for path, body in (("opening", NAMUR_RULES), ("rules", {"effective_from": TODAY.isoformat(), "max_active_duos": 2}),
                       ("closure", None)):
        r = await intake.post(f"/branches/brussels/{path}", json=body, headers=brussels)
        assert r.status_code == 403 and r.json()["type"].endswith("/forbidden"), (path, r.text)
    assert (await intake.get("/branches", headers=brussels)).status_code == 403
    assert (await intake.get("/branches/brussels/rules", headers=brussels)).json()["rule_versions"][0]["version"] == 1
    r = await intake.post("/branches/brussels/opening", json=NAMUR_RULES, headers=NATIONAL)
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "branch.exists"
    r = await intake.post("/branches/atlantis/mentees", json=mentee(), headers=auth("coordinator", ("atlantis",)))
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "branch.unknown" and "brussels" in r.text


async def test_a_rules_change_applies_from_its_date_and_earlier_registrations_keep_their_rules(
        intake, kafka_bootstrap):
    assert (await intake.post("/branches/namur/opening", json=NAMUR_RULES, headers=NATIONAL)).status_code == 201
    changes_on = TODAY + timedelta(days=10)
    r = await intake.post("/branches/namur/rules", headers=NATIONAL, json={
        "effective_from": changes_on.isoformat(), "mentee_max_age": 25, "training_modules": ["active-listening"]})
    assert r.status_code == 200, r.text
    assert r.json()["rules_in_force"]["version"] == 1 and [v["version"] for v in r.json()["rule_versions"]] == [1, 2]

    aged_28 = mentee(postcode="5000", birth_date=years_ago(28))
    before = await intake.post("/branches/namur/mentees", json=aged_28, headers=NAMUR)
    assert before.status_code == 201 and before.json()["rules_version"] == 1
    mentor_before = (await intake.post("/branches/namur/mentors", json=mentor(postcode="5000"),
                                       headers=NAMUR)).json()

    intake.clock.day = changes_on
    later = await intake.post("/branches/namur/mentees", json=mentee(postcode="5000", birth_date=years_ago(28)),
                              headers=NAMUR)
    assert later.status_code == 422 and later.json()["errors"][0]["rule"] == "mentee.age_range", later.text
    younger = await intake.post("/branches/namur/mentees", json=mentee(postcode="5000", birth_date=years_ago(22)),
                                headers=NAMUR)
    assert younger.status_code == 201 and younger.json()["rules_version"] == 2
    # The mentor registered under version 1 still follows its eight modules; one module is not enough.
    r = await intake.post(f"/branches/namur/mentors/{mentor_before['participant_id']}/training-modules",
                          json={"module": "active-listening", "completed_on": changes_on.isoformat()}, headers=NAMUR)
    assert r.status_code == 200 and r.json()["trained"] is False
    assert (await intake.get(f"/branches/namur/participants/{before.json()['participant_id']}",
                             headers=NAMUR)).json()["rules_version"] == 1

    r = await intake.post("/branches/namur/rules", headers=NATIONAL,
                          json={"effective_from": (changes_on - timedelta(days=1)).isoformat(), "max_active_duos": 2})
    assert r.status_code == 422 and r.json()["errors"][0] == {
        "field": "effective_from", "rule": "rules.effective_from_past", "message": r.json()["errors"][0]["message"]}
    events = await branch_events(kafka_bootstrap, intake, "namur", 2)
    assert [(e.type, e.data["rules_version"]) for e in events] == [("branch-opened", 1), ("branch-rules-changed", 2)]
    assert events[1].data["effective_from"] == changes_on.isoformat()
    assert events[1].data["rules"]["mentee_max_age"] == 25 and events[1].data["rules"]["at_risk_after_days"] == 10


async def test_a_closed_branch_refuses_registrations_and_keeps_its_people(intake, kafka_bootstrap):
    brussels = auth("coordinator", ("brussels",))
    kept = (await intake.post("/branches/brussels/mentees", json=mentee(), headers=brussels)).json()
    r = await intake.post("/branches/brussels/closure", headers=NATIONAL)
    assert r.status_code == 200 and r.json()["status"] == "closed" and r.json()["closed_on"] == TODAY.isoformat()
    before = await intake.participants.count_documents({})
    r = await intake.post("/branches/brussels/mentors", json=mentor(), headers=brussels)
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "branch.closed", r.text
    assert await intake.participants.count_documents({}) == before
    assert (await intake.get(f"/branches/brussels/participants/{kept['participant_id']}",
                             headers=brussels)).status_code == 200
    assert (await intake.post("/branches/brussels/closure", headers=NATIONAL)).status_code == 422
    events = await branch_events(kafka_bootstrap, intake, "brussels", 2)
    assert [e.type for e in events] == ["branch-opened", "branch-closed"]


async def test_initial_branches_are_opened_once_when_several_processes_start_at_once(intake, mongo_url,
                                                                                     fresh_db_name):
    from pymongo import AsyncMongoClient

    client = AsyncMongoClient(mongo_url)
    try:
        db = client[f"{fresh_db_name}_race"]
        racers = [Branches(BranchRepository(db), lambda: TODAY) for _ in range(4)]
        opened = await asyncio.gather(*(racer.open_initial() for racer in racers))
        names = sorted(name for each in opened for name in each)
        assert names == sorted(initial_branches().branches), "each branch opened by exactly one process"
        documents = await db["branches"].find({}).to_list()
        assert sorted(len(d["outbox"]) for d in documents) == [1] * len(names)  # one branch-opened each
        assert await racers[0].open_initial() == []  # a restart opens nothing
    finally:
        await client.drop_database(f"{fresh_db_name}_race")
        await client.close()


async def test_a_second_process_judges_by_the_rules_another_process_changed(intake):
    """Two intake processes on one database: each keeps the rules in memory, the second learns the first's
    changes from the branch events (or reads a branch it has not heard of)."""
    second = build_app(IntakeSettings(), today=intake.clock)  # the same database and topics (fixture's env)
    async with in_process(second) as other:
        await service_connected(second)
        assert (await intake.post("/branches/namur/opening", json=NAMUR_RULES, headers=NATIONAL)).status_code == 201
        r = await other.post("/branches/namur/mentees", json=mentee(postcode="5000"), headers=NAMUR)
        assert r.status_code == 201 and r.json()["rules_version"] == 1, r.text  # opened elsewhere: read at once
        r = await intake.post("/branches/namur/rules", headers=NATIONAL,
                              json={"effective_from": TODAY.isoformat(), "mentee_max_age": 25})
        assert r.status_code == 200, r.text

        async def judged_by_the_new_rules():
            r = await other.post("/branches/namur/mentees", json=mentee(postcode="5000", birth_date=years_ago(22)),
                                 headers=NAMUR)
            assert r.status_code == 201, r.text
            return r.json()["rules_version"] == 2
        await eventually(judged_by_the_new_rules, what="the second process judging by version 2")
        assert (await intake.post("/branches/namur/closure", headers=NATIONAL)).status_code == 200

        async def closed_there_too():
            r = await other.post("/branches/namur/mentors", json=mentor(postcode="5000"), headers=NAMUR)
            return r.status_code == 422 and r.json()["errors"][0]["rule"] == "branch.closed"
        await eventually(closed_there_too, what="the second process refusing the closed branch")
