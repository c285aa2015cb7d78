"""Followup in-process against the real broker and store: duos start from matching's duo-formed on Kafka,
their life is recorded over HTTP, and every change goes out as an event on Kafka.

The service's clock is the test's: `clock.day` is "today" for the service.
"""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from shared.events import Envelope, new_envelope, topics
from shared.events.common import LanguageSkill, SectorExperience
from shared.events.intake import MenteeRegistered, MentorRegistered, MentorTrained
from shared.events.matching import DuoFormed
from services.followup.bootstrap import build_app
from services.followup.domain.figures import DEFINITIONS, DEFINITIONS_VERSION
from services.followup.settings import FollowupSettings
from tests.integration.services.producing import Feed, branch_opened, service_connected
from tests.kafka_reader import envelopes, read_topics
from tests.suite import SettableDay, auth, eventually, in_process, isolated_env

BRANCH = "brussels"
STARTED = date(2025, 3, 3)
PLANNED_END = date(2025, 9, 3)
BRUSSELS = auth("coordinator", (BRANCH,))


@pytest.fixture
async def followup(kafka_bootstrap, mongo_url, fresh_db_name, monkeypatch):
    env = isolated_env(kafka_bootstrap, mongo_url)
    for name, value in {**env, "DUO_MONGO_DB": fresh_db_name}.items():
        monkeypatch.setenv(name, value)
    clock = SettableDay(STARTED + timedelta(days=7))
    app = build_app(FollowupSettings(), today=clock)
    async with in_process(app) as http, Feed(kafka_bootstrap, env["DUO_TOPIC_PREFIX"]) as feed:
        http.headers.update(BRUSSELS)
        await service_connected(app)
        http.feed, http.clock = feed, clock
        http.mentee_id, http.mentor_id = f"mentee-{uuid.uuid4().hex[:8]}", f"mentor-{uuid.uuid4().hex[:8]}"
        yield http


def duo_formed(http, started_on: date = STARTED, mentee_id: str | None = None) -> Envelope:
    duo_id = str(uuid.uuid4())
    return new_envelope(DuoFormed(duo_id=duo_id, mentee_id=mentee_id or http.mentee_id, mentor_id=http.mentor_id,
                                  started_on=started_on, score=87.5),
                        branch=BRANCH, subject=duo_id, correlation_id=f"accept-{duo_id[:8]}")


async def start_duo(http, started_on: date = STARTED) -> dict:
    """Matching formed a duo: feed its event and wait for followup to know it."""
    formed = duo_formed(http, started_on)
    await http.feed.send(formed)
    return await eventually(lambda: _duo(http, formed.subject), what="the duo in followup")


async def _duo(http, duo_id: str) -> dict | None:
    r = await http.get(f"/branches/{BRANCH}/duos/{duo_id}")
    return r.json() if r.status_code == 200 else None


async def events_on(http, kafka_bootstrap, topic: str, until) -> list[Envelope]:
    records = await read_topics(kafka_bootstrap, [http.feed.prefix + topic], until=lambda rs: until(envelopes(rs)))
    return envelopes(records)


def of_type(events: list[Envelope], kind: str) -> list[Envelope]:
    return [e for e in events if e.type == kind]


# -- forming --------------------------------------------------------------------------------------------

async def test_duo_formed_starts_an_active_duo_of_six_months_once(followup):
    formed = duo_formed(followup)
    await followup.feed.send(formed, formed)  # delivered twice, as at-least-once allows
    await followup.feed.settled("followup")

    duos = (await followup.get(f"/branches/{BRANCH}/duos")).json()["items"]
    assert [d["duo_id"] for d in duos] == [formed.subject]
    duo = duos[0]
    assert duo["status"] == "active" and duo["mentee_id"] == followup.mentee_id
    assert duo["started_on"] == STARTED.isoformat() and duo["planned_end_on"] == PLANNED_END.isoformat()
    assert duo["sessions"] == [] and duo["hours_logged"] == 0 and duo["at_risk"] is False


# -- sessions and check-ins -------------------------------------------------------------------------------

