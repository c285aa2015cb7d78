"""A consumer is killed (SIGKILL) in the middle of a batch and started again with the same group:
every event is applied to its view exactly once and none is lost, because offsets are committed
only after the write and the write remembers the event ids it applied (docs/architecture.md)."""
from __future__ import annotations

import asyncio
import signal
import sys

import pytest

from shared.messaging.consumer import MAX_BATCH
from shared.messaging.topics_admin import ensure_topics
from tests.integration.shared.kit import (REPO, TOPIC, VIEW, all_committed, check_view, committed_offsets,
                                          make_settings, publish_envelopes, record_of, session_event,
                                          settings_env, view_counts)
from tests.suite import eventually

DUOS, PER_DUO = 30, 10  # 300 events
KILL_AFTER = 100  # events applied before the kill


class Worker:
    def __init__(self, env: dict[str, str], log_path) -> None:
        self.env, self.log_path = env, log_path
        self.lines: list[str] = []
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.integration.shared.consumer_worker", cwd=REPO, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=open(self.log_path, "ab"))
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while line := await self.process.stdout.readline():
            self.lines.append(line.decode().strip())

    def ids(self, word: str) -> list[str]:
        return [line.split()[1] for line in self.lines if line.startswith(word + " ")]

    async def wait_for(self, condition, what: str, timeout: float = 120) -> None:
        async def probe():
            if self.process.returncode is not None:
                raise RuntimeError(f"consumer exited ({self.process.returncode}):\n"
                                   f"{self.log_path.read_text()[-3000:]}")
            return condition(self)
        await eventually(probe, timeout=timeout, interval=0.02, what=what)

    async def end(self, sig: int) -> int:
        if self.process.returncode is None:
            self.process.send_signal(sig)
        code = await asyncio.wait_for(self.process.wait(), 60)
        await self._reader
        return code


async def settled_view_total(view) -> int:
    """Events counted in the view, once a write the killed process had already sent has landed."""
    async def total() -> int:
        return sum(doc.get("applied", 0) for doc in (await view_counts(view)).values())
    previous = await total()
    while True:
        await asyncio.sleep(0.5)
        current = await total()
        if current == previous:
            return current
        previous = current


@pytest.mark.parametrize("where", ["anywhere", "between-write-and-commit"])
async def test_consumer_killed_mid_batch_applies_every_event_exactly_once(
        kafka_bootstrap, mongo_url, mongo, fresh_db_name, prefix, tmp_path, where):
    settings = make_settings(kafka_bootstrap, mongo_url, fresh_db_name, prefix, service="consumerkill")
    group = f"{prefix}duo-consumerkill"
    topic = prefix + TOPIC
    view = mongo[fresh_db_name][VIEW]
    await ensure_topics(kafka_bootstrap, settings.topic_partitions, prefix)
    # Round after round, so every partition interleaves several duos.
    sent = [session_event(f"duo-{d:03d}", n) for n in range(1, PER_DUO + 1) for d in range(DUOS)]
    await publish_envelopes(kafka_bootstrap, topic, [record_of(e) for e in sent])
    env = settings_env(settings)
    hold = {"CONSUMER_WORKER_HOLD_AFTER": str(KILL_AFTER)} if where == "between-write-and-commit" else {}

    first = Worker({**env, **hold}, tmp_path / "consumer-1.log")
    await first.start()
    try:
        await first.wait_for(lambda w: len(w.ids("applied")) >= KILL_AFTER, "the first consumer to apply events")
    finally:
        killed_with = await first.end(signal.SIGKILL)
    assert killed_with == -signal.SIGKILL
    in_view_after_kill = await settled_view_total(view)
    committed_at_kill = sum((await committed_offsets(kafka_bootstrap, group, topic)).values())
    assert KILL_AFTER <= in_view_after_kill < len(sent), "the kill must fall in the middle of the batch"
    assert committed_at_kill <= in_view_after_kill, "an offset was committed before its write"
    if hold:
        # Offsets are committed per batch of records, after the batch's writes: the kill leaves at
        # least the held write, and at most one batch, written but not committed.
        assert 1 <= in_view_after_kill - committed_at_kill <= MAX_BATCH, "the kill must fall between write and commit"

    second = Worker(env, tmp_path / "consumer-2.log")
    await second.start()
    try:
        await second.wait_for(lambda w: len(w.ids("applied")) + in_view_after_kill >= len(sent),
                              "the second consumer to apply the rest", timeout=180)
        await eventually(lambda: all_committed(kafka_bootstrap, group, topic), timeout=60,
                         what="every offset to be committed")
    finally:
        await second.end(signal.SIGTERM)

    in_view, wrong_duos = check_view(await view_counts(view), sent)
    applied_ids = first.ids("applied") + second.ids("applied")
    repeats = second.ids("repeat")
    print(f"\n[consumer killed {where}] sent={len(sent)} applied_before_kill={len(first.ids('applied'))} "
          f"in_view_after_kill={in_view_after_kill} committed_at_kill={committed_at_kill} "
          f"applied_after_restart={len(second.ids('applied'))} redelivered_ignored={len(repeats)} "
          f"in_view={in_view} duplicates_applied={in_view - len(sent) if in_view > len(sent) else 0} "
          f"lost={len(sent) - in_view if in_view < len(sent) else 0} wrong_duos={len(wrong_duos)}")
    assert in_view == len(sent), "each event counted once in the view"
    assert wrong_duos == [], f"duos with sessions missing, doubled or out of order: {wrong_duos}"
    assert len(applied_ids) == len(set(applied_ids))
    # Applied before the kill but not committed yet: delivered again, and changed nothing.
    assert set(repeats) <= {str(e.id) for e in sent}
    assert len(repeats) == in_view_after_kill - committed_at_kill
