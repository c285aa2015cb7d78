"""Matching in-process against the real broker and store, fed intake's and followup's events over Kafka.

The pool of the tests (Brussels, all in BE-10):
- MENTEE_A targets logistics and speaks French; MENTEE_B targets IT and speaks Dutch.
- LOGISTICS (15 years, French, A's slots) fits A well (91.3 points); JUNIOR (5 years) less well (73.8);
  IT (20 years, Dutch, B's slots) fits B perfectly (100); UNTRAINED (30 years) would fit A best (100).
- Across the two halves nothing is shared but the area: 25 points, under the minimum of 35.
So the best round of trained mentors is A-LOGISTICS and B-IT.
"""
from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import pytest

from shared.events import Envelope, new_envelope, topics
from shared.events.branches import BranchRulesChanged
from shared.events.common import LanguageSkill, SectorExperience
from shared.events.followup import DuoEnded
from shared.events.intake import (MenteeRegistered, MentorRegistered, MentorTrained, ParticipantProfileChanged,
                                  ParticipantWithdrawn)
from services.intake.adapters.branches import initial_branches
from services.matching.bootstrap import build_app
from services.matching.settings import MatchingSettings
from tests.integration.services.producing import Feed, branch_opened, service_connected
from tests.kafka_reader import envelopes, read_topics
from tests.suite import auth, in_process, isolated_env

BRANCH = "brussels"
TODAY = date(2025, 3, 3)
BRUSSELS = auth("coordinator", (BRANCH,))


@pytest.fixture
async def matching(kafka_bootstrap, mongo_url, fresh_db_name, monkeypatch):
    env = isolated_env(kafka_bootstrap, mongo_url)
    for name, value in {**env, "DUO_MONGO_DB": fresh_db_name}.items():
        monkeypatch.setenv(name, value)
    app = build_app(MatchingSettings(), today=lambda: TODAY)
    async with in_process(app) as http, Feed(kafka_bootstrap, env["DUO_TOPIC_PREFIX"]) as feed:
        http.headers.update(BRUSSELS)
        await service_connected(app)
        http.feed = feed
        http.ids = {name: f"{name}-{uuid.uuid4().hex[:8]}" for name in (
            "mentee_a", "mentee_b", "logistics", "junior", "it", "untrained")}
        yield http


# -- events as intake and followup publish them ---------------------------------------------------------

def _envelope(payload, subject: str) -> Envelope:
    return new_envelope(payload, branch=BRANCH, subject=subject, correlation_id=f"test-{uuid.uuid4().hex[:8]}")


def mentee_registered(mentee_id: str, *, sector: str, language: str, slots: list[str]) -> Envelope:
    return _envelope(MenteeRegistered(
        mentee_id=mentee_id, registered_on=TODAY - timedelta(days=10), age_band="18-24",
        languages=[LanguageSkill(code=language, level="B2")], sectors=[sector], education_level="secondary",
        postcode_area="BE-10", availability=slots), mentee_id)


def mentor_registered(mentor_id: str, *, sector: str, years: int, language: str, slots: list[str]) -> Envelope:
    return _envelope(MentorRegistered(
        mentor_id=mentor_id, registered_on=TODAY - timedelta(days=40), age_band="60-64",
        languages=[LanguageSkill(code=language, level="native")],
        experience=[SectorExperience(sector=sector, years=years)], postcode_area="BE-10", availability=slots,
        max_active_duos=1), mentor_id)


def mentor_trained(mentor_id: str) -> Envelope:
    return _envelope(MentorTrained(mentor_id=mentor_id, completed_on=TODAY - timedelta(days=5), modules=8), mentor_id)


FRENCH_SLOTS = ["mon-eve", "wed-pm"]
DUTCH_SLOTS = ["tue-am", "thu-am"]