async def test_a_session_is_logged_counted_and_published_and_a_future_one_is_refused(followup, kafka_bootstrap):
    duo = await start_duo(followup)
    url = f"/branches/{BRANCH}/duos/{duo['duo_id']}"
    r = await followup.post(f"{url}/sessions", json={"held_on": STARTED.isoformat(), "hours": 2})
    assert r.status_code == 201, r.text
    assert r.json()["hours_logged"] == 2.0 and len(r.json()["sessions"]) == 1
    before = await _duo(followup, duo["duo_id"])

    tomorrow = followup.clock.day + timedelta(days=1)
    r = await followup.post(f"{url}/sessions", json={"held_on": tomorrow.isoformat(), "hours": 2})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert {"field": "held_on", "rule": "session.in_future"} in [
        {"field": e["field"], "rule": e["rule"]} for e in r.json()["errors"]]
    assert await _duo(followup, duo["duo_id"]) == before, "a refused session changed the duo"

    r = await followup.post(f"{url}/sessions", json={"held_on": followup.clock.day.isoformat(), "hours": 1.5})
    assert r.status_code == 201 and r.json()["hours_logged"] == 3.5

    events = await events_on(followup, kafka_bootstrap, topics.DUO_ACTIVITY,
                             lambda es: len(of_type(es, "session-logged")) >= 2)
    logged = of_type(events, "session-logged")
    assert len(logged) == 2, "the refused session was published"
    assert [(e.data["held_on"], e.data["hours"]) for e in logged] == [
        (STARTED.isoformat(), 2.0), (followup.clock.day.isoformat(), 1.5)]
    assert all(e.subject == duo["duo_id"] and e.data["duo_id"] == duo["duo_id"] for e in logged)
    assert [s["session_id"] for s in r.json()["sessions"]] == [e.data["session_id"] for e in logged]


async def test_a_check_in_is_recorded_and_published(followup, kafka_bootstrap):
    duo = await start_duo(followup)
    followup.clock.day = date(2025, 4, 3)
    url = f"/branches/{BRANCH}/duos/{duo['duo_id']}/check-ins"
    assert (await _duo(followup, duo["duo_id"]))["check_ins_due"] == [1]

    r = await followup.post(url, json={"month": 1, "held_on": "2025-04-03", "on_track": True})
    assert r.status_code == 201, r.text
    assert r.json()["check_ins"] == [{"month": 1, "held_on": "2025-04-03", "on_track": True}]
    assert r.json()["check_ins_due"] == []
    r = await followup.post(url, json={"month": 1, "held_on": "2025-04-03", "on_track": True})
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "check_in.duplicate"

    events = await events_on(followup, kafka_bootstrap, topics.DUO_ACTIVITY,
                             lambda es: bool(of_type(es, "check-in-recorded")))
    [check_in] = of_type(events, "check-in-recorded")
    assert check_in.data == {"duo_id": duo["duo_id"], "month": 1, "held_on": "2025-04-03", "on_track": True}


# -- ending and outcomes ------------------------------------------------------------------------------------

async def test_an_early_end_is_published_with_reason_and_pool_choice(followup, kafka_bootstrap):
    duo = await start_duo(followup)
    followup.clock.day = date(2025, 4, 10)
    url = f"/branches/{BRANCH}/duos/{duo['duo_id']}"

    r = await followup.post(f"{url}/early-end", json={"ended_on": "2025-04-20", "reason": "mentee_moved",
                                                      "mentee_returns_to_pool": True})
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "duo.end_in_future"
    r = await followup.post(f"{url}/early-end", json={"ended_on": "2025-04-09", "reason": "bored",
                                                      "mentee_returns_to_pool": True})
    assert r.status_code == 422 and "reason" in [e["field"] for e in r.json()["errors"]]
    assert (await _duo(followup, duo["duo_id"]))["status"] == "active"

    r = await followup.post(f"{url}/early-end", json={"ended_on": "2025-04-09", "reason": "mentee_moved",
                                                      "mentee_returns_to_pool": True})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ended_early" and r.json()["end_reason"] == "mentee_moved"

    events = await events_on(followup, kafka_bootstrap, topics.DUOS, lambda es: bool(of_type(es, "duo-ended")))
    [ended] = of_type(events, "duo-ended")
    assert ended.subject == duo["duo_id"]
    assert ended.data == {"duo_id": duo["duo_id"], "mentee_id": followup.mentee_id, "mentor_id": followup.mentor_id,
                          "ended_on": "2025-04-09", "completed": False, "reason": "mentee_moved",
                          "mentee_returns_to_pool": True}
    r = await followup.post(f"{url}/early-end", json={"ended_on": "2025-04-09", "reason": "mentee_moved",
                                                      "mentee_returns_to_pool": True})
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "duo.not_active"


