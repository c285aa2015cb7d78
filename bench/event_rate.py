"""How fast events leave a service through the outbox, next to raw MongoDB-protocol writes and raw Kafka.

Run: uv run --no-sync python -m bench.event_rate [--events 1000]

On the project's own local Kafka and FerretDB (started here on free ports, data in a temp
directory), the same N session-logged envelopes (keyed by 50 duos) go through:
- raw store: insert_one of documents of the same size (FerretDB's own write rate, the baseline
  DESIGN.md asks for: SQLite allows one writer per database);
- raw store update: update_one by _id on those documents (what the relay pays per document:
  FerretDB v1 on SQLite scans the collection on every update, so this falls as it grows);
- outbox write: insert_with_events, the write a service makes (state and event in one document);
- relay: OutboxRelay.drain() publishing them with the suite's broker (idempotent, acks=all);
- raw Kafka, one by one: aiokafka's idempotent producer, send_and_wait per message, as the relay does;
- raw Kafka, pipelined: the same producer, all sends in flight at once (the upper bound).
"""
from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient

from infra.proc import free_port
from infra.stack import LocalStack
from shared.events import new_envelope
from shared.events.followup import SessionLogged
from shared.messaging import outbox
from shared.messaging.broker import make_broker
from shared.messaging.publishing import EventPublishers
from shared.messaging.relay import OutboxRelay
from shared.messaging.topics_admin import ensure_topics
from shared.settings import ServiceSettings
from shared.storage import insert_with_events

DUOS = 50


def envelopes(count: int):
    duos = [str(uuid.uuid4()) for _ in range(DUOS)]
    for i in range(count):
        duo = duos[i % DUOS]
        yield new_envelope(SessionLogged(duo_id=duo, session_id=str(i), held_on=date(2026, 11, 2), hours=2),
                           branch="brussels", subject=duo, correlation_id=uuid.uuid4().hex)


async def measure(bootstrap: str, mongo_url: str, count: int) -> list[tuple[str, float]]:
    events = list(envelopes(count))
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    settings = ServiceSettings(service_name="bench", kafka_bootstrap=bootstrap, mongo_url=mongo_url,
                               topic_prefix=prefix)
    await ensure_topics(bootstrap, 3, prefix)
    mongo = AsyncMongoClient(mongo_url)
    db = mongo[f"bench_{uuid.uuid4().hex[:6]}"]
    results = []

    async def timed(label: str, work) -> None:
        started = time.perf_counter()
        await work()
        results.append((label, count / (time.perf_counter() - started)))

    async def raw_store() -> None:
        for e in events:
            await db.raw.insert_one({"_id": str(e.id), "entry": outbox.entry(e)})  # the outbox's shape

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
    finally:
        await producer.stop()
        await broker.stop()
        await mongo.drop_database(db.name)
        await mongo.close()
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="duo-bench-") as tmp:
        stack = LocalStack(parts=("kafka", "mongo"), data_dir=Path(tmp), kafka_port=free_port(),
                           kafka_controller_port=free_port(), mongo_port=free_port(), progress=lambda line: None)
        with stack:
            results = asyncio.run(measure(stack.kafka_bootstrap, stack.mongo_url, args.events))
    print(f"{args.events} session-logged events, 50 keys, local Kafka 4.1.1 and FerretDB v1.24.2 (SQLite)")
    print(f"{'path':40} | {'events/s':>9}")
    print("-" * 52)
    for label, rate in results:
        print(f"{label:40} | {rate:9.0f}")


if __name__ == "__main__":
    main()
