"""Session fixtures for the real infrastructure, started lazily: only when a test asks for them.

Where each part comes from (docs/development.md), decided per part when it is first needed:
1. DUO_TEST_KAFKA_BOOTSTRAP / DUO_TEST_MONGO_URL set: that Kafka / MongoDB is used as it is;
2. else, a Docker engine is reachable: testcontainers starts apache/kafka:4.1.1 / mongo:8.0;
3. else: the project's own local servers (infra/: Kafka from Maven Central, SecantusDB from
   uv.lock) on ports picked free at run time, data in a temporary directory.
DUO_TEST_INFRA=local or =docker forces 3 or 2. Nothing is ever skipped for missing
infrastructure: a part that cannot be had fails the test that asked for it, saying why.

Fixtures:
- kafka_bootstrap (session): "host:port"
- mongo_url (session): "mongodb://host:port"
- smtp_sink (session): the SMTP sink (always local): .host, .port, .maildir, .messages(to=None)
  -> list of parsed email messages, .wait_for(count, to=None, timeout=30)
- fresh_db_name (function): a database name no other test uses
- _no_store_scans (autouse): fails a test, at teardown, on a store command of a service that scans a
  whole collection on a request or event path (tests/store_scans.py; DUO_SCAN_CHECK=off: not checked)
- local_stack (session): the infra.stack.LocalStack with Kafka and the store running locally, for
  fault tests: local_stack.kafka.restart() / .stop() / .start() / .kill() / .wait_ready(), the
  same on local_stack.store. They block: from async tests use asyncio.to_thread(...).
  Fails if Kafka or MongoDB come from outside (environment or containers).
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, settings

from shared.observability import store_commands
from shared.observability.logging import RepeatLimiter
from tests import store_scans

# Property tests check what is true, never how fast: no per-example deadline and no "input
# generation is slow" failure when the 2-core machine is busy (both failed runs under load).
settings.register_profile("duo", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("duo")

# While a fault test holds Kafka down, aiokafka logs "Unable connect" thousands of times a
# second; the services cut that with the JSON handler's RepeatLimiter, the test process here.
for _noisy in ("aiokafka", "aiokafka.client", "aiokafka.conn", "aiokafka.producer.sender"):
    logging.getLogger(_noisy).addFilter(RepeatLimiter(("aiokafka",)))

IMAGES = {"kafka": "apache/kafka:4.1.1", "mongo": "mongo:8.0"}
ENV_URLS = {"kafka": "DUO_TEST_KAFKA_BOOTSTRAP", "mongo": "DUO_TEST_MONGO_URL"}


class Infrastructure:
    """Provides each part once per session, from the environment, containers or local binaries."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say
        self.sources: dict[str, str] = {}  # part -> "environment" | "docker" | "local"
        self.addresses: dict[str, str] = {}
        self.containers: list = []
        self.stack = None
        self.tmp: Path | None = None
        self._docker: bool | None = None

    # -- the policy -----------------------------------------------------------------------

    def source(self, part: str) -> str:
        if part not in self.sources:
            forced = os.environ.get("DUO_TEST_INFRA", "").strip().lower()
            if os.environ.get(ENV_URLS[part]):
                self.sources[part] = "environment"
            elif forced in ("local", "docker"):
                self.sources[part] = forced
            elif forced:
                raise RuntimeError(f"DUO_TEST_INFRA={forced!r}: use 'local' or 'docker'")
            else:
                self.sources[part] = "docker" if self.docker_reachable() else "local"
        return self.sources[part]

    def docker_reachable(self) -> bool:
        if self._docker is None:
            try:
                import docker

                client = docker.from_env(timeout=5)
                try:
                    self._docker = bool(client.ping())
                finally:
                    client.close()
            except Exception:  # noqa: BLE001 - any failure means: no engine to use
                self._docker = False
        return self._docker

    # -- the parts ------------------------------------------------------------------------

    def kafka_bootstrap(self) -> str:
        if "kafka" not in self.addresses:
            self.addresses["kafka"] = {"environment": self._kafka_from_env, "docker": self._kafka_container,
                                       "local": lambda: self._local("kafka").kafka_bootstrap}[self.source("kafka")]()
        return self.addresses["kafka"]

    def mongo_url(self) -> str:
        if "mongo" not in self.addresses:
            self.addresses["mongo"] = {"environment": self._mongo_from_env, "docker": self._mongo_container,
                                       "local": lambda: self._local("mongo").mongo_url}[self.source("mongo")]()
        return self.addresses["mongo"]

    def smtp_sink(self):
        return self._local("smtp").smtp

    def local_stack(self):
        outside = {part: self.source(part) for part in ("kafka", "mongo") if self.source(part) != "local"}
        if outside:
            detail = ", ".join(f"{part} from {where}" for part, where in outside.items())
            raise RuntimeError(f"the local_stack fixture needs Kafka and MongoDB run by this test session "
                               f"(local binaries), but {detail}; unset {' and '.join(ENV_URLS.values())} "
                               f"and DUO_TEST_INFRA to run them locally")
        self.kafka_bootstrap()
        self.mongo_url()
        return self.stack

    def _local(self, part: str):
        from infra.proc import free_port
        from infra.stack import LocalStack

        if self.stack is None:
            self.tmp = Path(tempfile.mkdtemp(prefix="duo-test-infra-"))
            self.stack = LocalStack(parts=(), data_dir=self.tmp, kafka_port=free_port(),
                                    kafka_controller_port=free_port(), mongo_port=free_port(),
                                    smtp_port=free_port(), progress=self.say)
        self.stack.start([part])
        return self.stack

    def _kafka_from_env(self) -> str:
        from infra.kafka_broker import wait_for_metadata

        bootstrap = os.environ[ENV_URLS["kafka"]]
        wait_for_metadata(bootstrap, timeout=30)
        self.say(f"  kafka  from {ENV_URLS['kafka']}: {bootstrap}")
        return bootstrap

    def _mongo_from_env(self) -> str:
        from infra.store import wait_for_ping

        url = os.environ[ENV_URLS["mongo"]]
        wait_for_ping(url, timeout=30)
        self.say(f"  mongo  from {ENV_URLS['mongo']}")
        return url

    def _kafka_container(self) -> str:
        from testcontainers.core.container import DockerContainer
        from testcontainers.core.docker_client import DockerClient

        from infra.kafka_broker import new_cluster_id, wait_for_metadata
        from infra.proc import free_port

        host, port = DockerClient().host(), free_port()
        container = (DockerContainer(IMAGES["kafka"]).with_bind_ports(9092, port)
                     .with_env("CLUSTER_ID", new_cluster_id())
                     .with_env("KAFKA_NODE_ID", "1")
                     .with_env("KAFKA_PROCESS_ROLES", "broker,controller")
                     .with_env("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9093")
                     .with_env("KAFKA_LISTENERS", "PLAINTEXT://:9092,CONTROLLER://:9093")
                     .with_env("KAFKA_ADVERTISED_LISTENERS", f"PLAINTEXT://{host}:{port}")
                     .with_env("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
                     .with_env("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT")
                     .with_env("KAFKA_NUM_PARTITIONS", "3")
                     .with_env("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
                     .with_env("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                     .with_env("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                     .with_env("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0"))
        container.start()
        self.containers.append(container)
        bootstrap = f"{host}:{port}"
        wait_for_metadata(bootstrap, timeout=120)
        self.say(f"  kafka  container {IMAGES['kafka']} on {bootstrap}")
        return bootstrap

    def _mongo_container(self) -> str:
        from testcontainers.community.mongodb import MongoDbContainer

        from infra.store import wait_for_ping

        container = MongoDbContainer(IMAGES["mongo"])
        container.start()
        self.containers.append(container)
        url = container.get_connection_url()
        wait_for_ping(url, timeout=60)
        self.say(f"  mongo  container {IMAGES['mongo']}")
        return url

    def close(self) -> None:
        errors = []
        if self.stack is not None:
            try:
                self.stack.stop()
            except Exception as error:  # noqa: BLE001
                errors.append(repr(error))
        for container in reversed(self.containers):
            try:
                container.stop()
            except Exception as error:  # noqa: BLE001
                errors.append(repr(error))
        if self.tmp is not None and not os.environ.get("DUO_TEST_KEEP_DATA"):
            shutil.rmtree(self.tmp, ignore_errors=True)
        if errors:
            raise RuntimeError("stopping the test infrastructure failed: " + "; ".join(errors))


def _provide(part: str, provider: Callable[[], object]):
    """The provider's result; a failure fails the test (never a skip), with what went wrong."""
    try:
        return provider()
    except Exception as error:  # noqa: BLE001 - reported below, outside the except block
        message = f"test infrastructure: {part} could not be had: {error}"
    pytest.fail(message, pytrace=False)


@pytest.fixture(scope="session")
def _infrastructure(request):
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")

    def say(line: str) -> None:  # progress lines reach the terminal even while output is captured
        if reporter is None:
            return
        if capture is None:
            reporter.write_line(line)
            return
        with capture.global_and_fixture_disabled():
            reporter.write_line(line)

    infrastructure = Infrastructure(say)
    yield infrastructure
    infrastructure.close()


@pytest.fixture(scope="session")
def kafka_bootstrap(_infrastructure) -> str:
    return _provide("Kafka", _infrastructure.kafka_bootstrap)


@pytest.fixture(scope="session")
def mongo_url(_infrastructure) -> str:
    return _provide("MongoDB", _infrastructure.mongo_url)


@pytest.fixture(scope="session")
def smtp_sink(_infrastructure):
    return _provide("the SMTP sink", _infrastructure.smtp_sink)


@pytest.fixture(scope="session")
def local_stack(_infrastructure):
    return _provide("the local stack", _infrastructure.local_stack)


@pytest.fixture
def fresh_db_name(request) -> str:
    """`t_<test name>_<random>`: lowercase letters, digits and _, at most 48 characters."""
    stem = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower()).strip("_")[:30]
    return f"t_{stem}_{uuid.uuid4().hex[:10]}"


_COMMAND_LOG = pytest.StashKey[store_scans.CommandLog]()
_INDEXES = pytest.StashKey[store_scans.DeclaredIndexes]()


def pytest_configure(config) -> None:
    """Every service this pytest process starts, in-process or as a subprocess (which inherits the
    environment), records its store commands here; one directory per process, so xdist workers
    never read each other's (kept after the run with DUO_TEST_KEEP_DATA)."""
    if store_scans.enabled():
        os.environ[store_commands.ENV] = tempfile.mkdtemp(prefix="duo-store-commands-")
        config.stash[_COMMAND_LOG] = store_scans.CommandLog(Path(os.environ[store_commands.ENV]))
        config.stash[_INDEXES] = store_scans.DeclaredIndexes()


def pytest_unconfigure(config) -> None:
    log = config.stash.get(_COMMAND_LOG, None)
    if log is not None and not os.environ.get("DUO_TEST_KEEP_DATA"):
        shutil.rmtree(log.directory, ignore_errors=True)


@pytest.fixture(autouse=True)
def _no_store_scans(request):
    """What the services sent since the previous test's check, from long-lived suites too, is this test's."""
    yield
    log = request.config.stash.get(_COMMAND_LOG, None)
    if log is None:
        return
    found = store_scans.scans(log.new_records(), request.config.stash[_INDEXES])
    if found:
        pytest.fail(store_scans.report(found), pytrace=False)