async def feed_pool(http, *, untrained: bool = True) -> dict[str, Envelope]:
    """Register the pool above and train all but UNTRAINED; wait until matching applied it all."""
    ids = http.ids
    sent = {
        "mentee_a": mentee_registered(ids["mentee_a"], sector="logistics", language="fr", slots=FRENCH_SLOTS),
        "mentee_b": mentee_registered(ids["mentee_b"], sector="it", language="nl", slots=DUTCH_SLOTS),
        "logistics": mentor_registered(ids["logistics"], sector="logistics", years=15, language="fr",
                                       slots=FRENCH_SLOTS),
        "junior": mentor_registered(ids["junior"], sector="logistics", years=5, language="fr", slots=FRENCH_SLOTS),
        "it": mentor_registered(ids["it"], sector="it", years=20, language="nl", slots=DUTCH_SLOTS),
    }
    if untrained:
        sent["untrained"] = mentor_registered(ids["untrained"], sector="logistics", years=30, language="fr",
                                              slots=FRENCH_SLOTS)
    await http.feed.send(*sent.values())
    await http.feed.send(*(mentor_trained(ids[name]) for name in ("logistics", "junior", "it")))
    await http.feed.settled("matching")
    return sent


async def run_round(http) -> list[dict]:
    r = await http.post(f"/branches/{BRANCH}/proposal-rounds")
    assert r.status_code == 201, r.text
    return r.json()["proposals"]


def pairs(proposals: list[dict]) -> set[tuple[str, str]]:
    return {(p["mentee_id"], p["mentor_id"]) for p in proposals}


async def duo_events(http, kafka_bootstrap, until) -> list[Envelope]:
    records = await read_topics(kafka_bootstrap, [http.feed.prefix + topics.DUOS],
                                until=lambda rs: until(envelopes(rs)))
    return envelopes(records)


def of_type(events: list[Envelope], kind: str) -> list[Envelope]:
    return [e for e in events if e.type == kind]


# -- the pool and the round --------------------------------------------------------------------------------

async def test_intake_events_build_the_pool_and_a_round_proposes_the_best_trained_pairs(matching, kafka_bootstrap):
    await feed_pool(matching)
    ids = matching.ids

    pool = {p["participant_id"]: p for p in (await matching.get(f"/branches/{BRANCH}/pool")).json()["items"]}
    assert set(pool) == set(ids.values())
    assert {pool[ids[m]]["status"] for m in ("mentee_a", "mentee_b")} == {"waiting"}
    assert {name: pool[ids[name]]["trained"] for name in ("logistics", "junior", "it", "untrained")} == {
        "logistics": True, "junior": True, "it": True, "untrained": False}
    # Filters: mentees waiting since 10 days ago or earlier (every mentor registered 40 days ago)
    since = (TODAY - timedelta(days=10)).isoformat()
    waiting = (await matching.get(f"/branches/{BRANCH}/pool", params={"status": "waiting", "waiting_since": since}))
    assert {p["participant_id"] for p in waiting.json()["items"]} == {ids["mentee_a"], ids["mentee_b"]}
    earlier = {"role": "mentee", "waiting_since": (TODAY - timedelta(days=11)).isoformat()}
    assert (await matching.get(f"/branches/{BRANCH}/pool", params=earlier)).json()["items"] == []
    trained = (await matching.get(f"/branches/{BRANCH}/pool", params={"trained": "false"})).json()["items"]
    assert [p["participant_id"] for p in trained] == [ids["untrained"]]

    proposals = await run_round(matching)
    assert pairs(proposals) == {(ids["mentee_a"], ids["logistics"]), (ids["mentee_b"], ids["it"])}
    assert all(ids["untrained"] not in (p["mentee_id"], p["mentor_id"]) for p in proposals)
    assert {p["mentee_id"]: p["score"] for p in proposals} == {ids["mentee_a"]: 91.3, ids["mentee_b"]: 100.0}
    for p in proposals:
        assert p["status"] == "proposed"
        assert set(p["breakdown"]) == {"sector", "language", "distance", "availability", "preferences"}
        assert sum(p["breakdown"].values()) == pytest.approx(p["score"], abs=0.1)
        assert len(p["reasons"]) == 5 and all(isinstance(r, str) and r for r in p["reasons"])
    by_mentee = {p["mentee_id"]: p for p in proposals}
    assert any("logistics" in r for r in by_mentee[ids["mentee_a"]]["reasons"])
    assert any("French" in r for r in by_mentee[ids["mentee_a"]]["reasons"])

    # The proposals are on Kafka as duo-proposed, keyed by duo id, with score, breakdown and reasons.
    events = await duo_events(matching, kafka_bootstrap, lambda es: len(of_type(es, "duo-proposed")) >= 2)
    proposed = {e.subject: e for e in of_type(events, "duo-proposed")}
    assert set(proposed) == {p["duo_id"] for p in proposals}
    for p in proposals:
        data = proposed[p["duo_id"]].data
        assert (data["mentee_id"], data["mentor_id"]) == (p["mentee_id"], p["mentor_id"])
        assert data["score"] == p["score"] and data["breakdown"] == p["breakdown"] and data["reasons"] == p["reasons"]
        assert proposed[p["duo_id"]].branch == BRANCH
    # The round as a whole tells the coordinators there is something to review.
    events = await duo_events(matching, kafka_bootstrap, lambda es: bool(of_type(es, "proposal-round-completed")))
    [completed] = of_type(events, "proposal-round-completed")
    assert completed.data["proposals"] == 2 and set(completed.data["duo_ids"]) == set(proposed)
    assert completed.subject == completed.data["round_id"] and completed.branch == BRANCH

    # Nobody left to propose: a second round proposes nothing, the untrained mentor included.
    assert await run_round(matching) == []


