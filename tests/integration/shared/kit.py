"""What the messaging fault tests share: isolated settings, a writer of evented changes, a view
that applies events once, an outside reader of whole topics, and the count report."""
from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from shared.events import Envelope, new_envelope, topics
from shared.events.followup import SessionLogged
from shared.messaging import outbox
from shared.messaging.idempotency import apply_once
from shared.settings import ServiceSettings
from shared.storage import change_with_events, insert_with_events

REPO = Path(__file__).resolve().parents[3]
EVENT = "session-logged"
TOPIC = topics.DUO_ACTIVITY  # where session-logged travels, keyed by duo id
COLLECTION = "duos"
VIEW = "sessions_per_duo"


def new_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}."


def make_settings(kafka_bootstrap: str, mongo_url: str, db: str, prefix: str, service: str = "probe",
                  **overrides: Any) -> ServiceSettings:
    return ServiceSettings(service_name=service, kafka_bootstrap=kafka_bootstrap, mongo_url=mongo_url,
                           mongo_db=db, topic_prefix=prefix, topic_partitions=3,
                           outbox_poll_seconds=0.2, outbox_grace_seconds=2.0, **overrides)


def settings_env(settings: ServiceSettings) -> dict[str, str]:
    """The same settings as DUO_* variables, for a worker subprocess."""
    return {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1",
            "DUO_SERVICE_NAME": settings.service_name, "DUO_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
            "DUO_MONGO_URL": settings.mongo_url, "DUO_MONGO_DB": settings.mongo_db,
            "DUO_TOPIC_PREFIX": settings.topic_prefix, "DUO_TOPIC_PARTITIONS": str(settings.topic_partitions),
            "DUO_OUTBOX_POLL_SECONDS": str(settings.outbox_poll_seconds),
            "DUO_OUTBOX_GRACE_SECONDS": str(settings.outbox_grace_seconds),
            "DUO_HANDLER_ATTEMPTS": str(settings.handler_attempts)}


def session_event(duo: str, number: int, correlation_id: str = "fault-test") -> Envelope:
    payload = SessionLogged(duo_id=duo, session_id=f"{duo}/s{number:04d}", held_on=date(2025, 3, 20), hours=1.0)
    return new_envelope(payload, branch="brussels", subject=duo, correlation_id=correlation_id)


def session_number(envelope: Envelope) -> int:
    return int(envelope.data["session_id"].rsplit("/s", 1)[1])


@dataclass
class DuoWriter:
    """Writes like a service: each change of a duo document carries its session-logged event."""

    collection: Any
    versions: dict[str, int] = field(default_factory=dict)
    sessions: Counter = field(default_factory=Counter)
    sent: list[Envelope] = field(default_factory=list)

    async def log_session(self, duo: str) -> Envelope:
        self.sessions[duo] += 1
        event = session_event(duo, self.sessions[duo])
        if duo not in self.versions:
            await insert_with_events(self.collection, {"_id": duo, "sessions": 1}, event)
            self.versions[duo] = 1
        else:
            await change_with_events(self.collection, {"_id": duo, "version": self.versions[duo]},
                                     {"$inc": {"sessions": 1}}, event)
            self.versions[duo] += 1
        self.sent.append(event)
        return event


async def seed_outbox(collection, duos: int, per_duo: int) -> list[Envelope]:
    """`duos` documents each holding `per_duo` waiting events (inserted in one write per duo)."""
    sent: list[Envelope] = []
    documents = []
    for d in range(duos):
        duo = f"duo-{d:03d}"
        events = [session_event(duo, n) for n in range(1, per_duo + 1)]
        # Written by no living process: as after a crash, the first relay to look takes them over.
        documents.append({"_id": duo, "version": 1, **outbox.orphaned(outbox.new_document_fields(*events))})
        sent.extend(events)
    await collection.insert_many(documents)
    return sent


async def backlog(collection) -> int:
    waiting = 0
    async for doc in collection.find({outbox.PENDING: True}, {outbox.FIELD: 1}):
        waiting += len(doc.get(outbox.FIELD, []))
    return waiting


async def apply_session(view, envelope: Envelope, payload: SessionLogged) -> bool:
    """The view every consumer test keeps: per duo, how many sessions and in which order."""
    return await apply_once(view, envelope.subject, str(envelope.id),
                            {"$inc": {"applied": 1}, "$push": {"sessions": payload.session_id}})


async def view_counts(view) -> dict[str, dict]:
    return {doc["_id"]: doc async for doc in view.find({})}


async def publish_envelopes(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes, list]]) -> list:
    """Put raw (key, value, headers) records on a topic, as another service's producer would;
    returns each record's metadata (partition, offset)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        return [await producer.send_and_wait(topic, value=value, key=key, headers=headers)
                for key, value, headers in messages]
    finally:
        await producer.stop()


def record_of(envelope: Envelope) -> tuple[bytes, bytes, list]:
    return (envelope.subject.encode(), envelope.to_bytes(),
            [(k, v.encode()) for k, v in envelope.headers().items()])


async def read_to_end(bootstrap: str, topic: str, timeout: float = 60.0) -> list:
    """Every record now on `topic`, from the first offset to the end offsets seen at the start."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not partitions:
            partitions = consumer.partitions_for_topic(topic)
            if not partitions:
                if loop.time() > deadline:
                    raise AssertionError(f"topic {topic} does not exist")
                await consumer._client.force_metadata_update()
                await asyncio.sleep(0.2)
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        ends = await consumer.end_offsets(assigned)
        records = []
        while [tp for tp in assigned if await consumer.position(tp) < ends[tp]]:
            if loop.time() > deadline:
                raise AssertionError(f"could not read {topic} to its end within {timeout}s")
            batch = await consumer.getmany(*assigned, timeout_ms=500)
            for tp_records in batch.values():
                records.extend(r for r in tp_records if r.offset < ends[TopicPartition(r.topic, r.partition)])
        return records
    finally:
        await consumer.stop()


