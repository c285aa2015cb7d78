"""`python -m services.<name>.rebuild`: a service's view rebuilt from the log, offline, into a fresh database.

Offline, with the service stopped, and switched over by the database setting (`DUO_MONGO_DB`),
which the service reads at start (README, "Rebuilding a view"):
1. the service's collections and indexes are created in a new database, never the live one;
2. every topic the service reads (and its own, for the decisions it took) is replayed through
   its own handlers from offset 0 to the end offsets taken at the start;
3. the service's consumer group is set to those end offsets, so when the service starts on the
   new database it goes on from exactly where the rebuilt view stops: nothing missed, nothing twice.
The old database stays as it was, to go back to. Step 3 needs the group to be empty: Kafka
refuses a commit from outside a group with live members, and so does this command, first.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Awaitable, Callable

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from shared.messaging.replay import Progress, Replay
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings

Wire = Callable[[object, Replay], None]  # (database, replay): subscribes handlers writing to that database


@dataclass(frozen=True)
class RebuildPlan:
    """What a service rebuilds: its live subscriptions, the replay of its own decisions, its runtime."""

    build_runtime: Callable[[ServiceSettings], ServiceRuntime]
    live: Wire  # the very subscriptions the running service makes (bootstrap)
    own: Wire  # its own events, applied as the use cases applied them when they were decided
    barrier_types: frozenset[str] = frozenset()  # events whose handlers reach beyond their own subject
    lanes: int | None = None  # fixed by the plan when subjects of events and documents differ
    finish: Callable[[object], Awaitable[None]] | None = None  # once every event is applied (database)


class GroupBusy(RuntimeError):
    """The service's consumer group has members: it is running, and an offline rebuild would race it."""


def fresh_name(settings: ServiceSettings) -> str:
    return f"{settings.mongo_db}_r{datetime.now(timezone.utc):%Y%m%d%H%M%S}"


async def rebuild(settings: ServiceSettings, plan: RebuildPlan, into: str, *, lanes: int = 16,
                  report: Callable[[Progress], None] = lambda p: None) -> tuple[Replay, Progress]:
    """Replay the log into the database `into` (which must hold nothing yet)."""
    target = settings.model_copy(update={"mongo_db": into})
    runtime = plan.build_runtime(target)
    try:
        if await runtime.db.list_collection_names():
            raise ValueError(f"database {into!r} is not empty: a rebuild writes into a fresh one")
        await runtime._prepare_database()
        replay = Replay(settings.service_name, settings.kafka_bootstrap, settings.topic_prefix,
                        lanes=plan.lanes or lanes,
                        barrier_types=plan.barrier_types)
        plan.live(runtime.db, replay)
        replay.live_topics = set(replay.subscriptions)
        plan.own(runtime.db, replay)
        progress = await replay.run(report)
        if plan.finish is not None:
            await plan.finish(runtime.db)
        return replay, progress
    finally:
        await runtime.mongo.close()


def group_of(settings: ServiceSettings) -> str:
    return f"{settings.topic_prefix}duo-{settings.service_name}"


async def require_stopped(settings: ServiceSettings) -> None:
    """Refuse while the service runs: its consumer group has members."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        described = await admin.describe_consumer_groups([group_of(settings)])
    finally:
        await admin.close()
    # DescribeGroups answers (error, group, state, protocol type, protocol, members) per group.
    members = [member for response in described for info in response.groups for member in info[5]]
    if members:
        raise GroupBusy(f"consumer group {group_of(settings)} has {len(members)} members: stop the service first")


async def hand_over(settings: ServiceSettings, replay: Replay) -> None:
    """Set the service's consumer group to where the rebuilt view stops (only the topics it reads live)."""
    await require_stopped(settings)
    offsets = {tp: end for tp, end in replay.end_offsets.items() if tp.topic in replay.live_topics}
    committer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=group_of(settings),
                                 enable_auto_commit=False)
    await committer.start()
    try:
        committer.assign(list(offsets))
        await committer.commit(offsets)
    finally:
        await committer.stop()


def terminal_report(progress: Progress) -> None:
    print(progress.line(), file=sys.stderr, flush=True)


def main(settings: ServiceSettings, plan: RebuildPlan, argv: list[str] | None = None,
         after: Callable[[str], Awaitable[str]] | None = None) -> None:
    """`after(into)`, when given, switches over itself (intake) and says how."""
    parser = argparse.ArgumentParser(description=f"Rebuild the {settings.service_name} view from the event log, "
                                                 "offline, into a fresh database.")
    parser.add_argument("--into", help="the new database (default: the current name with a time stamp)")
    parser.add_argument("--lanes", type=int, default=16, help="subjects applied side by side")
    parser.add_argument("--no-hand-over", action="store_true",
                        help="leave the consumer group's offsets alone (to inspect or compare a rebuild)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    into = args.into or fresh_name(settings)

    async def run() -> None:
        if not args.no_hand_over:
            await require_stopped(settings)
        replay, progress = await rebuild(settings, plan, into, lanes=args.lanes, report=terminal_report)
        if replay.skipped.reasons:
            print(f"{len(replay.skipped.reasons)} records skipped (already dead-lettered live):", file=sys.stderr)
            for reason in replay.skipped.reasons[:20]:
                print(f"  {reason}", file=sys.stderr)
        print(f"{settings.service_name}: {progress.read:,} events replayed into {into} "
              f"({progress.rate:,.0f} events/s).")
        if args.no_hand_over:
            return
        switched = (f"Start the service with DUO_MONGO_DB={into}; the old database {settings.mongo_db} "
                    "is left as it was.") if after is None else await after(into)
        await hand_over(settings, replay)
        print(f"Consumer group set to the end of the replay. {switched}")

    asyncio.run(run())