async def test_an_untrained_mentor_is_never_proposed_even_when_alone(matching):
    ids = matching.ids
    await matching.feed.send(
        mentee_registered(ids["mentee_a"], sector="logistics", language="fr", slots=FRENCH_SLOTS),
        mentor_registered(ids["untrained"], sector="logistics", years=30, language="fr", slots=FRENCH_SLOTS))
    await matching.feed.settled("matching")
    assert await run_round(matching) == []
    r = await matching.post(f"/branches/{BRANCH}/mentees/{ids['mentee_a']}/placement")
    assert r.status_code == 204, r.text

    # Once trained, the same mentor is proposed: the test above was about training, not fit.
    await matching.feed.send(mentor_trained(ids["untrained"]))
    await matching.feed.settled("matching")
    assert pairs(await run_round(matching)) == {(ids["mentee_a"], ids["untrained"])}


async def test_a_redelivered_registration_leaves_one_pool_entry_and_one_proposal(matching):
    sent = await feed_pool(matching, untrained=False)
    ids = matching.ids
    await matching.feed.send(sent["mentee_a"], sent["mentee_a"], sent["logistics"])  # at-least-once delivery
    await matching.feed.settled("matching")

    mentees = (await matching.get(f"/branches/{BRANCH}/pool", params={"role": "mentee"})).json()["items"]
    assert sorted(p["participant_id"] for p in mentees) == sorted([ids["mentee_a"], ids["mentee_b"]])
    mentors = (await matching.get(f"/branches/{BRANCH}/pool", params={"role": "mentor"})).json()["items"]
    assert next(p for p in mentors if p["participant_id"] == ids["logistics"])["trained"] is True, \
        "a redelivered registration undid the training"

    proposals = await run_round(matching)
    assert [p["mentee_id"] for p in proposals].count(ids["mentee_a"]) == 1
    listed = (await matching.get(f"/branches/{BRANCH}/proposals")).json()["items"]
    assert [p["mentee_id"] for p in listed].count(ids["mentee_a"]) == 1


