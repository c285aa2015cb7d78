"""An outside subscriber of the DUO suite: every topic from its earliest offset, each event validated.

It is what a CRM, a data warehouse or a funder's evaluator would start from, and it uses nothing of
the suite's code: plain aiokafka and jsonschema against the committed JSON Schemas (docs/events/schemas).

    python examples/subscriber/subscriber.py --bootstrap 127.0.0.1:9092 [--prefix ...] [--json]

It reads each topic up to the end it had when it started, then prints what it read: events per type,
tombstones, dead letters, duplicates (the same event id twice: delivery is at least once) and every
invalid record with its topic, partition, offset and reason. Exit status 1 if any record was invalid.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from jsonschema import Draft202012Validator, FormatChecker

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "events" / "schemas"
DEAD_LETTERS = "duo.dead-letters"  # operators' topic: parked messages, not events


def load_schemas(directory: Path) -> dict[tuple[str, int], Draft202012Validator]:
    """Validators by (event type, version), from files named <type>.v<version>.json."""
    validators = {}
    for path in sorted(directory.glob("*.v*.json")):
        schema = json.loads(path.read_text())
        event_type, version = path.name[:-len(".json")].rsplit(".v", 1)
        validators[(event_type, int(version))] = Draft202012Validator(schema, format_checker=FormatChecker())
    return validators


def topics_of(directory: Path) -> list[str]:
    """Every topic the catalog names (x-topic), and the dead letters."""
    named = {json.loads(p.read_text())["x-topic"] for p in directory.glob("*.v*.json")}
    return sorted(named | {DEAD_LETTERS})


class Report:
    def __init__(self) -> None:
        self.events: Counter[str] = Counter()
        self.per_topic: Counter[str] = Counter()
        self.tombstones = self.dead_letters = self.duplicates = 0
        self.invalid: list[dict] = []
        self.seen_ids: set[str] = set()

    def as_dict(self) -> dict:
        return {"read": sum(self.per_topic.values()), "per_topic": dict(self.per_topic),
                "events": dict(self.events), "tombstones": self.tombstones, "dead_letters": self.dead_letters,
                "duplicates": self.duplicates, "invalid": self.invalid}


def check(record, topic: str, validators, report: Report) -> None:
    report.per_topic[topic] += 1
    if topic == DEAD_LETTERS:
        report.dead_letters += 1
        return
    if record.value is None:  # a tombstone: "forget this key" on the compacted contacts topic
        report.tombstones += 1
        return

    def invalid(reason: str) -> None:
        report.invalid.append({"topic": record.topic, "partition": record.partition, "offset": record.offset,
                               "reason": reason})

    try:
        event = json.loads(record.value)
        key = (event["type"], event["version"])
    except (ValueError, TypeError, KeyError) as error:
        return invalid(f"not an envelope: {error}")
    validator = validators.get(key)
    if validator is None:
        return invalid(f"no schema for {key[0]} version {key[1]}")
    errors = sorted(validator.iter_errors(event), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        return invalid(f"{key[0]} v{key[1]}: {'/'.join(map(str, first.path)) or '(root)'}: {first.message}")
    headers = {k: v.decode() for k, v in record.headers or ()}
    if headers.get("event-type") != event["type"] or (record.key or b"").decode() != event["subject"]:
        return invalid("the event-type header or the key disagrees with the envelope")
    if event["id"] in report.seen_ids:  # at least once: a subscriber applies each id once
        report.duplicates += 1
    report.seen_ids.add(event["id"])
    report.events[event["type"]] += 1


async def existing_partitions(bootstrap: str, names: list[str]) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:  # only topics that exist: describing a missing one would have the broker create it
        existing = [n for n in names if n in set(await admin.list_topics())]
        described = await admin.describe_topics(existing) if existing else []
    finally:
        await admin.close()
    return [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]


async def subscribe(bootstrap: str, prefix: str, schemas: Path) -> Report:
    validators, report = load_schemas(schemas), Report()
    # "earliest" as well as the seek: aiokafka 0.14.0 can let its default reset ("latest") win over a seek.
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = await existing_partitions(bootstrap, [prefix + t for t in topics_of(schemas)])
        if not partitions:
            return report
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)  # the earliest offset: the whole history
        end = await consumer.end_offsets(partitions)
        left = {tp for tp in partitions if await consumer.position(tp) < end[tp]}
        while left:
            for tp, records in (await consumer.getmany(*left, timeout_ms=1000)).items():
                for record in records:
                    if record.offset < end[tp]:
                        check(record, tp.topic[len(prefix):], validators, report)
                if await consumer.position(tp) >= end[tp]:
                    left.discard(tp)
    finally:
        await consumer.stop()
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--prefix", default="", help="the suite's DUO_TOPIC_PREFIX, if it has one")
    parser.add_argument("--schemas", type=Path, default=SCHEMAS)
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    args = parser.parse_args()
    report = asyncio.run(subscribe(args.bootstrap, args.prefix, args.schemas)).as_dict()
    if args.json:
        print(json.dumps(report))
    else:
        print(f"read {report['read']} records: {report['per_topic']}")
        for event_type, count in sorted(report["events"].items()):
            print(f"  {event_type}: {count}")
        print(f"tombstones {report['tombstones']}, dead letters {report['dead_letters']}, "
              f"duplicates {report['duplicates']}, invalid {len(report['invalid'])}")
        for bad in report["invalid"]:
            print(f"  INVALID {bad['topic']}[{bad['partition']}]@{bad['offset']}: {bad['reason']}")
    return 1 if report["invalid"] else 0


if __name__ == "__main__":
    sys.exit(main())
