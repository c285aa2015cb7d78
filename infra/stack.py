"""LocalStack: Kafka, the MongoDB-protocol store (SecantusDB) and the SMTP sink as local processes, started and stopped together.

    with LocalStack() as stack:              # ports from DUO_KAFKA_PORT, DUO_MONGO_PORT, DUO_SMTP_PORT
        stack.kafka_bootstrap, stack.mongo_url, stack.smtp.port

On entry every part is fetched or built if the cache lacks it, started, and waited for until
it answers a real request (Kafka metadata, MongoDB ping, SMTP NOOP), with one progress line per
part and its start-up seconds. On exit (also on Ctrl-C or an exception) everything is stopped.
A part that cannot be had raises InfraError naming the part and what failed.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Callable, Iterable

from infra.kafka_broker import KafkaBroker
from infra.paths import run_dir
from infra.proc import InfraError
from infra.smtp_sink import SmtpSink
from infra.store import LocalStore

PARTS = ("kafka", "mongo", "smtp")
DEFAULT_KAFKA_PORT = 9092
DEFAULT_MONGO_PORT = 27017
DEFAULT_SMTP_PORT = 1025


def _env_port(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise InfraError(f"{name}={value!r} is not a port number") from None


class LocalStack:
    """The suite's infrastructure on loopback. Parts: "kafka", "mongo" (SecantusDB), "smtp".

    `durable_store`: the store syncs every commit to disk (make run); tests leave it off.
    """

    def __init__(self, *, parts: Iterable[str] = PARTS, data_dir: Path | None = None,
                 kafka_port: int | None = None, kafka_controller_port: int | None = None,
                 mongo_port: int | None = None, smtp_port: int | None = None,
                 host: str = "127.0.0.1", durable_store: bool = False,
                 progress: Callable[[str], None] = print) -> None:
        unknown = set(parts) - set(PARTS)
        if unknown:
            raise ValueError(f"unknown parts {sorted(unknown)}; known: {PARTS}")
        self.data_dir = Path(data_dir) if data_dir else run_dir()
        self.progress = progress
        kafka_port = kafka_port or _env_port("DUO_KAFKA_PORT", DEFAULT_KAFKA_PORT)
        controller = kafka_controller_port or _env_port("DUO_KAFKA_CONTROLLER_PORT", kafka_port + 1)
        self.kafka = KafkaBroker(port=kafka_port, controller_port=controller, host=host,
                                 data_dir=self.data_dir / "kafka")
        self.store = LocalStore(port=mongo_port or _env_port("DUO_MONGO_PORT", DEFAULT_MONGO_PORT),
                                host=host, data_dir=self.data_dir / "store", durable=durable_store)
        self.smtp = SmtpSink(port=smtp_port or _env_port("DUO_SMTP_PORT", DEFAULT_SMTP_PORT),
                             host=host, maildir=self.data_dir / "mail",
                             log_path=self.data_dir / "logs" / "smtp-sink.log")
        self.wanted = [p for p in PARTS if p in set(parts)]
        self.started: list[str] = []
        self.seconds: dict[str, float] = {}

    # -- what the services need -----------------------------------------------------------

    @property
    def kafka_bootstrap(self) -> str:
        return self.kafka.bootstrap

    @property
    def mongo_url(self) -> str:
        return self.store.url

    def part(self, name: str) -> KafkaBroker | LocalStore | SmtpSink:
        return {"kafka": self.kafka, "mongo": self.store, "smtp": self.smtp}[name]

    # -- life cycle -----------------------------------------------------------------------

    def __enter__(self) -> "LocalStack":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self, parts: Iterable[str] | None = None) -> None:
        """Start the wanted parts (or `parts`) that are not running yet; all or nothing."""
        names = [n for n in (parts or self.wanted) if n not in self.started]
        if not names:
            return
        began = time.monotonic()
        try:
            self._prepare(names)
            launched: dict[str, float] = {}
            for name in names:
                launched[name] = time.monotonic()
                self._attempt(name, "start", self.part(name).start)
                self.started.append(name)
            self._wait_ready(names, launched)
        except BaseException:
            try:
                self.stop(names)  # what this call started; parts started before keep running
            except InfraError:
                pass  # the error that stopped the start matters more
            raise
        self.seconds["total"] = time.monotonic() - began

    def stop(self, parts: Iterable[str] | None = None) -> None:
        """Stop the started parts (or those of `parts`), last started first."""
        chosen = [n for n in self.started if parts is None or n in set(parts)]
        errors = []
        for name in reversed(chosen):
            try:
                self.part(name).stop()
            except Exception as error:  # noqa: BLE001 - keep stopping the others
                errors.append(f"{name}: {error!r}")
            self.started.remove(name)
        if errors:
            raise InfraError("stopping the local infrastructure failed for " + "; ".join(errors))

    def _wait_ready(self, names: list[str], launched: dict[str, float]) -> None:
        """Wait for the parts side by side, so each one's seconds are its own."""
        def wait(name: str) -> str:
            self._attempt(name, "become ready", self.part(name).wait_ready)
            self.seconds[name] = time.monotonic() - launched[name]
            return name

        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            futures = [pool.submit(wait, name) for name in names]
            for future in as_completed(futures):
                try:
                    name = future.result()
                except BaseException:
                    self.stop(names)  # the other parts' waits then end at once
                    raise
                self.progress(f"  {name:<6} ready in {self.seconds[name]:5.1f}s  "
                              f"{self.part(name).describe()}")

    def _prepare(self, names: list[str]) -> None:
        """Fetch Kafka's jars (when the cache lacks them) and check the store is installed, side by side."""
        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            futures = {name: pool.submit(self.part(name).prepare, self.progress) for name in names}
            for name, future in futures.items():
                self._attempt(name, "be fetched or prepared", future.result)

    @staticmethod
    def _attempt(name: str, action: str, call: Callable[[], object]) -> None:
        try:
            call()
        except InfraError as error:
            raise InfraError(f"local infrastructure: {name} could not {action}: {error}") from error
        except (OSError, ValueError, RuntimeError) as error:
            raise InfraError(f"local infrastructure: {name} could not {action}: {error!r}") from error


def describe_env(stack: LocalStack) -> dict[str, str]:
    """The DUO_* variables that point a service at this stack."""
    return {
        "DUO_KAFKA_BOOTSTRAP": stack.kafka_bootstrap,
        "DUO_MONGO_URL": stack.mongo_url,
        "DUO_SMTP_HOST": stack.smtp.host,
        "DUO_SMTP_PORT": str(stack.smtp.port),
    }