# -- who waits and why ------------------------------------------------------------------------------------

async def test_the_matching_report_says_who_waits_since_when_and_why(matching):
    await feed_pool(matching)
    ids = matching.ids
    # Mentee C speaks only Tigrinya at B1 or above: no trained mentor does.
    mentee_c = f"mentee_c-{uuid.uuid4().hex[:8]}"
    await matching.feed.send(mentee_registered(mentee_c, sector="cleaning", language="ti", slots=["sat-am"]))
    await matching.feed.settled("matching")
    url = f"/branches/{BRANCH}/matching-report"

    report = (await matching.get(url)).json()
    waiting = {line["mentee_id"]: line for line in report["waiting"]}
    assert set(waiting) == {ids["mentee_a"], ids["mentee_b"], mentee_c}
    assert report["on"] == TODAY.isoformat() and report["minimum_score"] == 35.0
    for line in waiting.values():
        assert line["waiting_since"] == (TODAY - timedelta(days=10)).isoformat() and line["days_waiting"] == 10
    assert waiting[ids["mentee_a"]]["reason_code"] == "ready_for_round"
    assert ids["logistics"] in waiting[ids["mentee_a"]]["reason"]
    assert waiting[mentee_c]["reason_code"] == "no_shared_language"
    assert "Tigrinya" in waiting[mentee_c]["reason"] and waiting[mentee_c]["suitable_mentors"] == 0
    assert report["by_reason"] == {"ready_for_round": 2, "no_shared_language": 1} and report["next"] is None
    # One reason at a time, a page at a time: the counts stay the branch's
    ready = (await matching.get(url, params={"reason": "ready_for_round", "limit": 1})).json()
    assert len(ready["waiting"]) == 1 and ready["by_reason"] == report["by_reason"]
    rest = (await matching.get(ready["next"])).json()
    assert {ready["waiting"][0]["mentee_id"], rest["waiting"][0]["mentee_id"]} == {ids["mentee_a"], ids["mentee_b"]}
    assert rest["next"] is None

    # Once proposed, A and B no longer wait; after A's proposal is declined, A waits again, for
    # the second-best mentor, while the best one stays out of A's count.
    proposals = {p["mentee_id"]: p for p in await run_round(matching)}
    report = (await matching.get(url)).json()
    assert [line["mentee_id"] for line in report["waiting"]] == [mentee_c]
    r = await matching.post(f"/branches/{BRANCH}/proposals/{proposals[ids['mentee_a']]['duo_id']}/decline")
    assert r.status_code == 200, r.text
    waiting = {line["mentee_id"]: line for line in (await matching.get(url)).json()["waiting"]}
    assert waiting[ids["mentee_a"]]["reason_code"] == "ready_for_round"
    assert ids["junior"] in waiting[ids["mentee_a"]]["reason"] and waiting[ids["mentee_a"]]["suitable_mentors"] == 1

    # Branch scope, as everywhere.
    assert (await matching.get(url, headers=auth("coordinator", ("antwerp",)))).status_code == 403


# -- deciding on proposals ---------------------------------------------------------------------------------

async def test_a_declined_pair_is_announced_and_never_proposed_again(matching, kafka_bootstrap):
    await feed_pool(matching)
    ids = matching.ids
    first = {p["mentee_id"]: p for p in await run_round(matching)}[ids["mentee_a"]]
    assert first["mentor_id"] == ids["logistics"]

    r = await matching.post(f"/branches/{BRANCH}/proposals/{first['duo_id']}/decline")
    assert r.status_code == 200 and r.json()["status"] == "declined", r.text
    events = await duo_events(matching, kafka_bootstrap, lambda es: bool(of_type(es, "proposal-declined")))
    [declined] = of_type(events, "proposal-declined")
    assert declined.subject == first["duo_id"]
    assert (declined.data["mentee_id"], declined.data["mentor_id"]) == (ids["mentee_a"], ids["logistics"])

    # The best mentor is free again, yet the next round gives mentee A the second best.
    second = await run_round(matching)
    assert pairs(second) == {(ids["mentee_a"], ids["junior"])}
    r = await matching.post(f"/branches/{BRANCH}/proposals/{second[0]['duo_id']}/decline")
    assert r.status_code == 200, r.text
    assert await run_round(matching) == [], "a declined pair was proposed again"


