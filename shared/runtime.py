"""What every service runs besides its routes: database, broker, outbox relay, consumers.

Before a process serves, its collections and indexes exist: creating them while writes
arrive is a race best avoided on any MongoDB (and one that hung SecantusDB, README). Kafka may
be down when a service starts: the HTTP API comes up anyway (readiness says not ready),
changes are accepted into the outbox, and the broker keeps trying to connect.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

from faststream.specification import AsyncAPI
from pymongo import ASCENDING, AsyncMongoClient, IndexModel
from pymongo.errors import CollectionInvalid

from shared.messaging import outbox
from shared.messaging.broker import make_broker
from shared.messaging.consumer import EventConsumer
from shared.messaging.dead_letters import DeadLetters
from shared.messaging.publishing import EventPublishers
from shared.messaging.relay import OutboxRelay
from shared.messaging.retention import Retention
from shared.messaging.topics_admin import ensure_topics
from shared.observability import store_commands
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)


class ServiceRuntime:
    def __init__(self, settings: ServiceSettings, *, publishes: list[str], outbox_collections: list[str],
                 collections: dict[str, list[IndexModel]] | None = None) -> None:
        self.settings = settings
        self.mongo = AsyncMongoClient(settings.mongo_url, serverSelectionTimeoutMS=5000, tz_aware=True,
                                      event_listeners=store_commands.listeners(settings.service_name))
        self.db = self.mongo[settings.mongo_db]
        self.broker = make_broker(settings)
        self.publishers = EventPublishers(self.broker, publishes, settings.topic_prefix)
        self.dead_letters = DeadLetters(settings.service_name, self.broker, settings.topic_prefix)
        self.relay = OutboxRelay(settings.service_name, self.db, outbox_collections,
                                 self.publishers.send, settings.outbox_poll_seconds, settings.outbox_batch,
                                 settings.outbox_grace_seconds, settings.outbox_linger_ms / 1000)
        self.consumer = EventConsumer(settings.service_name, self.broker, self.dead_letters,
                                      attempts=settings.handler_attempts, topic_prefix=settings.topic_prefix)
        self.outbox_collections = outbox_collections
        # Every collection the service writes, with its indexes; outbox collections also get theirs.
        self.collections = {name: list(indexes) for name, indexes in (collections or {}).items()}
        for name in outbox_collections:
            self.collections.setdefault(name, []).extend(
                IndexModel([(field, ASCENDING)]) for field in (outbox.PENDING, outbox.OWNER, outbox.SINCE))
        self.kafka_connected = asyncio.Event()
        self._connecting: asyncio.Task | None = None
        self._periodic: list[tuple[str, float, Callable[[], Awaitable[object]]]] = []
        self._at_start: list[tuple[str, Callable[[], Awaitable[object]]]] = []
        self._tasks: list[asyncio.Task] = []

    def every(self, name: str, seconds: float, job: Callable[[], Awaitable[object]]) -> None:
        """Run `job` every `seconds` while the service runs; a failure is logged and retried next time."""
        self._periodic.append((name, seconds, job))

    def at_start(self, name: str, job: Callable[[], Awaitable[object]]) -> None:
        """Run `job` once the collections exist and before the process serves (e.g. initial data)."""
        self._at_start.append((name, job))

    def asyncapi(self) -> AsyncAPI:
        return AsyncAPI(self.broker, title=f"DUO {self.settings.service_name} events",
                        version="1.0.0", description=f"Events the {self.settings.service_name} service "
                        "publishes and consumes; every message is the suite's envelope.")

    async def start(self) -> None:
        await self._prepare_database()
        for name, job in self._at_start:
            await _until_done(name, job)
        self._connecting = asyncio.create_task(self._connect(), name="connect-infrastructure")
        periodic = list(self._periodic)
        if self.outbox_collections:  # a dead process's events, taken over by this one's relay
            periodic.append(("outbox-take-over", self.settings.outbox_grace_seconds / 2, self.relay.take_over))
        self._tasks = [asyncio.create_task(self._repeat(*job), name=job[0]) for job in periodic]

    async def _repeat(self, name: str, seconds: float, job: Callable[[], Awaitable[object]]) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("periodic job failed; it runs again next time",
                            extra={"job": name, "error": type(error).__name__})

    async def _prepare_database(self) -> None:
        """Create the collections and indexes, waiting for the database if it is not up yet."""
        async def create() -> None:
            existing = set(await self.db.list_collection_names())
            for name, indexes in self.collections.items():
                if name not in existing:
                    try:
                        await self.db.create_collection(name)
                    except CollectionInvalid:  # another process of this service made it first
                        pass
                if indexes:
                    await self.db[name].create_indexes(indexes)

        await _until_done("the database", create)

    async def _connect(self) -> None:
        async def connect() -> None:
            await ensure_topics(self.settings.kafka_bootstrap, self.settings.topic_partitions,
                                self.settings.topic_prefix, retention=Retention.from_settings(self.settings))
            await self.broker.start()

        async def reset() -> None:
            try:
                await self.broker.stop()
            except Exception:
                pass

        await _until_done("Kafka", connect, after_failure=reset)
        self.kafka_connected.set()
        self.relay.start()
        log.info("connected to Kafka")

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._connecting and not self._connecting.done():
            self._connecting.cancel()
            try:
                await self._connecting
            except (asyncio.CancelledError, Exception):
                pass
        await self.relay.stop()
        try:
            await self.broker.stop()
        except Exception:
            log.warning("broker did not stop cleanly")
        await self.mongo.close()

    async def database_ready(self) -> bool:
        await self.db.command("ping")
        return True

    async def kafka_ready(self) -> bool:
        return self.kafka_connected.is_set() and await self.broker.ping(timeout=2.0)


async def _until_done(what: str, attempt: Callable[[], Awaitable[None]],
                      after_failure: Callable[[], Awaitable[None]] | None = None) -> None:
    """Try until it works, waiting 0.5 s, then twice as long each time, at most 10 s."""
    wait = 0.5
    while True:
        try:
            return await attempt()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning(f"{what} is not reachable yet; retrying",
                        extra={"error": type(error).__name__, "retry_in_s": wait})
            if after_failure is not None:
                await after_failure()
            await asyncio.sleep(wait)
            wait = min(wait * 2, 10.0)
