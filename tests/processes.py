"""Start services as separate OS processes, as they run in production, for e2e and fault tests.

The same process handling as `make run` (infra.run.Service: started with the repository's
environment, killed with its parent, the log tail in every failure), waiting for readiness.
"""
from __future__ import annotations

import asyncio
import os
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from infra.paths import REPO
from infra.proc import free_port
from infra.run import Service

SERVICES = ("intake", "matching", "followup", "notify")


class ServiceProcess(Service):
    def wait_ready(self, timeout: float | None = None) -> None:
        """Not only alive: tests start when Kafka and the database are reachable (GET /ready)."""
        self.wait_healthy(timeout or 60.0, "/ready")


@dataclass
class Suite:
    """Every process of every service; `suite[name]` is a service's first process."""

    processes: dict[str, list[ServiceProcess]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.processes[name][0]

    @property
    def services(self) -> dict[str, ServiceProcess]:
        return {name: processes[0] for name, processes in self.processes.items()}

    def all(self) -> list[ServiceProcess]:
        return [p for processes in self.processes.values() for p in processes]

    def stop(self) -> None:
        for service in self.all():
            service.stop()


def start_suite(base_env: dict[str, str], log_dir: Path, smtp_port: int | None = None,
                processes: int = 1, env_for: dict[str, dict[str, str]] | None = None,
                services: tuple[str, ...] = SERVICES) -> Suite:
    """`processes` per service, sharing the service's database and consumer group, as in production;
    `env_for[name]` adds settings to one service's processes; `services` starts only some of them."""
    suite = Suite()
    run_id = base_env.get("DUO_RUN_ID", "run")
    for name in services:
        for k in range(1, processes + 1):
            port = free_port()
            env = {**os.environ, **base_env, **(env_for or {}).get(name, {}), "DUO_HTTP_PORT": str(port),
                   "DUO_MONGO_DB": f"duo_{name}_{run_id}", "PYTHONPATH": str(REPO)}
            if smtp_port is not None:
                env["DUO_SMTP_PORT"] = str(smtp_port)
            log = log_dir / (f"{name}.log" if k == 1 else f"{name}-{k}.log")
            suite.processes.setdefault(name, []).append(ServiceProcess(name, port, env, log))
    try:
        for service in suite.all():
            service.start()
        for service in suite.all():
            service.wait_ready()
    except Exception:
        suite.stop()
        raise
    return suite


@asynccontextmanager
async def running_suite(kafka_bootstrap: str, mongo_url: str, smtp_sink, log_dir: Path):
    """The four services on the test session's Kafka, store and SMTP sink, with topics of their own."""
    from tests.suite import isolated_env

    env = {**isolated_env(kafka_bootstrap, mongo_url), "DUO_SMTP_HOST": smtp_sink.host}
    running = await asyncio.to_thread(start_suite, env, log_dir, smtp_sink.port)
    running.prefix, running.run_id = env["DUO_TOPIC_PREFIX"], env["DUO_RUN_ID"]
    try:
        yield running
    finally:
        await asyncio.to_thread(running.stop)


def start_suite_with_console(base_env: dict[str, str], log_dir: Path, smtp_port: int | None = None) -> Suite:
    """The four services, then the web console pointed at them (it needs no Kafka or database)."""
    suite = start_suite(base_env, log_dir, smtp_port)
    port = free_port()
    env = {**os.environ, **base_env, "DUO_HTTP_PORT": str(port), "PYTHONPATH": str(REPO),
           **{f"DUO_{name.upper()}_URL": service.url for name, service in suite.services.items()}}
    console = ServiceProcess("console", port, env, log_dir / "console.log")
    suite.processes["console"] = [console]
    try:
        console.start()
        console.wait_ready()
    except Exception:
        suite.stop()
        raise
    return suite
