"""The figures recomputed from the event log alone equal followup's live figures, to the unit.

A synthetic programme of three branches over two years goes through the real followup service
(in-process, on the real broker and store, its clock moved from one action's day to the next):
intake's and matching's events are fed as those services publish them (synthetic people from
synthetic/branches.py, one mentee per branch erased), and the coordinators' actions (sessions,
completions, early ends, outcomes verified or not) go through followup's HTTP API. Then
services.followup.figures_from_log reads the topics from offset 0, with no database, and every
figure of every branch (and all branches) and every quarter and year is compared.
"""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from shared.events import new_envelope, topics
from shared.events.intake import MenteeRegistered, MentorRegistered, MentorTrained, ParticipantErased
from shared.events.matching import DuoFormed
from services.followup.bootstrap import build_app as build_followup
from services.followup.domain.figures import DEFINITIONS, DEFINITIONS_VERSION
from services.followup.domain.rules import add_months
from services.followup.figures_from_log import all_figures, default_periods, recorded_facts
from services.followup.settings import FollowupSettings
from synthetic.branches import generate_branch
from tests.integration.services.producing import Feed, service_connected
from tests.kafka_reader import read_topics, types
from tests.suite import SettableDay, auth, in_process, isolated_env

BRANCHES = ("brussels", "paris", "rotterdam")
START = date(2024, 1, 8)
END = date(2025, 12, 31)  # two years of programme; the clock ends here
DUOS_PER_BRANCH = 10


def _event(payload, branch: str, subject: str):
    return new_envelope(payload, branch=branch, subject=subject)


def people_events(branch: str, seed: int) -> tuple[list, list[str], list[str]]:
    synthetic = generate_branch(branch, mentees=DUOS_PER_BRANCH, mentor_ratio=0.6, seed=seed)
    run = uuid.uuid4().hex[:6]
    events, mentees, mentors = [], [], []
    for n, record in enumerate(synthetic.mentee_records()):
        mentees.append(f"{record['_id']}-{run}")
        fields = {k: record[k] for k in ("age_band", "languages", "sectors", "education_level", "postcode_area",
                                         "availability", "support_wanted")}
        events.append(_event(MenteeRegistered(mentee_id=mentees[-1], registered_on=START + timedelta(days=9 * n),
                                              **fields), branch, mentees[-1]))
    for n, record in enumerate(synthetic.mentor_records()):
        mentors.append(f"{record['_id']}-{run}")
        fields = {k: record[k] for k in ("age_band", "languages", "experience", "postcode_area", "availability",
                                         "max_active_duos", "support_offered")}
        events.append(_event(MentorRegistered(mentor_id=mentors[-1], registered_on=START - timedelta(days=40 - n),
                                              **fields), branch, mentors[-1]))
        if n % 4 != 3:  # some mentors never finish their training
            events.append(_event(MentorTrained(mentor_id=mentors[-1], completed_on=START - timedelta(days=20 - n),
                                               modules=8), branch, mentors[-1]))
    return events, mentees, mentors


def life_of(k: int, started_on: date) -> list[tuple[date, str, dict]]:
    """The coordinator's actions on duo number k, each on its day: five kinds of lives in turn."""
    planned_end, actions = add_months(started_on, 6), []
    session = ("sessions", {"held_on": started_on + timedelta(days=3), "hours": 2.0})
    actions.append((started_on + timedelta(days=3), *session))
    kind = k % 5
    if kind == 1:  # completed, a verified job
        actions += [(planned_end, "completion", {"completed_on": planned_end}),
                    (planned_end + timedelta(days=5), "outcomes", {
                        "moment": "end", "kind": "job", "contract_type": "permanent", "achieved_on": planned_end,
                        "evidence": "signed contract", "verified_on": planned_end + timedelta(days=5)})]
    elif kind == 2:  # ended early: the mentee found a job (self-declared)
        ended = started_on + timedelta(days=60)
        actions += [(ended, "early-end", {"ended_on": ended, "reason": "mentee_found_job",
                                          "mentee_returns_to_pool": False}),
                    (ended + timedelta(days=1), "outcomes", {
                        "moment": "end", "kind": "job", "contract_type": "fixed_term", "achieved_on": ended,
                        "evidence": "self-declared"})]
    elif kind == 3:  # ended early, no outcome
        ended = started_on + timedelta(days=40)
        actions.append((ended, "early-end", {"ended_on": ended, "reason": "no_contact",
                                             "mentee_returns_to_pool": True}))
    elif kind == 4:  # completed, training at the end, a verified job at the follow-up
        follow_up = add_months(planned_end + timedelta(days=2), 3) + timedelta(days=4)
        actions += [(planned_end + timedelta(days=2), "completion", {"completed_on": planned_end + timedelta(days=2)}),
                    (planned_end + timedelta(days=2), "outcomes", {
                        "moment": "end", "kind": "training", "achieved_on": planned_end,
                        "evidence": "enrolment certificate"}),
                    (follow_up, "outcomes", {
                        "moment": "follow_up", "kind": "job", "contract_type": "temporary_agency",
                        "achieved_on": follow_up - timedelta(days=10), "evidence": "payslip",
                        "verified_on": follow_up})]
    return [(day, path, {k: v.isoformat() if isinstance(v, date) else v for k, v in body.items()})
            for day, path, body in actions if day <= END]  # kind 0 stays active