@dataclass
class Tally:
    """sent / received / duplicates / lost by event id, and per-key order, from topic records."""

    sent: int
    received: int
    distinct: int
    duplicates: int
    lost: int
    strangers: int
    out_of_order_keys: list[str]
    duplicate_ids: list[str]

    def line(self, label: str, **more: Any) -> str:
        extra = "".join(f" {k}={v}" for k, v in more.items())
        return (f"[{label}] sent={self.sent} received={self.received} distinct={self.distinct} "
                f"duplicates={self.duplicates} lost={self.lost} strangers={self.strangers} "
                f"out_of_order_keys={len(self.out_of_order_keys)}{extra}")


def tally(sent: list[Envelope], records: list) -> Tally:
    sent_ids = {str(e.id) for e in sent}
    sent_bytes = {str(e.id): e.to_bytes() for e in sent}
    received = [Envelope.from_bytes(r.value) for r in records if r.value is not None]
    counts = Counter(str(e.id) for e in received)
    duplicates = sum(n - 1 for n in counts.values())
    # A duplicate must be a redelivery of the very same event: same bytes as the one decided.
    for record in records:
        envelope = Envelope.from_bytes(record.value)
        if str(envelope.id) in sent_bytes:
            assert record.value == sent_bytes[str(envelope.id)], f"event {envelope.id} changed on the way"
            assert record.key == envelope.subject.encode(), f"event {envelope.id} has the wrong key"
    # Order per key: first deliveries of each key's events must come in the order they were written.
    first_seen: dict[str, list[int]] = defaultdict(list)
    seen: set[str] = set()
    for record in records_sorted(records):
        envelope = Envelope.from_bytes(record.value)
        if str(envelope.id) in seen:
            continue
        seen.add(str(envelope.id))
        first_seen[envelope.subject].append(session_number(envelope))
    out_of_order = sorted(k for k, numbers in first_seen.items() if numbers != sorted(numbers))
    return Tally(sent=len(sent), received=len(received), distinct=len(set(counts) & sent_ids),
                 duplicates=duplicates, lost=len(sent_ids - set(counts)), strangers=len(set(counts) - sent_ids),
                 out_of_order_keys=out_of_order,
                 duplicate_ids=sorted(i for i, n in counts.items() if n > 1))


def records_sorted(records: list) -> list:
    """Per partition in offset order (a key lives in one partition, so this is its order)."""
    return sorted(records, key=lambda r: (r.partition, r.offset))


def python() -> str:
    return sys.executable


class ViewConsumer:
    """A consuming service reduced to one view: session-logged events applied once per duo.

    `trouble(envelope, attempt)` runs before each application and may raise to fail it."""

    def __init__(self, settings: ServiceSettings, trouble=None) -> None:
        from shared.runtime import ServiceRuntime

        self.runtime = ServiceRuntime(settings, publishes=[], outbox_collections=[])
        self.view = self.runtime.db[VIEW]
        self.trouble = trouble
        self.attempts: Counter = Counter()  # by event id: how often the handler was called
        self.applied: list[str] = []  # event ids, in the order they took effect
        self.repeats: list[str] = []  # event ids delivered again and changing nothing
        self.runtime.consumer.subscribe(TOPIC, {EVENT: self.handle})

    async def handle(self, envelope: Envelope, payload: SessionLogged) -> None:
        event_id = str(envelope.id)
        self.attempts[event_id] += 1
        if self.trouble is not None:
            await self.trouble(envelope, self.attempts[event_id])
        if await apply_session(self.view, envelope, payload):
            self.applied.append(event_id)
        else:
            self.repeats.append(event_id)

    @property
    def calls(self) -> int:
        return sum(self.attempts.values())

    async def start(self) -> None:
        await self.runtime.start()

    async def stop(self) -> None:
        await self.runtime.stop()


async def committed_offsets(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    """The group's committed offset per partition of `topic` (absent: nothing committed yet)."""
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.errors import (CoordinatorLoadInProgressError, GroupCoordinatorNotAvailableError,
                                 NotCoordinatorError)

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    except (GroupCoordinatorNotAvailableError, CoordinatorLoadInProgressError, NotCoordinatorError):
        return {}  # the group's coordinator is not ready yet: nothing known to be committed
    finally:
        await admin.close()
    return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset >= 0}


async def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
    finally:
        await consumer.stop()
    return {tp.partition: offset for tp, offset in ends.items()}


async def all_committed(bootstrap: str, group: str, topic: str) -> bool:
    """True once the group committed every partition of `topic` up to its end."""
    ends = await end_offsets(bootstrap, topic)
    committed = await committed_offsets(bootstrap, group, topic)
    return bool(ends) and all(committed.get(p, 0) >= end for p, end in ends.items() if end > 0)


def check_view(docs: dict[str, dict], sent: list[Envelope]) -> tuple[int, list[str]]:
    """(events counted in the view, duos whose sessions are missing, doubled or out of order)."""
    expected: dict[str, list[str]] = defaultdict(list)
    for envelope in sent:
        expected[envelope.subject].append(envelope.data["session_id"])
    wrong = sorted(duo for duo, sessions in expected.items()
                   if docs.get(duo, {}).get("sessions") != sessions
                   or docs.get(duo, {}).get("applied") != len(sessions))
    return sum(doc.get("applied", 0) for doc in docs.values()), wrong
