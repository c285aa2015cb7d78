"""How fast events leave a service through the outbox and reach a consumer's view, next to the raw store and raw Kafka.

Run: uv run --no-sync python -m bench.event_rate [--events 1000] [--sizes 1000,10000,50000] [--durable]

On the project's own local Kafka and SecantusDB (started here on free ports, data in a temp
directory), the same N session-logged envelopes (keyed by 50 duos) go through:
- raw store: insert_one of documents of the outbox's shape, one by one (the baseline);
- raw store update: update_one by _id on those documents, one by one (the relay's baseline:
  the target is a relay at least half as fast as this);
- outbox write: insert_with_events, the write a service makes (state and event in one document);
- relay: OutboxRelay.drain(): claims batches, sends them pipelined with the suite's broker
  (idempotent, acks=all), removes the acknowledged events by id;
- raw Kafka, one by one: aiokafka's idempotent producer, send_and_wait per message;
- raw Kafka, pipelined: the same producer, all sends in flight at once (the upper bound);
- consumer: the suite's EventConsumer applying each event once (apply_once) into a view, from
  the first applied event to the last (the group's start-up is not counted).
Then the cost of one update_one by _id (median of 200) in collections of 1k, 10k and 50k
documents: it must stay flat (an index lookup, not a scan).
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient

from infra.proc import free_port
from infra.stack import LocalStack
from infra.store import store_version
from shared.events import new_envelope
from shared.events.followup import SessionLogged
from shared.messaging import outbox
from shared.messaging.broker import make_broker
from shared.messaging.publishing import EventPublishers
from shared.messaging.relay import OutboxRelay
from shared.messaging.topics_admin import ensure_topics
from shared.settings import ServiceSettings
from shared.storage import insert_with_events
from tests.integration.shared.kit import ViewConsumer, make_settings

DUOS = 50
UPDATES_PER_SIZE = 200
RELAY_TARGET = 0.5  # of the store's raw update rate


def envelopes(count: int):
    duos = [str(uuid.uuid4()) for _ in range(DUOS)]
    for i in range(count):
        duo = duos[i % DUOS]
        yield new_envelope(SessionLogged(duo_id=duo, session_id=f"{duo}/s{i:06d}", held_on=date(2026, 11, 2),
                                         hours=2),
                           branch="brussels", subject=duo, correlation_id=uuid.uuid4().hex)


class TimedView(ViewConsumer):
    """The tests' one-view consumer, noting when each event took effect."""

    def __init__(self, settings: ServiceSettings) -> None:
        super().__init__(settings)
        self.applied_at: list[float] = []

    async def handle(self, envelope, payload) -> None:
        await super().handle(envelope, payload)
        self.applied_at.append(time.perf_counter())


async def consume_all(bootstrap: str, mongo_url: str, db: str, prefix: str, count: int) -> float:
    """Events per second applied by the view, first to last; the events are already on the topic."""
    view = TimedView(make_settings(bootstrap, mongo_url, db, prefix, service="bench-view"))
    await view.start()
    try:
        deadline = time.monotonic() + 120
        while len(view.applied) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the view applied {len(view.applied)} of {count} events within 120 s")
            await asyncio.sleep(0.05)
    finally:
        await view.stop()
    assert not view.repeats, f"{len(view.repeats)} events applied twice"
    return (count - 1) / (view.applied_at[-1] - view.applied_at[0])


async def update_cost(db, sizes: list[int], template: dict) -> list[tuple[int, float]]:
    """Median ms of one update_one by _id as the collection grows to each size."""
    collection = db.sized
    rng = random.Random(8)
    results, present = [], 0
    for size in sizes:
        while present < size:
            chunk = min(1000, size - present)
            await collection.insert_many([{**template, "_id": f"d{present + i:07d}"} for i in range(chunk)])
            present += chunk
        times = []
        for _ in range(UPDATES_PER_SIZE):
            doc_id = f"d{rng.randrange(present):07d}"
            started = time.perf_counter()
            await collection.update_one({"_id": doc_id}, {"$inc": {"n": 1}})
            times.append((time.perf_counter() - started) * 1000)
        results.append((size, statistics.median(times)))
    return results