async def test_an_outcome_is_recorded_at_the_end_and_refused_before_it(followup, kafka_bootstrap):
    duo = await start_duo(followup)
    url = f"/branches/{BRANCH}/duos/{duo['duo_id']}"
    outcome = {"moment": "end", "kind": "job", "contract_type": "fixed_term", "achieved_on": "2025-09-01",
               "evidence": "signed contract", "verified_on": "2025-09-04"}

    followup.clock.day = date(2025, 9, 4)
    r = await followup.post(f"{url}/outcomes", json=outcome)
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "outcome.duo_not_ended", r.text
    assert (await _duo(followup, duo["duo_id"]))["outcomes"] == []

    r = await followup.post(f"{url}/completion", json={"completed_on": "2025-09-03"})
    assert r.status_code == 200 and r.json()["status"] == "completed", r.text
    r = await followup.post(f"{url}/outcomes", json={**outcome, "contract_type": None})
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "outcome.contract_type_missing"
    r = await followup.post(f"{url}/outcomes", json=outcome)
    assert r.status_code == 201, r.text
    [stored] = r.json()["outcomes"]
    assert stored["kind"] == "job" and stored["contract_type"] == "fixed_term" and stored["verified_by"] == "test"

    events = await events_on(followup, kafka_bootstrap, topics.DUO_ACTIVITY,
                             lambda es: bool(of_type(es, "outcome-recorded")))
    [recorded] = of_type(events, "outcome-recorded")
    assert recorded.subject == duo["duo_id"]
    assert recorded.data == {"duo_id": duo["duo_id"], "mentee_id": followup.mentee_id, "moment": "end",
                             "kind": "job", "contract_type": "fixed_term", "achieved_on": "2025-09-01",
                             "evidence": "signed contract", "recorded_on": "2025-09-04", "verified_by": "test",
                             "verified_on": "2025-09-04"}
    duo_events = await events_on(followup, kafka_bootstrap, topics.DUOS, lambda es: bool(of_type(es, "duo-ended")))
    [ended] = of_type(duo_events, "duo-ended")
    assert ended.data["completed"] is True and ended.data["reason"] == "completed"


# -- risk -----------------------------------------------------------------------------------------------------

async def test_a_duo_without_a_session_for_fifteen_days_is_flagged_once(followup, kafka_bootstrap):
    duo = await start_duo(followup)
    quiet = await start_duo(followup)  # a second duo that met: never flagged
    followup.clock.day = STARTED + timedelta(days=15)
    r = await followup.post(f"/branches/{BRANCH}/duos/{quiet['duo_id']}/sessions",
                            json={"held_on": (STARTED + timedelta(days=10)).isoformat(), "hours": 2})
    assert r.status_code == 201, r.text

    r = await followup.post(f"/branches/{BRANCH}/at-risk-scans")
    assert r.status_code == 200 and r.json() == {"flagged": 1}, r.text
    r = await followup.post(f"/branches/{BRANCH}/at-risk-scans")
    assert r.status_code == 200 and r.json() == {"flagged": 0}, "the same duo was flagged twice"
    flagged = await _duo(followup, duo["duo_id"])
    assert flagged["at_risk"] is True and flagged["days_without_session"] == 15
    assert (await _duo(followup, quiet["duo_id"]))["at_risk"] is False
    # The coordinator's list of duos at risk, and its complement, page by page
    at_risk = (await followup.get(f"/branches/{BRANCH}/duos", params={"at_risk": "true", "status": "active"})).json()
    assert [d["duo_id"] for d in at_risk["items"]] == [duo["duo_id"]] and at_risk["next"] is None
    calm = (await followup.get(f"/branches/{BRANCH}/duos", params={"at_risk": "false", "limit": 1})).json()
    assert [d["duo_id"] for d in calm["items"]] == [quiet["duo_id"]] and calm["next"] is None

    # End the duo: its duo-ended comes after any duo-at-risk of it on the same partition, so reading up to
    # it shows every at-risk alert it ever had.
    r = await followup.post(f"/branches/{BRANCH}/duos/{duo['duo_id']}/early-end",
                            json={"ended_on": followup.clock.day.isoformat(), "reason": "no_contact",
                                  "mentee_returns_to_pool": True})
    assert r.status_code == 200, r.text
    events = await events_on(followup, kafka_bootstrap, topics.DUOS,
                             lambda es: any(e.type == "duo-ended" and e.subject == duo["duo_id"] for e in es))
    [alert] = of_type(events, "duo-at-risk")
    assert alert.subject == duo["duo_id"]
    assert alert.data == {"duo_id": duo["duo_id"], "last_session_on": None, "days_without_session": 15}


