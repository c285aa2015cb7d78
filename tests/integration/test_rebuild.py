"""Every service's view rebuilt from the log equals the live one, document by document.

The four services run in-process on the real Kafka and store, with real traffic through their
APIs (two synthetic branches: registrations, training, rounds, acceptances, a decline, sessions,
an early end with its outcome, a withdrawal, two erasures). Once every consumer has settled and
every outbox is empty, each view is rebuilt into a fresh database and compared with the live one.
Only the fields in IGNORED may differ, each for the reason given; nothing else.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from shared.events import topics
from shared.messaging import outbox
from services.followup.bootstrap import build_app as build_followup
from services.followup.rebuild import plan as followup_plan
from services.followup.settings import FollowupSettings
from services.intake.bootstrap import build_app as build_intake
from services.intake.rebuild import PLAN as INTAKE_PLAN
from services.intake.settings import IntakeSettings
from services.matching.bootstrap import build_app as build_matching
from services.matching.rebuild import PLAN as MATCHING_PLAN
from services.matching.settings import MatchingSettings
from services.notify.bootstrap import build_app as build_notify
from services.notify.rebuild import plan as notify_plan
from services.notify.settings import NotifySettings
from shared.rebuild import GroupBusy, group_of, hand_over, rebuild
from tests.e2e.people import TRAINING_MODULES, mentee, mentor
from tests.integration.services.producing import committed_everything, service_connected
from tests.suite import auth, eventually, in_process, isolated_env

BRANCHES = {"brussels": {"postcode": "1030", "lang": "fr"}, "antwerp": {"postcode": "2000", "lang": "nl"}}
PAIRS = 3  # mentees and mentors per branch

# Fields that differ by design between a live view and its rebuild, with the reason.
IGNORED = {
    # Bookkeeping of the outbox relay: events waiting in a document and the process that publishes them.
    # A rebuild publishes nothing (the events are already in the log), so it has none of them.
    outbox.FIELD, outbox.PENDING, outbox.OWNER, outbox.SINCE, outbox.CLAIMED_BY, outbox.CLAIMED_UNTIL,
    # The optimistic-concurrency counter counts writes, not facts: live, one write may carry several
    # events (a reminder scan), while the rebuild writes once per event.
    "version",
    # The ids of the last events applied to a document, kept to refuse redeliveries. Live, each topic is
    # consumed on its own, so two events of one document from two topics (a duo's end freeing the mentee,
    # and her erasure) may be applied in either order, and the second refused by the erased stub; the
    # rebuild applies them in the order they happened. Which ids are remembered is not a fact of the view.
    "applied_events",
    # notify's marks of messages waiting for a person's contact (on the contact, and on the message): live
    # delivery's bookkeeping, set only when a message came before its contact; a rebuild sends nothing.
    "awaited_by", "awaiting_contact",
    # notify's delivery bookkeeping: when to try next, how long to wait for a contact, how many tries
    # and in which language the text was rendered are decided at sending, which a rebuild never does.
    "next_attempt_at", "wait_contact_until", "attempts", "language", "claimed_until",
    # followup's mark of a change its cached figures have not counted yet: a token unique to each write.
    "figures_dirty",
}
# Apart from those fields: a reminder the person declined is `skipped` when notify tries to send it;
# a rebuild does not try, so it stays `pending`, and the first delivery round after the switch-over
# skips it again (sending nothing). That one status pair is allowed, nothing else.
ALLOWED_STATUS = {("skipped", "pending")}
ERASED_STUB = {"_id", "status", "role", "applied_events"}  # the erased person's stub in matching's pool


def _plain(value):
    """Comparable values: datetimes to the millisecond (what BSON keeps), in UTC."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat(timespec="milliseconds")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _comparable(doc: dict) -> dict:
    return _plain({k: v for k, v in doc.items() if k not in IGNORED})


async def _documents(db, collection: str) -> dict:
    return {d["_id"]: d for d in await db[collection].find({}).to_list()}


def differences(live: dict, rebuilt: dict) -> list[str]:
    found = []
    for doc_id in sorted(set(live) | set(rebuilt), key=str):
        a, b = live.get(doc_id), rebuilt.get(doc_id)
        if a is None or b is None:
            found.append(f"{doc_id}: only {'rebuilt' if a is None else 'live'}: {_comparable(a or b)}")
            continue
        a, b = _comparable(a), _comparable(b)
        if (a.get("status"), b.get("status")) in ALLOWED_STATUS:
            a, b = {**a, "status": None, "finished_at": None, "reason": None}, {**b, "status": None}
            b.setdefault("finished_at", None), b.setdefault("reason", None)
        if a != b:
            keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            found.append(f"{doc_id}: " + "; ".join(f"{k}: live {a.get(k)!r} rebuilt {b.get(k)!r}" for k in keys))
    return found