async def test_accepting_forms_the_duo_once(matching, kafka_bootstrap):
    await feed_pool(matching)
    ids = matching.ids
    proposal = {p["mentee_id"]: p for p in await run_round(matching)}[ids["mentee_a"]]
    url = f"/branches/{BRANCH}/proposals/{proposal['duo_id']}/acceptance"

    r = await matching.post(url, json={"started_on": TODAY.isoformat()})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "formed" and r.json()["started_on"] == TODAY.isoformat()

    events = await duo_events(matching, kafka_bootstrap, lambda es: bool(of_type(es, "duo-formed")))
    [formed] = of_type(events, "duo-formed")
    assert formed.subject == proposal["duo_id"]
    assert formed.data == {"duo_id": proposal["duo_id"], "mentee_id": ids["mentee_a"],
                           "mentor_id": ids["logistics"], "started_on": TODAY.isoformat(),
                           "score": proposal["score"]}

    r = await matching.post(url, json={"started_on": TODAY.isoformat()})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert [e["rule"] for e in r.json()["errors"]] == ["proposal.not_open"]
    assert (await matching.get(f"/branches/{BRANCH}/proposals/{proposal['duo_id']}")).json()["status"] == "formed"
    # Declining a formed duo is refused the same way.
    r = await matching.post(f"/branches/{BRANCH}/proposals/{proposal['duo_id']}/decline")
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "proposal.not_open"
    # Only one duo-formed went out: the refused requests published nothing (bounded by a later event).
    other = {p["mentee_id"]: p for p in (await matching.get(f"/branches/{BRANCH}/proposals")).json()["items"]}[ids["mentee_b"]]
    assert (await matching.post(f"/branches/{BRANCH}/proposals/{other['duo_id']}/decline")).status_code == 200
    events = await duo_events(matching, kafka_bootstrap, lambda es: bool(of_type(es, "proposal-declined")))
    assert len(of_type(events, "duo-formed")) == 1 and len(of_type(events, "proposal-declined")) == 1


# -- people leaving and coming back ----------------------------------------------------------------------

async def test_a_withdrawn_mentee_is_left_out_of_the_next_round(matching):
    await feed_pool(matching)
    ids = matching.ids
    await matching.feed.send(_envelope(ParticipantWithdrawn(participant_id=ids["mentee_a"], role="mentee",
                                                            withdrawn_on=TODAY), ids["mentee_a"]))
    await matching.feed.settled("matching")

    pool = {p["participant_id"]: p for p in (await matching.get(f"/branches/{BRANCH}/pool")).json()["items"]}
    assert pool[ids["mentee_a"]]["status"] == "withdrawn"
    assert pairs(await run_round(matching)) == {(ids["mentee_b"], ids["it"])}


