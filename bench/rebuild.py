"""How fast a view is rebuilt from the log, next to the raw consume rate of the same topics and the
raw insert rate of the store, measured in the same run.

Run: uv run --no-sync python -m bench.rebuild [--events 100000] [--lanes 16]

On the project's own local Kafka and SecantusDB (started here on free ports, data in a temp
directory), a valid history is written straight to the topics with the suite's event classes
(no HTTP): per duo, the mentee's and mentor's registrations and the training (duo.participants),
duo-formed (duo.duos), eight sessions and the month-1 check-in (duo.duo-activity). Then:
- raw consume: aiokafka, every partition assigned, from offset 0 to the end, records counted;
- raw insert: insert_one of one document per event into a fresh collection, one by one, and with
  as many in flight as the rebuild has lanes;
- rebuild: `services.followup.rebuild` (followup's own handlers and its own events, through the
  time-ordered merge and the lanes, its duos held in memory and written in bulk) into a fresh database.
The target: the rebuild at least half as fast as the slower of raw consume and raw insert (the
better of the two insert figures).
"""
from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from infra.proc import free_port
from infra.stack import LocalStack
from shared.events import new_envelope, spec_for, topics
from shared.events.common import LanguageSkill, SectorExperience
from shared.events.followup import CheckInRecorded, SessionLogged
from shared.events.intake import MenteeRegistered, MentorRegistered, MentorTrained
from shared.events.matching import DuoFormed
from shared.messaging.topics_admin import ensure_topics
from shared.rebuild import rebuild
from services.followup.rebuild import plan
from services.followup.settings import FollowupSettings

PER_DUO = 13
SESSIONS = 8
START = date(2026, 1, 5)
TARGET = 0.5
TOPICS = (topics.PARTICIPANTS, topics.DUOS, topics.DUO_ACTIVITY)


def history(duos: int):
    """Envelopes of a valid programme, in the order they happened (each a microsecond after the last)."""
    clock = datetime(2026, 1, 1, tzinfo=timezone.utc)
    common = {"languages": [LanguageSkill(code="fr", level="B2")], "postcode_area": "BE-10",
              "availability": ["mon-eve"], "registered_on": START - timedelta(days=30)}

    def at(payload, subject: str):
        nonlocal clock
        clock += timedelta(microseconds=1)
        return new_envelope(payload, branch="brussels", subject=subject, time=clock, correlation_id="bench")

    for d in range(duos):
        mentee, mentor, duo = f"mentee-{d}", f"mentor-{d}", str(uuid.uuid4())
        yield at(MenteeRegistered(mentee_id=mentee, age_band="18-24", sectors=["logistics"],
                                  education_level="secondary", **common), mentee)
        yield at(MentorRegistered(mentor_id=mentor, age_band="60-64", max_active_duos=1,
                                  experience=[SectorExperience(sector="logistics", years=30)], **common), mentor)
        yield at(MentorTrained(mentor_id=mentor, completed_on=START - timedelta(days=10), modules=8), mentor)
        yield at(DuoFormed(duo_id=duo, mentee_id=mentee, mentor_id=mentor, started_on=START, score=80.0), duo)
        for s in range(SESSIONS):
            held = START + timedelta(days=4 * s)
            yield at(SessionLogged(duo_id=duo, session_id=f"s{s}", held_on=held, hours=2, logged_by="staff-1",
                                   logged_on=held), duo)
        yield at(CheckInRecorded(duo_id=duo, month=1, held_on=START + timedelta(days=31), on_track=True), duo)


async def write_history(bootstrap: str, prefix: str, duos: int) -> int:
    await ensure_topics(bootstrap, 3, prefix, names=topics.ALL)
    await leaders_elected(bootstrap, [prefix + t for t in TOPICS])
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20, max_batch_size=512 * 1024)
    await producer.start()
    written, pending = 0, []
    try:
        for envelope in history(duos):
            pending.append(await producer.send(prefix + spec_for(envelope.type).topic, value=envelope.to_bytes(),
                                               key=envelope.subject.encode(),
                                               headers=[(k, v.encode()) for k, v in envelope.headers().items()]))
            written += 1
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return written