@pytest.fixture
async def suite(kafka_bootstrap, mongo_url, smtp_sink, fresh_db_name, monkeypatch):
    env = isolated_env(kafka_bootstrap, mongo_url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    coordinators = {b: [f"coordinator.{b}@example.org"] for b in BRANCHES}
    settings = {
        "intake": IntakeSettings(mongo_db=f"{fresh_db_name}_i"),
        "matching": MatchingSettings(mongo_db=f"{fresh_db_name}_m"),
        "followup": FollowupSettings(mongo_db=f"{fresh_db_name}_f"),
        "notify": NotifySettings(mongo_db=f"{fresh_db_name}_n", smtp_host=smtp_sink.host, smtp_port=smtp_sink.port,
                                 coordinator_emails=coordinators, delivery_poll_seconds=0.3,
                                 # On a loaded machine a send may time out or an attempt fail after its claim:
                                 # the retry and the claim's expiry then come within the wait below, not after
                                 # the production defaults (5 s doubling; 120 s).
                                 retry_base_seconds=0.2, claim_seconds=5),
    }
    apps = {"intake": build_intake(settings["intake"]), "matching": build_matching(settings["matching"]),
            "followup": build_followup(settings["followup"]), "notify": build_notify(settings["notify"])}
    async with (in_process(apps["intake"]) as intake, in_process(apps["matching"]) as matching,
                in_process(apps["followup"]) as followup, in_process(apps["notify"])):
        for app in apps.values():
            await service_connected(app)
        yield {"settings": settings, "apps": apps, "intake": intake, "matching": matching, "followup": followup,
               "bootstrap": kafka_bootstrap, "prefix": env["DUO_TOPIC_PREFIX"]}


async def _traffic(s) -> list[str]:
    """A modest programme in two branches; the ids of the people erased at the end."""
    intake, matching, followup = s["intake"], s["matching"], s["followup"]
    today = date.today().isoformat()
    erased = []
    for branch, where in BRANCHES.items():
        headers = auth("coordinator", (branch,))
        lang = where["lang"]
        mentees, mentors = [], []
        for i in range(PAIRS):
            r = await intake.post(f"/branches/{branch}/mentees", headers=headers, json=mentee(
                first_name=f"Mentee{i}", email=f"mentee{i}.{branch}@example.org", postcode=where["postcode"],
                preferred_language=lang, languages=[{"code": lang, "level": "native"}]))
            assert r.status_code == 201, r.text
            mentees.append(r.json()["participant_id"])
            r = await intake.post(f"/branches/{branch}/mentors", headers=headers, json=mentor(
                first_name=f"Mentor{i}", email=f"mentor{i}.{branch}@example.org", postcode=where["postcode"],
                preferred_language=lang, languages=[{"code": lang, "level": "native"}]))
            assert r.status_code == 201, r.text
            mentors.append(r.json()["participant_id"])
            for module in TRAINING_MODULES:
                r = await intake.post(f"/branches/{branch}/mentors/{mentors[-1]}/training-modules", headers=headers,
                                      json={"module": module, "completed_on": today})
                assert r.status_code == 200, r.text

        async def pool_ready() -> bool:
            r = await matching.get(f"/branches/{branch}/pool", headers=headers)
            pool = r.json()["items"] if r.status_code == 200 else []
            return sum(1 for p in pool if p.get("trained")) == PAIRS and len(pool) == 2 * PAIRS
        await eventually(pool_ready, what=f"{branch}'s pool in matching")
        r = await matching.post(f"/branches/{branch}/proposal-rounds", headers=headers)
        assert r.status_code == 201, r.text
        proposals = r.json()["proposals"]
        assert len(proposals) == PAIRS
        formed = []
        for proposal in proposals[:-1]:
            r = await matching.post(f"/branches/{branch}/proposals/{proposal['duo_id']}/acceptance", headers=headers)
            assert r.status_code == 200, r.text
            formed.append(proposal)
        r = await matching.post(f"/branches/{branch}/proposals/{proposals[-1]['duo_id']}/decline", headers=headers)
        assert r.status_code == 200, r.text

        for proposal in formed:
            async def known(duo_id=proposal["duo_id"]) -> bool:
                return (await followup.get(f"/branches/{branch}/duos/{duo_id}", headers=headers)).status_code == 200
            await eventually(known, what="the duo in followup")
            r = await followup.post(f"/branches/{branch}/duos/{proposal['duo_id']}/sessions", headers=headers,
                                    json={"held_on": today, "hours": 2})
            assert r.status_code == 201, r.text
        ended = formed[0]
        r = await followup.post(f"/branches/{branch}/duos/{ended['duo_id']}/early-end", headers=headers,
                                json={"ended_on": today, "reason": "mentee_found_job", "mentee_returns_to_pool": False})
        assert r.status_code == 200, r.text
        r = await followup.post(f"/branches/{branch}/duos/{ended['duo_id']}/outcomes", headers=headers, json={
            "moment": "end", "kind": "job", "contract_type": "permanent", "achieved_on": today,
            "evidence": "signed contract"})
        assert r.status_code == 201, r.text
        r = await intake.post(f"/branches/{branch}/participants/{mentees[-1]}/withdrawal", headers=headers,
                              json={"withdrawn_on": today})
        assert r.status_code == 200, r.text
        # Erased: the mentee whose duo ended (their duo, outcome and messages stay, with no link to them).
        r = await intake.delete(f"/branches/{branch}/participants/{ended['mentee_id']}", headers=headers)
        assert r.status_code == 204, r.text
        erased.append(ended["mentee_id"])
    return erased


async def _settled(s) -> None:
    """Every consumer group committed everything, and no outbox holds an event still to publish."""
    all_topics = [s["prefix"] + t for t in topics.ALL if t != topics.DEAD_LETTERS]
    for name, app in s["apps"].items():
        group = f"{s['prefix']}duo-{name}"
        db = app.state.runtime.db

        async def done(group=group, db=db) -> bool:
            for collection in await db.list_collection_names():
                if await db[collection].count_documents({outbox.PENDING: True}):
                    return False
            consumed = [t for t in all_topics if t.removeprefix(s["prefix"]) in _consumed(name)]
            return await committed_everything(s["bootstrap"], group, consumed)
        await eventually(done, timeout=120, what=f"{name} settled")


def _consumed(service: str) -> set[str]:
    return {"intake": {topics.DUOS}, "matching": {topics.PARTICIPANTS, topics.DUOS},
            "followup": {topics.PARTICIPANTS, topics.DUOS},
            "notify": {topics.PARTICIPANTS, topics.DUOS, topics.PARTICIPANT_CONTACTS}}[service]


PLANS = {"intake": lambda settings: INTAKE_PLAN, "matching": lambda settings: MATCHING_PLAN,
         "followup": followup_plan, "notify": notify_plan}
VIEWS = {"intake": ["first_duos"], "matching": ["pool", "proposals", "rounds"],
         "followup": ["duos", "participant_facts"], "notify": ["contacts", "notifications"]}


async def test_every_view_rebuilt_from_the_log_equals_the_live_one_and_keeps_no_trace_of_the_erased(suite):
    erased = await _traffic(suite)
    await _settled(suite)
    # Notify's messages all went out (or were skipped): the live view is final before it is compared.
    notify_db = suite["apps"]["notify"].state.runtime.db
    await eventually(lambda: _none_pending(notify_db), timeout=90, what="every notification delivered")

    summary, replays = [], {}
    for name, view in VIEWS.items():
        settings = suite["settings"][name]
        live_db = suite["apps"][name].state.runtime.db
        into = f"{settings.mongo_db}_rebuilt"
        replay, progress = await rebuild(settings, PLANS[name](settings), into, lanes=8)
        assert not replay.skipped.reasons
        rebuilt_db = live_db.client[into]
        for collection in view:
            live, rebuilt = await _documents(live_db, collection), await _documents(rebuilt_db, collection)
            assert differences(live, rebuilt) == [], f"{name}.{collection}"
            kept = rebuilt.values()
            if collection == "pool":  # matching keeps an erased person's stub, so a late event cannot recreate them
                stubs = [d for d in kept if d["_id"] in erased]
                assert all(set(d) <= ERASED_STUB and d["status"] == "erased" for d in stubs), stubs
                kept = [d for d in kept if d["_id"] not in erased]
            text = json.dumps(_plain(list(kept)), default=str)
            for person in erased:
                assert person not in text, f"{name}.{collection} still names an erased person"
            if name != "notify":  # only notify may hold addresses: its contacts and coordinators' work addresses
                assert "@example.org" not in text, f"{name}.{collection} holds an e-mail address"
            summary.append(f"{name}.{collection}: {len(live)}")
        if name == "notify":  # contacts: only people not erased, and no e-mail of an erased person
            contacts = await _documents(rebuilt_db, "contacts")
            assert not set(erased) & set(contacts)
        summary.append(f"({progress.read} events)")
        replays[name] = replay
    # The switch-over: refused while the service runs; on an empty group, it sets the offsets to the replay's end.
    matching = suite["settings"]["matching"]
    with pytest.raises(GroupBusy):
        await hand_over(matching, replays["matching"])
    stopped = matching.model_copy(update={"service_name": "matching-rebuilt"})
    await hand_over(stopped, replays["matching"])
    assert await committed_everything(suite["bootstrap"], group_of(stopped), replays["matching"].live_topics)
    print("\nrebuilt views equal to live ones, documents compared: " + ", ".join(summary))


async def _none_pending(db) -> bool:
    return await db["notifications"].count_documents({"status": {"$in": ["pending", "sending"]}}) == 0