async def test_a_mentee_whose_duo_ended_returns_to_the_next_round_when_the_end_says_so(matching):
    await feed_pool(matching)
    ids = matching.ids
    duos = {}
    for p in await run_round(matching):
        r = await matching.post(f"/branches/{BRANCH}/proposals/{p['duo_id']}/acceptance", json={})
        assert r.status_code == 200, r.text
        duos[p["mentee_id"]] = p
    assert await run_round(matching) == [], "mentees in a duo were proposed again"

    def ended(mentee: str, returns: bool) -> Envelope:
        duo = duos[ids[mentee]]
        return new_envelope(DuoEnded(duo_id=duo["duo_id"], mentee_id=duo["mentee_id"], mentor_id=duo["mentor_id"],
                                     ended_on=TODAY + timedelta(days=20), completed=False, reason="mismatch",
                                     mentee_returns_to_pool=returns),
                            branch=BRANCH, subject=duo["duo_id"], correlation_id="followup-test")

    await matching.feed.send(ended("mentee_a", True), ended("mentee_b", False))
    await matching.feed.settled("matching")
    listed = {p["duo_id"]: p["status"] for p in (await matching.get(f"/branches/{BRANCH}/proposals")).json()["items"]}
    assert {listed[d["duo_id"]] for d in duos.values()} == {"ended"}

    # A waits again and gets the best mentor, free again; B's path ended with the duo.
    assert pairs(await run_round(matching)) == {(ids["mentee_a"], ids["logistics"])}


# -- bad requests ---------------------------------------------------------------------------------------------

async def test_unknown_proposal_and_bad_body_get_problem_details(matching):
    await feed_pool(matching)
    for r in (await matching.get(f"/branches/{BRANCH}/proposals/no-such-duo"),
              await matching.post(f"/branches/{BRANCH}/proposals/no-such-duo/acceptance", json={}),
              await matching.post(f"/branches/{BRANCH}/proposals/no-such-duo/decline")):
        assert r.status_code == 404, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["type"].endswith("/not-found") and r.json()["status"] == 404

    proposal = (await run_round(matching))[0]
    url = f"/branches/{BRANCH}/proposals/{proposal['duo_id']}/acceptance"
    r = await matching.post(url, json={"started_onn": TODAY.isoformat()})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert "started_onn" in [e["field"] for e in r.json()["errors"]]
    r = await matching.post(url, json={"started_on": "not-a-date"})
    assert r.status_code == 422 and "started_on" in [e["field"] for e in r.json()["errors"]]
    # A start before the proposal existed breaks a rule, named with its field.
    r = await matching.post(url, json={"started_on": (TODAY - timedelta(days=1)).isoformat()})
    assert r.status_code == 422 and r.json()["errors"] == [
        {"field": "started_on", "rule": "proposal.start_date", "message": r.json()["errors"][0]["message"]}]
    # None of it changed the proposal.
    assert (await matching.get(f"/branches/{BRANCH}/proposals/{proposal['duo_id']}")).json()["status"] == "proposed"


async def test_concurrent_rounds_for_one_branch_never_propose_a_mentee_twice(matching):
    await feed_pool(matching)
    ids = matching.ids
    responses = await asyncio.gather(*(matching.post(f"/branches/{BRANCH}/proposal-rounds") for _ in range(2)))
    codes = sorted(r.status_code for r in responses)
    assert codes in ([201, 201], [201, 409]), [r.text for r in responses]
    for r in responses:
        if r.status_code == 409:
            assert r.headers["content-type"] == "application/problem+json" and r.json()["type"].endswith("/conflict")
    proposed = [p["mentee_id"] for r in responses if r.status_code == 201 for p in r.json()["proposals"]]
    assert sorted(proposed) == sorted([ids["mentee_a"], ids["mentee_b"]])
    stored = [p["mentee_id"] for p in (await matching.get(f"/branches/{BRANCH}/proposals",
                                                          params={"status": "proposed"})).json()["items"]]
    assert sorted(stored) == sorted(proposed)


async def test_another_branch_cannot_run_or_read_brussels_matching(matching):
    antwerp = auth("coordinator", ("antwerp",))
    r = await matching.post(f"/branches/{BRANCH}/proposal-rounds", headers=antwerp)
    assert r.status_code == 403 and r.json()["type"].endswith("/forbidden")
    assert (await matching.get(f"/branches/{BRANCH}/pool", headers={"Authorization": "Bearer nope"})).status_code == 401
    assert (await matching.get(f"/branches/{BRANCH}/proposals")).json()["items"] == []


