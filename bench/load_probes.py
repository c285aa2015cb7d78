"""What bench.load watches while it offers registrations: the participants topic, matching's pool, CPU, and the
store commands the services log.

Each probe is read from outside the services: an aiokafka consumer of its own (no group),
a read of matching's pool collection by id (the pool's HTTP list is sorted by id and capped
at 500, so it cannot answer "is this one in yet"), and /proc CPU times per process.
"""
from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition

REGISTERED = {b"mentee-registered", b"mentor-registered"}
CHUNK = 500  # ids per pool query


class KafkaWatch:
    """Notes when each participant's registered event went on the topic (the record's timestamp)."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self.seen: dict[str, float] = {}  # participant id (the record key) -> epoch seconds
        self._task: asyncio.Task | None = None

    async def start(self, timeout: float = 30.0) -> None:
        await self.consumer.start()
        deadline = time.monotonic() + timeout
        while not (partitions := self.consumer.partitions_for_topic(self.topic)):
            if time.monotonic() > deadline:
                raise RuntimeError(f"topic {self.topic} does not exist after {timeout:.0f}s")
            await self.consumer._client.force_metadata_update()
            await asyncio.sleep(0.2)
        assigned = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        self.consumer.assign(assigned)
        await self.consumer.seek_to_end(*assigned)
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=200, max_records=2000)
            for records in batches.values():
                for record in records:
                    if record.key and dict(record.headers).get("event-type") in REGISTERED:
                        self.seen.setdefault(record.key.decode(), record.timestamp / 1000)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.consumer.stop()


class PoolProbe:
    """Which participants matching's pool holds now, read by id from its collection."""

    def __init__(self, collection) -> None:
        self.collection = collection

    async def present(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            found.update(d["_id"] for d in await self.collection.find({"_id": {"$in": chunk}}, {"_id": 1}).to_list())
        return found


class CpuMeter:
    """CPU seconds of named processes (and of the whole machine) between two readings."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, pids: dict[str, list[int]]) -> None:
        self.pids = pids

    @classmethod
    def _process(cls, pid: int) -> float:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0  # restarted or gone: its time is lost, not invented
        return (int(fields[11]) + int(fields[12])) / cls.TICK  # utime + stime

    @classmethod
    def _machine(cls) -> float:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:]]
        return (sum(ticks) - ticks[3] - ticks[4]) / cls.TICK  # all but idle and iowait

    def read(self) -> dict[str, float]:
        reading = {name: sum(self._process(p) for p in pids) for name, pids in self.pids.items()}
        reading["machine"] = self._machine()
        reading["wall"] = time.monotonic()
        return reading

    @staticmethod
    def shares(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        """Per name, the share of one core used between the readings; `others`: the rest of the machine."""
        wall = after["wall"] - before["wall"]
        used = {name: (after[name] - before[name]) / wall for name in before if name not in ("wall", "machine")}
        used["others"] = (after["machine"] - before["machine"]) / wall - sum(used.values())
        return used


async def store_ops(client) -> dict[str, int]:
    """The store's operation counters (serverStatus opcounters: insert, query, update, ...)."""
    return dict((await client.admin.command("serverStatus"))["opcounters"])


class StoreCommandLog:
    """Store commands the services sent, read from the JSON lines they write when DUO_STORE_COMMAND_LOG=<dir> is
    set (shared/observability/store_commands.py): `<dir>/<service>-<pid>.jsonl`, one line per command with keys
    service, pid, t, command, collection, filter, sender. Read as the files grow; a line still being written
    (no newline yet) waits for the next read."""

    def __init__(self, directory: Path, exclude_pids: Iterable[int] = ()) -> None:
        self.directory = Path(directory)
        self.exclude = set(exclude_pids)
        self.offsets: dict[Path, int] = {}
        self.commands: list[tuple[float, str]] = []  # (epoch seconds, service)
        self.unreadable = 0

    def _read(self) -> None:
        for path in sorted(self.directory.glob("*.jsonl")):
            with open(path, "rb") as f:
                f.seek(self.offsets.get(path, 0))
                data = f.read()
            complete = data[:data.rfind(b"\n") + 1]
            self.offsets[path] = self.offsets.get(path, 0) + len(complete)
            for line in complete.splitlines():
                try:
                    entry = json.loads(line)
                    if entry.get("pid") in self.exclude:
                        continue
                    self.commands.append((_epoch(entry["t"]), str(entry["service"])))
                except (ValueError, KeyError, TypeError):
                    self.unreadable += 1

    def between(self, start: float, end: float) -> Counter:
        """Commands per service whose time `t` falls in [start, end] (epoch seconds)."""
        self._read()
        return Counter(service for t, service in self.commands if start <= t <= end)


def _epoch(t) -> float:
    """`t` as epoch seconds, whether written as a number or as an ISO 8601 time (UTC when it names no zone)."""
    if isinstance(t, (int, float)) and not isinstance(t, bool):
        return float(t)
    moment = datetime.fromisoformat(str(t).replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()