async def measure(bootstrap: str, mongo_url: str, count: int, sizes: list[int]):
    events = list(envelopes(count))
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    settings = ServiceSettings(service_name="bench", kafka_bootstrap=bootstrap, mongo_url=mongo_url,
                               topic_prefix=prefix)
    await ensure_topics(bootstrap, 3, prefix)
    mongo = AsyncMongoClient(mongo_url)
    db = mongo[f"bench_{uuid.uuid4().hex[:6]}"]
    results: dict[str, float] = {}

    async def timed(label: str, work) -> None:
        started = time.perf_counter()
        await work()
        results[label] = count / (time.perf_counter() - started)

    async def raw_store() -> None:
        for e in events:
            await db.raw.insert_one({"_id": str(e.id), "outbox": [outbox.entry(e)]})  # the outbox's shape

    async def raw_update() -> None:
        for e in events:
            await db.raw.update_one({"_id": str(e.id)}, {"$set": {"sent": True}})

    async def outbox_write() -> None:
        for e in events:
            await insert_with_events(db.sessions, {"_id": str(e.id)}, e)

    broker = make_broker(settings)
    await broker.start()
    publishers = EventPublishers(broker, ["session-logged"], prefix)
    relay = OutboxRelay("bench", db, ["sessions"], publishers.send)

    async def relay_drain() -> None:
        sent = await relay.drain()
        assert sent == count, f"relay sent {sent} of {count}"

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    topic = prefix + "raw"

    async def raw_kafka_each() -> None:
        for e in events:
            await producer.send_and_wait(topic, e.to_bytes(), key=e.subject.encode())

    async def raw_kafka_pipelined() -> None:
        futures = [await producer.send(topic, e.to_bytes(), key=e.subject.encode()) for e in events]
        await asyncio.gather(*futures)

    try:
        await timed("raw store: insert_one", raw_store)
        await timed("raw store: update_one by _id", raw_update)
        await timed("outbox write: insert_with_events", outbox_write)
        await timed("relay: publish and remove", relay_drain)
        await timed("raw Kafka: send_and_wait each", raw_kafka_each)
        await timed("raw Kafka: pipelined", raw_kafka_pipelined)
        results["consumer: EventConsumer + apply_once"] = await consume_all(
            bootstrap, mongo_url, f"{db.name}_view", prefix, count)
        costs = await update_cost(db, sizes, {"outbox": [outbox.entry(events[0])], "n": 0})
    finally:
        await producer.stop()
        await broker.stop()
        for name in (db.name, f"{db.name}_view"):
            await mongo.drop_database(name)
        await mongo.close()
    return results, costs


def report(count: int, durable: bool, results: dict[str, float], costs: list[tuple[int, float]]) -> None:
    mode = "sync on commit" if durable else "no sync on commit"
    print(f"{count} session-logged events, {DUOS} keys, local Kafka 4.1.1 and SecantusDB {store_version()} ({mode})")
    print(f"{'path':40} | {'events/s':>9}")
    print("-" * 52)
    for label, rate in results.items():
        print(f"{label:40} | {rate:9.0f}")
    relay, update = results["relay: publish and remove"], results["raw store: update_one by _id"]
    share = relay / update
    print(f"target: relay >= {RELAY_TARGET:.0%} of the raw update rate: {share:.0%} "
          f"({'met' if share >= RELAY_TARGET else 'NOT met'})")
    print()
    print(f"update_one by _id, median of {UPDATES_PER_SIZE} (must stay flat)")
    print(f"{'documents':>9} | {'ms':>6} | {'vs first':>8}")
    print("-" * 30)
    for size, ms in costs:
        print(f"{size:9} | {ms:6.2f} | {ms / costs[0][1]:7.2f}x")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--sizes", default="1000,10000,50000", help="collection sizes for the update cost")
    parser.add_argument("--durable", action="store_true", help="the store syncs every commit, as make run")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    with tempfile.TemporaryDirectory(prefix="duo-bench-") as tmp:
        stack = LocalStack(parts=("kafka", "mongo"), data_dir=Path(tmp), kafka_port=free_port(),
                           kafka_controller_port=free_port(), mongo_port=free_port(), durable_store=args.durable,
                           progress=lambda line: None)
        with stack:
            results, costs = asyncio.run(measure(stack.kafka_bootstrap, stack.mongo_url, args.events, sizes))
    report(args.events, args.durable, results, costs)


if __name__ == "__main__":
    main()
