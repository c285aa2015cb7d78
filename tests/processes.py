"""Start services as separate OS processes, as they run in production, for e2e and fault tests.

The same process handling as `make run` (infra.run.Service: started with the repository's
environment, killed with its parent), plus a readiness wait and the log tail for failures.
"""
from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from infra.paths import REPO
from infra.proc import free_port, log_tail
from infra.run import Service

SERVICES = ("intake", "matching", "followup", "notify")


class ServiceProcess(Service):
    def wait_ready(self, timeout: float | None = None) -> None:
        """Until GET /ready answers 200: Kafka and the database reachable, not only the process alive."""
        deadline = time.monotonic() + (timeout or 60.0)
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"{self.name} exited:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/ready", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.name} not ready after {timeout}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        return log_tail(self.log_path, lines) or "(no log)"


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