# -- figures ------------------------------------------------------------------------------------------------

def _facts(http) -> list[Envelope]:
    """What intake published about the two people, as followup hears it."""
    def envelope(payload, subject):
        return new_envelope(payload, branch=BRANCH, subject=subject, correlation_id="intake-test")
    return [
        envelope(MenteeRegistered(mentee_id=http.mentee_id, registered_on=STARTED - timedelta(days=20),
                                  age_band="18-24", languages=[LanguageSkill(code="fr", level="B2")],
                                  sectors=["logistics"], education_level="secondary", postcode_area="BE-10",
                                  availability=["mon-eve"]), http.mentee_id),
        envelope(MentorRegistered(mentor_id=http.mentor_id, registered_on=STARTED - timedelta(days=60),
                                  age_band="60-64", languages=[LanguageSkill(code="fr", level="native")],
                                  experience=[SectorExperience(sector="logistics", years=30)],
                                  postcode_area="BE-10", availability=["mon-eve"], max_active_duos=2),
                 http.mentor_id),
        envelope(MentorTrained(mentor_id=http.mentor_id, completed_on=STARTED - timedelta(days=30), modules=8),
                 http.mentor_id),
    ]


async def test_figures_carry_versioned_definitions_and_count_what_was_recorded(followup):
    await followup.feed.send(*_facts(followup))
    completed = await start_duo(followup)
    second_mentee = f"mentee-{uuid.uuid4().hex[:8]}"
    other = duo_formed(followup, STARTED + timedelta(days=7), mentee_id=second_mentee)
    await followup.feed.send(other)
    await followup.feed.settled("followup")

    followup.clock.day = date(2025, 9, 10)
    url = f"/branches/{BRANCH}/duos/{completed['duo_id']}"
    assert (await followup.post(f"{url}/completion", json={"completed_on": "2025-09-03"})).status_code == 200
    r = await followup.post(f"{url}/outcomes", json={
        "moment": "end", "kind": "training", "achieved_on": "2025-09-01", "evidence": "enrolment certificate"})
    assert r.status_code == 201, r.text
    r = await followup.post(f"/branches/{BRANCH}/duos/{other.subject}/early-end",
                            json={"ended_on": "2025-05-01", "reason": "mismatch", "mentee_returns_to_pool": True})
    assert r.status_code == 200, r.text

    r = await followup.get(f"/branches/{BRANCH}/figures",
                           params={"period_start": "2025-01-01", "period_end": "2025-12-31"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["branch"] == BRANCH and body["definitions_version"] == DEFINITIONS_VERSION
    assert set(body["definitions"]) == set(DEFINITIONS) == set(body["figures"])
    assert all(d["numerator"] and d["denominator"] for d in body["definitions"].values())
    figures = body["figures"]
    assert figures["young_people_supported"]["value"] == 2
    assert figures["active_mentors"]["value"] == 1
    assert figures["trained_mentors"]["value"] == 1
    assert figures["active_duos"]["value"] == 0  # both ended before the period's last day
    # One mentee reached training, the other ended with no outcome.
    assert (figures["positive_outcome_rate"]["numerator"], figures["positive_outcome_rate"]["denominator"]) == (1, 2)
    assert figures["positive_outcome_rate"]["percent"] == 50.0
    assert figures["verified_positive_outcome_rate"]["numerator"] == 0  # not verified
    # Duos planned to end in 2025: both; completed: one.
    assert (figures["completion_rate"]["numerator"], figures["completion_rate"]["denominator"]) == (1, 2)
    # Only the first mentee's registration is known: 20 days from registration to match.
    assert figures["days_registration_to_match_median"]["value"] == "20/1"
    assert figures["days_registration_to_match_median"]["denominator"] == 1

    # A period before anything happened counts nothing.
    r = await followup.get(f"/branches/{BRANCH}/figures",
                           params={"period_start": "2024-01-01", "period_end": "2024-12-31"})
    assert r.json()["figures"]["young_people_supported"]["value"] == 0
    r = await followup.get(f"/branches/{BRANCH}/figures",
                           params={"period_start": "2025-12-31", "period_end": "2025-01-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "figures.period_reversed"


async def test_national_figures_are_for_national_staff_only(followup):
    await start_duo(followup)
    r = await followup.get("/figures", headers=BRUSSELS)
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    r = await followup.get("/figures", headers=auth("national", ()),
                           params={"period_start": "2025-01-01", "period_end": "2025-12-31"})
    assert r.status_code == 200, r.text
    assert r.json()["branch"] is None and r.json()["figures"]["young_people_supported"]["value"] == 1
    assert (await followup.get(f"/branches/{BRANCH}/figures", headers=auth("coordinator", ("antwerp",)))).status_code == 403


async def test_an_unknown_duo_is_a_404_problem(followup):
    for r in (await followup.get(f"/branches/{BRANCH}/duos/no-such-duo"),
              await followup.post(f"/branches/{BRANCH}/duos/no-such-duo/sessions",
                                  json={"held_on": STARTED.isoformat(), "hours": 1})):
        assert r.status_code == 404 and r.json()["type"].endswith("/not-found"), r.text
    duo = await start_duo(followup)
    r = await followup.post(f"/branches/{BRANCH}/duos/{duo['duo_id']}/sessions",
                            json={"held_on": STARTED.isoformat(), "hours": 1, "notes": "personal"})
    assert r.status_code == 422 and "notes" in [e["field"] for e in r.json()["errors"]]


async def test_each_branch_flags_quiet_duos_after_its_own_at_risk_days_learned_from_the_branch_events(
        followup, kafka_bootstrap):
    await followup.feed.send(branch_opened(BRANCH, at_risk_after_days=5))
    await followup.feed.settled("followup")
    duo = await start_duo(followup)
    followup.clock.day = STARTED + timedelta(days=6)  # six quiet days: Brussels' rules say five are enough
    r = await followup.post(f"/branches/{BRANCH}/at-risk-scans")
    assert r.status_code == 200 and r.json() == {"flagged": 1}, r.text
    assert (await _duo(followup, duo["duo_id"]))["at_risk"] is True

    figures = (await followup.get(f"/branches/{BRANCH}/figures")).json()
    [version] = figures["rules_in_force"]
    assert version["version"] == 1 and version["rules"]["at_risk_after_days"] == 5
    national = (await followup.get("/figures", headers=auth("national", ()))).json()
    assert national["rules_in_force"] == {BRANCH: [version]}


async def test_figures_kept_from_an_earlier_reading_count_every_fact_recorded_since(followup):
    """The branch's figures are kept between readings (adapters/figures_cache.py): a duo formed, a mentor
    trained, a duo ended after a reading are in the next one, through the API and the events alike."""
    period = {"period_start": "2025-01-01", "period_end": "2025-12-31"}

    async def figure(name: str):
        r = await followup.get(f"/branches/{BRANCH}/figures", params=period)
        assert r.status_code == 200, r.text
        return r.json()["figures"][name]["value"]

    await followup.feed.send(*_facts(followup))
    await followup.feed.settled("followup")
    assert await figure("trained_mentors") == 1 and await figure("young_people_supported") == 0
    first = await start_duo(followup)
    assert await figure("young_people_supported") == 1 and await figure("active_duos") == 1
    another = duo_formed(followup, STARTED + timedelta(days=3), mentee_id=f"mentee-{uuid.uuid4().hex[:8]}")
    await followup.feed.send(another, new_envelope(MentorTrained(mentor_id="mentor-late", completed_on=STARTED,
                                                                 modules=8), branch=BRANCH, subject="mentor-late"),
                             new_envelope(MentorRegistered(
                                 mentor_id="mentor-late", registered_on=STARTED - timedelta(days=5), age_band="30-34",
                                 languages=[LanguageSkill(code="nl", level="native")],
                                 experience=[SectorExperience(sector="retail", years=3)], postcode_area="BE-20",
                                 availability=["tue-eve"], max_active_duos=1), branch=BRANCH, subject="mentor-late"))
    await followup.feed.settled("followup")
    assert await figure("young_people_supported") == 2 and await figure("trained_mentors") == 2
    followup.clock.day = date(2025, 9, 10)
    r = await followup.post(f"/branches/{BRANCH}/duos/{first['duo_id']}/early-end",
                            json={"ended_on": "2025-05-01", "reason": "mismatch", "mentee_returns_to_pool": False})
    assert r.status_code == 200, r.text
    assert await figure("active_duos") == 1  # the other one still runs on the period's last day
