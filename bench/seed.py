"""A programme's history put straight into the suite's stores, through the services' own code: bench.load's
pre-seed (issue 17: cost must not grow with history).

    await seed(mongo_url, count=9000, first=1000)   # participants 1000..9999 of the same deterministic programme

- intake: each person is registered by intake's own use case (`Intake.register_mentee`/`register_mentor`,
  then `record_training` for each mentor's modules), on the day they registered, against a repository that
  keeps the records in memory; the records are then inserted in chunks of CHUNK, with an empty outbox. Their
  events are not relayed: they are applied below, so no event of the seed goes through Kafka.
- matching, followup, intake's first duos: every event those registrations caused, and the duo events matching
  and followup would have decided (proposed, formed, sessions, and for a mentor's earlier duo its completion),
  go through the handlers each service's rebuild subscribes (the live ones and those of its own events, through
  `EventConsumer.process` in the rebuild's lanes), into the live databases. So every view holds exactly what
  the same events would have made it hold, with the real document shapes and indexes.
- notify: only the contacts. Its handlers for the other events would queue messages that the running service
  then sends; the notification history is not seeded.

The programme: about 3 mentees per mentor, 60% in brussels and the rest in antwerp, liege and paris; about half
of the mentees in a duo: each mentor has one active duo (started 5 to 25 days ago, a session every week, the
last within the at-risk window, no reminder due) and half the mentors an earlier duo, completed about a year
ago with a session every four weeks. Nothing seeded is at risk or due a reminder, so followup's scans and
notify publish nothing because of the seed while bench.load measures.
"""
from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, AsyncIterator, Callable

from pymongo import AsyncMongoClient

from shared.events import Envelope, new_envelope, spec_for, topics
from shared.events.followup import DuoEnded, SessionLogged
from shared.events.matching import DuoFormed, DuoProposed
from shared.messaging import outbox
from shared.messaging.replay import Progress, Replay
from shared.rebuild import RebuildPlan
from shared.vocabulary import TRAINING_MODULES
from services.followup.domain.rules import add_months

CHUNK = 200  # intake records per insert_many: a few seconds of the store's one core each, on a busy machine
BRANCHES = {"brussels": 60, "antwerp": 15, "liege": 10, "paris": 15}  # weight: most in brussels
HOME = {"brussels": ("BE", "1030", "fr"), "antwerp": ("BE", "2000", "nl"), "liege": ("BE", "4000", "fr"),
        "paris": ("FR", "75011", "fr")}  # country, postcode, working language
MENTOR_EVERY = 4  # one participant in four is a mentor: about 3 mentees per mentor
SEED_BY = "bench-seed"


@dataclass
class Person:
    index: int
    role: str
    branch: str
    registered_on: date
    participant_id: str | None = None


@dataclass
class Seeded:
    """What one call put in: counts, and the events applied per service."""

    mentees: int = 0
    mentors: int = 0
    duos: int = 0
    completed_duos: int = 0
    sessions: int = 0
    applied: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def line(self) -> str:
        applied = ", ".join(f"{name} {n:,}" for name, n in self.applied.items())
        return (f"seeded {self.mentees:,} mentees, {self.mentors:,} mentors, {self.duos:,} active duos and "
                f"{self.completed_duos:,} completed, {self.sessions:,} sessions in {self.seconds:.0f}s "
                f"(events applied: {applied})")


def people(first: int, count: int, today: date, rng: random.Random) -> list[Person]:
    """Participants first..first+count-1: role by index, branch by weight, registered 45 to 700 days ago
    (those of an earlier, completed duo earlier still: see `duos`)."""
    names, weights = list(BRANCHES), list(BRANCHES.values())
    return [Person(i, "mentor" if i % MENTOR_EVERY == MENTOR_EVERY - 1 else "mentee",
                   rng.choices(names, weights)[0], today - timedelta(days=rng.randint(45, 700)))
            for i in range(first, first + count)]


@dataclass
class Duo:
    mentee: Person
    mentor: Person
    started_on: date
    ended_on: date | None  # None: active
    duo_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def sessions(self, today: date) -> list[date]:
        if self.ended_on is None:  # weekly, the last one at most 7 days ago: never at risk (14 days)
            return [self.started_on + timedelta(days=d) for d in range(2, (today - self.started_on).days, 7)]
        return [self.started_on + timedelta(days=d) for d in range(7, (self.ended_on - self.started_on).days, 28)]