# -- the branch's rules, learned from the branch events ------------------------------------------------------

async def test_a_round_scores_with_the_branch_rules_in_force_learned_from_the_branch_events(matching):
    sector_only = {"sector": 100, "language": 0, "distance": 0, "availability": 0, "preferences": 0}
    later = new_envelope(BranchRulesChanged(rules_version=2, effective_from=TODAY + timedelta(days=1),
                                            rules={**initial_branches().branches[BRANCH], "max_active_duos": 2}),
                         branch=BRANCH, subject=BRANCH)
    opened = branch_opened(BRANCH, matching_weights=sector_only)
    await matching.feed.send(opened, later, opened)  # a redelivery adds no version
    await feed_pool(matching)
    ids = matching.ids

    proposals = {p["mentee_id"]: p for p in await run_round(matching)}
    # Version 1 applies today: sector alone counts, so 15 of 20 saturating years earn 75 points of 100.
    mentee_a = proposals[ids["mentee_a"]]
    assert mentee_a["mentor_id"] == ids["logistics"] and mentee_a["score"] == 75.0
    assert mentee_a["breakdown"]["language"] == 0 and mentee_a["breakdown"]["sector"] == 75.0
    known = (await matching.get(f"/branches/{BRANCH}/rules")).json()
    assert known["rules_in_force"]["version"] == 1 and [v["version"] for v in known["rule_versions"]] == [1, 2]
    assert (await matching.get("/branches/namur/rules", headers=auth("national", ()))).status_code == 404


# -- corrections ---------------------------------------------------------------------------------------------

def mentee_corrected(mentee_id: str, *, language: str, slots: list[str], area: str = "BE-10") -> Envelope:
    return _envelope(ParticipantProfileChanged(
        participant_id=mentee_id, role="mentee", changed=["languages", "postcode"],
        languages=[LanguageSkill(code=language, level="B2")], postcode_area=area, availability=slots,
        sectors=["logistics"], support_wanted=[]), mentee_id)


async def test_a_correction_withdraws_the_open_proposal_it_no_longer_fits_with_the_reason(matching, kafka_bootstrap):
    await feed_pool(matching)
    ids = matching.ids
    proposals = {p["mentee_id"]: p for p in await run_round(matching)}
    dropped, kept = proposals[ids["mentee_a"]]["duo_id"], proposals[ids["mentee_b"]]["duo_id"]

    # A moves nearby: the proposal still fits and stays. Then A's French is corrected away (Dutch only),
    # sent twice as a redelivery would: the proposal with the French-speaking mentor is withdrawn, once.
    moved = mentee_corrected(ids["mentee_a"], language="fr", slots=FRENCH_SLOTS, area="BE-11")
    await matching.feed.send(moved)
    await matching.feed.settled("matching")
    assert (await matching.get(f"/branches/{BRANCH}/proposals/{dropped}")).json()["status"] == "proposed"
    no_french = mentee_corrected(ids["mentee_a"], language="nl", slots=FRENCH_SLOTS, area="BE-11")
    await matching.feed.send(no_french, no_french)
    await matching.feed.settled("matching")

    withdrawn = (await matching.get(f"/branches/{BRANCH}/proposals/{dropped}")).json()
    assert withdrawn["status"] == "withdrawn"
    assert withdrawn["withdrawn_reason"] == "no shared language at B1 or above"
    listed = (await matching.get(f"/branches/{BRANCH}/proposals", params={"status": "withdrawn"})).json()["items"]
    assert [p["duo_id"] for p in listed] == [dropped]
    assert (await matching.get(f"/branches/{BRANCH}/proposals/{kept}")).json()["status"] == "proposed"

    events = await duo_events(matching, kafka_bootstrap, lambda es: of_type(es, "proposal-withdrawn"))
    [event] = of_type(events, "proposal-withdrawn")
    assert event.subject == dropped and event.data["reason_code"] == "no_shared_language"
