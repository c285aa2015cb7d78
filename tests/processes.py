"""Start services as separate OS processes, as they run in production, for e2e and fault tests.

The same process handling as `make run` (infra.run.Service: started with the repository's
environment, killed with its parent, the log tail in every failure), waiting for readiness.
"""
from __future__ import annotations

import os
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
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.services[name]

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()


def start_suite(base_env: dict[str, str], log_dir: Path, smtp_port: int | None = None) -> Suite:
    suite = Suite()
    run_id = base_env.get("DUO_RUN_ID", "run")
    for name in SERVICES:
        port = free_port()
        env = {**os.environ, **base_env, "DUO_HTTP_PORT": str(port), "DUO_MONGO_DB": f"duo_{name}_{run_id}",
               "PYTHONPATH": str(REPO)}
        if smtp_port is not None:
            env["DUO_SMTP_PORT"] = str(smtp_port)
        suite.services[name] = ServiceProcess(name, port, env, log_dir / f"{name}.log")
    try:
        for service in suite.services.values():
            service.start()
        for service in suite.services.values():
            service.wait_ready()
    except Exception:
        suite.stop()
        raise
    return suite