def duos(batch: list[Person], today: date, rng: random.Random) -> list[Duo]:
    """About half of each branch's mentees in a duo: each mentor an active one, every second mentor an earlier
    completed one too. Registration days are moved before the duos they are in (and mentors trained in time)."""
    made: list[Duo] = []
    for branch in BRANCHES:
        mentees = [p for p in batch if p.branch == branch and p.role == "mentee"]
        mentors = [p for p in batch if p.branch == branch and p.role == "mentor"]
        wanted = min(len(mentees) // 2, len(mentors) + len(mentors) // 2)
        for k, mentee in enumerate(mentees[:wanted]):
            mentor = mentors[k % len(mentors)]
            if k < len(mentors):
                started = today - timedelta(days=rng.randint(5, 25))
                made.append(Duo(mentee, mentor, started, None))
            else:  # the mentor's first duo, six months long, ended 200 to 400 days ago: no follow-up due
                started = today - timedelta(days=rng.randint(390, 590))
                ended = add_months(started, 6)  # its planned end: followup refuses a completion before it
                made.append(Duo(mentee, mentor, started, ended))
                mentor.registered_on = min(mentor.registered_on, started - timedelta(days=rng.randint(20, 90)))
            # registered at least 20 days before the duo; a mentor is trained within 14 days of registering
            mentee.registered_on = min(mentee.registered_on, started - timedelta(days=rng.randint(20, 90)))
            mentor.registered_on = min(mentor.registered_on, started - timedelta(days=20))
    return made


class _Memo:
    """A branch read once per seed instead of once per registration: the seed changes no branch, and the
    answers are the Branch's own (`rules_on`, `rules_version`) as in `Branches`."""

    def __init__(self, branches) -> None:
        self.branches, self.known = branches, {}

    async def _branch(self, name: str):
        if name not in self.known:
            self.known[name] = await self.branches.get(name)
        return self.known[name]

    async def for_registration(self, name: str, day: date):
        branch = await self._branch(name)
        branch.require_open_for_registration()
        return branch.rules_on(day)

    async def rules_of(self, name: str, version: int | None, registered_on: date):
        branch = await self._branch(name)
        return branch.rules_version(version) if version else branch.rules_on(registered_on)


def _set_path(document: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        document = document.setdefault(part, {})
    document[last] = value


def apply_update(document: dict[str, Any], update: dict[str, Any]) -> None:
    """The few update operators intake's use cases send ($set, $inc, $push, $unset), applied in memory."""
    for op, fields in update.items():
        for path, value in fields.items():
            if op == "$set":
                _set_path(document, path, value)
            elif op == "$inc":
                _set_path(document, path, _get_path(document, path, 0) + value)
            elif op == "$push":
                _get_path(document, path, None) or _set_path(document, path, [])
                _get_path(document, path, None).append(value)
            elif op == "$unset":
                *parents, last = path.split(".")
                parent = _get_path(document, ".".join(parents), None) if parents else document
                if parent is not None:
                    parent.pop(last, None)
            else:
                raise ValueError(f"the seed cannot apply {op}")


def _get_path(document: dict[str, Any], path: str, default: Any) -> Any:
    for part in path.split("."):
        if not isinstance(document, dict) or part not in document:
            return default
        document = document[part]
    return document


def held_records(repository_class):
    """Intake's repository with its records kept in memory: what intake's use cases decide, collected."""

    class HeldRecords(repository_class):
        def __init__(self, db) -> None:
            super().__init__(db)
            self.documents: dict[str, dict[str, Any]] = {}
            self.events: list[Envelope] = []

        async def add(self, document: dict[str, Any], *events: Envelope) -> None:
            # As stored once the relay has sent its events: an empty outbox.
            self.documents[document["_id"]] = {**document, "version": 1, **outbox.new_document_fields()}
            self.events.extend(events)

        async def get(self, branch: str, participant_id: str, role: str | None = None):
            return self.documents.get(participant_id)

        async def change(self, document: dict[str, Any], update: dict[str, Any], *events: Envelope) -> None:
            apply_update(self.documents[document["_id"]], {**update, "$inc": {**update.get("$inc", {}), "version": 1}})
            self.events.extend(events)
            return dict(self.documents[document["_id"]])  # as the repository: the record it became

        async def holding_keys(self, *args, **kwargs) -> list[dict[str, Any]]:
            return []  # every seeded person is someone else (index in the name and e-mail)

    return HeldRecords


async def register(db, batch: list[Person], tag: str) -> tuple[list[dict[str, Any]], list[Envelope]]:
    """Intake's records and events for the batch, decided by intake's own use cases (nothing written yet)."""
    from services.intake.adapters.branches import BranchRepository
    from services.intake.adapters.first_duos import FirstDuos
    from services.intake.adapters.participants import ParticipantRepository
    from services.intake.branch_use_cases import Branches
    from services.intake.domain.identity import IdentityHasher
    from services.intake.domain.applications import Language, MenteeApplication, MentorApplication
    from services.intake.settings import IntakeSettings
    from services.intake.use_cases import Contact, Intake

    records = held_records(ParticipantRepository)(db)
    day = {"today": date.today()}
    intake = Intake(records, FirstDuos(db), _Memo(Branches(BranchRepository(db))),
                    IdentityHasher(IntakeSettings().identity_key), lambda: day["today"])
    for person in batch:
        country, postcode, working = HOME[person.branch]
        day["today"] = person.registered_on
        contact = Contact(f"Seed{person.index}", f"{person.role.title()} {tag}",
                          f"seed-{tag}-{person.index}@bench.example", working)
        if person.role == "mentee":
            application = MenteeApplication(
                birth_date=_years_before(person.registered_on, 20 + person.index % 11), country=country,
                postcode=postcode, languages=(Language("ar", "native"), Language(working, "B1")),
                availability=frozenset({"mon-eve", "wed-pm", "sat-am"}), consent=True,
                target_sectors=("logistics",), education_level="secondary", employment_service_registered=True,
                migration_background="self", right_to_work=True)
            done = await intake.register_mentee(person.branch, application, contact, ["interview_practice"], SEED_BY)
        else:
            application = MentorApplication(
                birth_date=_years_before(person.registered_on, 55 + person.index % 15), country=country,
                postcode=postcode, languages=(Language(working, "native"),),
                availability=frozenset({"mon-eve", "wed-pm", "fri-am"}), consent=True,
                experience=(("logistics", 30),), volunteer=True)
            done = await intake.register_mentor(person.branch, application, contact, ["interview_practice"], SEED_BY)
        person.participant_id = done["_id"]
        if person.role == "mentor":  # the initial training, a module every other day
            for k, module in enumerate(TRAINING_MODULES):
                completed = person.registered_on + timedelta(days=2 * k)
                day["today"] = completed
                await intake.record_training(person.branch, person.participant_id, module, completed, SEED_BY)
    return list(records.documents.values()), records.events


def _years_before(day: date, years: int) -> date:
    return day - timedelta(days=round(365.25 * years) + 30)


def duo_events(duo: Duo, today: date) -> tuple[list[Envelope], list[Envelope]]:
    """What matching and followup decided for a duo: (its proposal, formation and sessions; its end)."""
    branch, subject = duo.mentee.branch, duo.duo_id
    at = lambda day: datetime.combine(day, time(10), tzinfo=timezone.utc)  # noqa: E731 - one line
    proposed_on = duo.started_on - timedelta(days=7)
    life = [new_envelope(DuoProposed(duo_id=subject, mentee_id=duo.mentee.participant_id,
                                     mentor_id=duo.mentor.participant_id, score=80.0,
                                     breakdown={"sector": 35.0, "language": 25.0, "availability": 20.0},
                                     reasons=["same sector", "a shared language"], proposed_on=proposed_on),
                         branch=branch, subject=subject, time=at(proposed_on)),
            new_envelope(DuoFormed(duo_id=subject, mentee_id=duo.mentee.participant_id,
                                   mentor_id=duo.mentor.participant_id, started_on=duo.started_on, score=80.0),
                         branch=branch, subject=subject, time=at(duo.started_on - timedelta(days=3)))]
    for n, held in enumerate(duo.sessions(today)):
        life.append(new_envelope(SessionLogged(duo_id=subject, session_id=f"seed-{n}", held_on=held, hours=2,
                                               logged_by=SEED_BY, logged_on=held),
                                 branch=branch, subject=subject, time=at(held)))
    end = []
    if duo.ended_on is not None:
        end.append(new_envelope(DuoEnded(duo_id=subject, mentee_id=duo.mentee.participant_id,
                                         mentor_id=duo.mentor.participant_id, ended_on=duo.ended_on, completed=True,
                                         reason="completed", mentee_returns_to_pool=False),
                                branch=branch, subject=subject, time=at(duo.ended_on)))
    return life, end


@dataclass
class SeedRecord:
    """An event as the consumer reads it from Kafka (what `EventConsumer.process` needs of a record)."""

    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]
    partition: int = 0
    offset: int = 0


def record(envelope: Envelope, prefix: str) -> SeedRecord:
    return SeedRecord(prefix + spec_for(envelope.type).topic, envelope.subject.encode(), envelope.to_bytes(),
                      [(k, v.encode()) for k, v in envelope.headers().items()])


async def apply(service: str, db, plan: RebuildPlan, envelopes: list[Envelope], prefix: str,
                topics_wanted: set[str] | None = None) -> int:
    """The envelopes through the handlers the service's rebuild subscribes, in order, in its lanes."""
    replay = Replay(service, bootstrap="", topic_prefix=prefix, lanes=plan.lanes or 16,
                    barrier_types=plan.barrier_types)
    plan.live(db, replay)
    plan.own(db, replay)
    def handled(envelope: Envelope) -> bool:
        topic = spec_for(envelope.type).topic
        subscription = replay.subscriptions.get(prefix + topic)
        return (topics_wanted is None or topic in topics_wanted) and subscription is not None \
            and envelope.type in subscription.handlers
    wanted = [record(e, prefix) for e in envelopes if handled(e)]

    async def feed() -> AsyncIterator[SeedRecord]:
        for r in wanted:
            yield r
    await replay._apply(feed(), Progress(total=len(wanted)))
    if plan.finish is not None:
        await plan.finish(db)
    if replay.skipped.reasons:
        raise RuntimeError(f"{service} refused {len(replay.skipped.reasons)} seeded events, e.g. "
                           f"{replay.skipped.reasons[:3]}")
    return len(wanted)


def plans() -> dict[str, tuple[RebuildPlan, set[str] | None]]:
    """Each service's rebuild plan, and the topics the seed feeds it (None: all it subscribes)."""
    from services.followup.rebuild import plan as followup_plan
    from services.followup.settings import FollowupSettings
    from services.intake.rebuild import PLAN as INTAKE
    from services.matching.rebuild import PLAN as MATCHING
    from services.notify.rebuild import plan as notify_plan
    from services.notify.settings import NotifySettings
    return {"intake": (INTAKE, None), "matching": (MATCHING, None),
            "followup": (followup_plan(FollowupSettings()), None),
            "notify": (notify_plan(NotifySettings()), {topics.PARTICIPANT_CONTACTS})}


async def seed(mongo_url: str, count: int, first: int = 0, *, prefix: str = "", seed_value: int = 17,
               tag: str | None = None, today: date | None = None,
               progress: Callable[[str], None] = lambda line: None) -> Seeded:
    """Participants first..first+count-1 of the programme, with their duos, into the running suite's databases
    (`duo_<service>` on `mongo_url`); `tag` keeps names and e-mails apart between runs on one store."""
    started = asyncio.get_running_loop().time()
    today = today or date.today()
    rng = random.Random(seed_value * 1_000_003 + first)
    tag = tag or uuid.uuid4().hex[:8]
    batch = people(first, count, today, rng)
    made = duos(batch, today, rng)
    # The store answers nothing else while it writes a chunk: a heartbeat waiting longer than the default
    # connect timeout (20 s) would mark it down and cancel the write in flight.
    client = AsyncMongoClient(mongo_url, tz_aware=True, connectTimeoutMS=120_000)
    done = Seeded(mentees=sum(p.role == "mentee" for p in batch), mentors=sum(p.role == "mentor" for p in batch),
                  duos=sum(d.ended_on is None for d in made), completed_duos=sum(d.ended_on is not None for d in made))
    try:
        documents, events = await register(client["duo_intake"], batch, tag)
        progress(f"    intake's use cases decided {len(documents):,} records in "
                 f"{asyncio.get_running_loop().time() - started:.0f}s")
        from services.intake.adapters.participants import ORDER
        from shared.paging import PAGE_KEY
        documents = [{**d, PAGE_KEY: ORDER.page_key(d)} for d in documents]  # as the repository writes them
        for start in range(0, len(documents), CHUNK):
            await client["duo_intake"]["participants"].insert_many(documents[start:start + CHUNK], ordered=False)
        lives, ends = [], []
        # The completed duos first, whole (their end included), then the active ones: each mentor's in order.
        for duo in sorted(made, key=lambda d: d.ended_on is None):
            life, end = duo_events(duo, today)
            lives.append(life)
            ends.append(end)
        completed = [e for life, end in zip(lives, ends) if end for e in life] + [e for end in ends for e in end]
        active = [e for life, end in zip(lives, ends) if not end for e in life]
        done.sessions = sum(e.type == "session-logged" for e in completed + active)
        history = events + completed + active
        # The four services side by side: the store works while the seed decodes and builds (two cores).
        async def one(service: str, plan: RebuildPlan, wanted: set[str] | None) -> None:
            began = asyncio.get_running_loop().time()
            done.applied[service] = await apply(service, client[f"duo_{service}"], plan, history, prefix, wanted)
            progress(f"    {service}: {done.applied[service]:,} events applied in "
                     f"{asyncio.get_running_loop().time() - began:.0f}s")
        await asyncio.gather(*(one(service, plan, wanted) for service, (plan, wanted) in plans().items()))
    finally:
        await client.close()
    done.seconds = asyncio.get_running_loop().time() - started
    return done