async def leaders_elected(bootstrap: str, names: list[str]) -> None:
    """A new topic answers NotLeaderForPartition until its partitions have leaders: wait for them."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        for _ in range(120):
            described = await admin.describe_topics(names)
            if all(p["leader"] >= 0 for t in described for p in t["partitions"]) and len(described) == len(names):
                return
            await asyncio.sleep(0.5)
        raise RuntimeError("the bench's topics got no partition leaders")
    finally:
        await admin.close()


async def raw_consume(bootstrap: str, prefix: str) -> tuple[int, float]:
    # auto_offset_reset="earliest": with aiokafka 0.14.0's default ("latest"), seek_to_beginning after
    # end_offsets leaves the position at the end and nothing is read (shared/messaging/log_reader.py).
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest",
                              max_partition_fetch_bytes=8 * 1024 * 1024, fetch_max_bytes=32 * 1024 * 1024)
    await reader.start()
    try:
        partitions = [TopicPartition(prefix + t, p) for t in TOPICS for p in range(3)]
        reader.assign(partitions)
        ends = await reader.end_offsets(partitions)
        began, count = time.perf_counter(), 0
        await reader.seek_to_beginning(*partitions)
        while count < sum(ends.values()):
            for records in (await reader.getmany(timeout_ms=500, max_records=5000)).values():
                count += len(records)
        return count, count / (time.perf_counter() - began)
    finally:
        await reader.stop()


async def raw_insert(mongo_url: str, db: str, count: int, in_flight: int) -> float:
    mongo = AsyncMongoClient(mongo_url, tz_aware=True)
    collection = mongo[db][f"raw_{in_flight}"]
    documents = iter(range(count))

    async def writer() -> None:
        for i in documents:
            await collection.insert_one({"_id": f"doc-{i}", "branch": "brussels", "status": "active",
                                         "applied_events": [str(uuid.uuid4())]})
    try:
        began = time.perf_counter()
        await asyncio.gather(*(writer() for _ in range(in_flight)))
        return count / (time.perf_counter() - began)
    finally:
        await mongo.drop_database(db)
        await mongo.close()


async def measure(bootstrap: str, mongo_url: str, events: int, lanes: int) -> dict[str, float]:
    prefix = f"b{uuid.uuid4().hex[:6]}."
    duos = -(-events // PER_DUO)
    print(f"writing {duos * PER_DUO:,} events", flush=True)
    written = await write_history(bootstrap, prefix, duos)
    consumed, consume_rate = await raw_consume(bootstrap, prefix)
    assert consumed == written, (consumed, written)
    insert_one = await raw_insert(mongo_url, "bench_raw", min(written, 5_000), 1)
    insert_lanes = await raw_insert(mongo_url, "bench_raw", min(written, 5_000), lanes)
    settings = FollowupSettings(kafka_bootstrap=bootstrap, mongo_url=mongo_url, topic_prefix=prefix,
                                mongo_db="bench_followup")
    began = time.perf_counter()
    replay, progress = await rebuild(settings, plan(settings), "bench_followup_rebuilt", lanes=lanes,
                                     report=lambda p: print("  " + p.line(), flush=True))
    seconds = time.perf_counter() - began
    mongo = AsyncMongoClient(mongo_url)
    duos_rebuilt = await mongo["bench_followup_rebuilt"]["duos"].count_documents({"check_ins.month": 1})
    await mongo.close()
    assert progress.read == written and duos_rebuilt == duos and not replay.skipped.reasons
    return {"events": written, "duos": duos, "consume": consume_rate, "insert_one": insert_one,
            "insert_lanes": insert_lanes, "rebuild": written / seconds}


def report(r: dict[str, float], lanes: int) -> None:
    # The store's raw insert rate is the better of its two ways of inserting: the stricter yardstick.
    slower = min(r["consume"], max(r["insert_one"], r["insert_lanes"]))
    print(f"\n{r['events']:,.0f} events ({r['duos']:,.0f} duos) on 3 topics x 3 partitions, followup's view")
    print(f"  raw consume (aiokafka, assigned, from offset 0)     {r['consume']:>10,.0f} events/s")
    print(f"  raw insert, insert_one one at a time                {r['insert_one']:>10,.0f} documents/s")
    print(f"  raw insert, insert_one {lanes:>2} in flight                {r['insert_lanes']:>10,.0f} documents/s")
    print(f"  rebuild (followup's handlers, {lanes} lanes)            {r['rebuild']:>10,.0f} events/s")
    verdict = "met" if r["rebuild"] >= TARGET * slower else "NOT met"
    print(f"  target: half the slower raw rate ({slower:,.0f}/s) = {TARGET * slower:,.0f}/s: {verdict} "
          f"({r['rebuild'] / slower:.0%} of it)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--lanes", type=int, default=16)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="duo-bench-") as tmp:
        stack = LocalStack(parts=("kafka", "mongo"), data_dir=Path(tmp), kafka_port=free_port(),
                           kafka_controller_port=free_port(), mongo_port=free_port(), progress=lambda line: None)
        with stack:
            results = asyncio.run(measure(stack.kafka_bootstrap, stack.mongo_url, args.events, args.lanes))
    report(results, args.lanes)


if __name__ == "__main__":
    main()