@pytest.fixture
async def followup(kafka_bootstrap, mongo_url, fresh_db_name, monkeypatch):
    env = isolated_env(kafka_bootstrap, mongo_url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    clock = SettableDay(START)
    settings = FollowupSettings(mongo_db=f"{fresh_db_name}_f")
    app = build_followup(settings, today=clock)
    async with in_process(app) as http, Feed(kafka_bootstrap, env["DUO_TOPIC_PREFIX"]) as feed:
        await service_connected(app)
        http.clock, http.feed, http.settings = clock, feed, settings
        yield http


async def test_figures_from_the_log_alone_equal_the_live_figures(followup, kafka_bootstrap):
    http, actions, duos, ended, outcomes = followup, [], 0, 0, 0
    erasures = []
    for seed, branch in enumerate(BRANCHES):
        events, mentees, mentors = people_events(branch, seed)
        for k, mentee in enumerate(mentees):
            duo_id, started_on = str(uuid.uuid4()), START + timedelta(days=9 * k + 12 + 20 * (k % 3))
            mentor = mentors[(k * 2) % len(mentors)]  # some mentors have a second duo
            events.append(_event(DuoFormed(duo_id=duo_id, mentee_id=mentee, mentor_id=mentor,
                                           started_on=started_on, score=70.0), branch, duo_id))
            life = life_of(k, started_on)
            actions += [(day, branch, duo_id, path, body) for day, path, body in life]
            duos += 1
            ended += sum(path in ("completion", "early-end") for _, path, _ in life)
            outcomes += sum(path == "outcomes" for _, path, _ in life)
        erased = mentees[2]  # an erased mentee's duo stays countable, under a surrogate
        erasures.append(_event(ParticipantErased(participant_id=erased, role="mentee"), branch, erased))
        await http.feed.send(*events)
    # A person is erased after their duo formed, as in the programme: the two travel on different topics,
    # so sent together followup could take the erasure first (and then the duo under the person's own id).
    await http.feed.settled("followup")
    await http.feed.send(*erasures)
    await http.feed.settled("followup")

    for day, branch, duo_id, path, body in sorted(actions, key=lambda a: a[0]):
        http.clock.day = day
        headers = auth("coordinator", (branch,))
        r = await http.post(f"/branches/{branch}/duos/{duo_id}/{path}", json=body, headers=headers)
        assert r.status_code in (200, 201), (path, body, r.text)
    http.clock.day = END

    # followup's own events reach the log through its outbox: wait until every one is there
    prefix = http.settings.topic_prefix
    await read_topics(kafka_bootstrap, [prefix + topics.DUOS, prefix + topics.DUO_ACTIVITY], until=lambda rs: (
        types(rs).count("duo-ended") >= ended and types(rs).count("outcome-recorded") >= outcomes), timeout=60)

    facts = await recorded_facts(http.settings)
    periods = default_periods(facts, END)
    from_log = all_figures(facts, periods)
    assert {f.branch for f in from_log} == {*BRANCHES, None} and len(periods) == 2 + 8
    national = auth("national", BRANCHES)
    compared = 0
    for figures in from_log:
        query = {"period_start": figures.period_start.isoformat(), "period_end": figures.period_end.isoformat()}
        url = "/figures" if figures.branch is None else f"/branches/{figures.branch}/figures"
        r = await http.get(url, params=query, headers=national)
        assert r.status_code == 200, r.text
        live, recomputed = r.json(), figures.as_dict()
        assert live["definitions_version"] == recomputed["definitions_version"] == DEFINITIONS_VERSION
        assert recomputed["figures"] == live["figures"], (figures.branch, query)
        compared += len(live["figures"])
    assert compared == len(from_log) * len(DEFINITIONS) == 4 * 10 * len(DEFINITIONS)
    # the comparison means something: the programme produced non-trivial figures
    whole = {(f.branch, f.period_start.year): f for f in from_log if f.period_end.month - f.period_start.month == 11}
    assert whole[(None, 2024)].figures["young_people_supported"].value == duos
    assert whole[(None, 2024)].figures["positive_outcome_rate"].numerator > 0
    assert whole[(None, 2025)].figures["employment_rate"].denominator > 0
    print(f"compared {compared} figures: {len(BRANCHES)} branches and all, {len(periods)} periods")
