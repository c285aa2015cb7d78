"""`python -m infra.run`: the whole suite on this machine, in the foreground (what `make run` does).

Starts the LocalStack (Kafka, FerretDB, SMTP sink), then the four services as separate
processes (`python -m services.<name>`), waits for each one's GET /health, prints where each
API and its /docs are, and stays in the foreground. Ctrl-C (or SIGTERM) stops everything.

    python -m infra.run                 # infrastructure and services
    python -m infra.run --infra-only    # only Kafka, FerretDB and the SMTP sink (`make infra`)

Ports: DUO_KAFKA_PORT (9092), DUO_MONGO_PORT (27017), DUO_SMTP_PORT (1025), or the options below.
Data and logs: DUO_RUN_DIR (default <repo>/.run), kept between runs.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from infra import proc
from infra.paths import REPO, cache_dir, run_dir
from infra.proc import InfraError
from infra.stack import LocalStack

SERVICES = {"intake": 8001, "matching": 8002, "followup": 8003, "notify": 8004}


@dataclass
class Service(proc.ManagedProcess):
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = proc.spawn([sys.executable, "-m", f"services.{self.name}"], cwd=REPO,
                                  env=self.env, log_path=self.log_path)

    def wait_healthy(self, timeout: float, path: str = "/health") -> float:
        """Until GET `path` answers 200 (`/ready`: Kafka and the database reachable too); returns seconds."""
        started = time.monotonic()
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                code = None if self.process is None else self.process.returncode
                raise InfraError(f"service {self.name} exited (code {code}) before it was healthy"
                                 f"{proc.tail_note(self.log_path)}")
            try:
                with urllib.request.urlopen(f"{self.url}{path}", timeout=2) as response:
                    if response.status == 200:
                        return time.monotonic() - started
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise InfraError(f"service {self.name}: GET {self.url}{path} did not answer 200 within "
                         f"{timeout:.0f}s{proc.tail_note(self.log_path)}")


def service_env(name: str, port: int, stack: LocalStack) -> dict[str, str]:
    """The DUO_* settings of one service: infrastructure addresses forced, the rest overridable."""
    env = dict(os.environ)
    env.update({
        "DUO_KAFKA_BOOTSTRAP": stack.kafka_bootstrap,
        "DUO_MONGO_URL": stack.mongo_url,
        "DUO_MONGO_DB": f"duo_{name}",
        "DUO_HTTP_HOST": "127.0.0.1",
        "DUO_HTTP_PORT": str(port),
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
    })
    env.setdefault("DUO_ENVIRONMENT", "local")
    env.setdefault("DUO_JWT_AUDIENCE", "duo-suite")
    env.setdefault("DUO_TOPIC_PARTITIONS", "3")
    if name == "notify":
        env.update({"DUO_SMTP_HOST": stack.smtp.host, "DUO_SMTP_PORT": str(stack.smtp.port)})
        env.setdefault("DUO_SMTP_SENDER", "DUO for a JOB <no-reply@duoforajob.example>")
    return env


def start_services(stack: LocalStack, ports: dict[str, int], logs: Path,
                   timeout: float = 120.0) -> list[Service]:
    missing = [n for n in ports if not (REPO / "services" / n / "__main__.py").exists()]
    if missing:
        raise InfraError(f"no `python -m services.<name>` for: {', '.join(missing)} "
                         f"(services/<name>/__main__.py is missing)")
    for name, port in ports.items():
        proc.ensure_port_free("127.0.0.1", port, f"service {name}", f"--{name}-port")
    services = [Service(name, port, service_env(name, port, stack), logs / f"{name}.log")
                for name, port in ports.items()]
    try:
        for service in services:
            service.start()
        with ThreadPoolExecutor(max_workers=len(services)) as pool:
            futures = {pool.submit(s.wait_healthy, timeout): s for s in services}
            for future in as_completed(futures):
                service = futures[future]
                try:
                    seconds = future.result()
                except BaseException:
                    stop_services(services)  # the other waits then end at once
                    raise
                print(f"  {service.name:<9} healthy in {seconds:5.1f}s  API {service.url}  "
                      f"docs {service.url}/docs", flush=True)
    except BaseException:
        stop_services(services)
        raise
    return services


def stop_services(services: list[Service]) -> None:
    for service in reversed(services):
        try:
            service.stop()
        except Exception as error:  # noqa: BLE001 - keep stopping the others
            print(f"  stopping {service.name} failed: {error!r}", file=sys.stderr)


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def watch(stack: LocalStack, services: list[Service]) -> int:
    """Stay in the foreground until Ctrl-C; if a process dies, say which and end with 1."""
    while True:
        for service in services:
            if service.process is not None and service.process.poll() is not None:
                print(f"\nservice {service.name} exited with code {service.process.returncode}"
                      f"{proc.tail_note(service.log_path)}", file=sys.stderr)
                return 1
        for name in stack.started:
            part = stack.part(name)
            if not part.running:
                print(f"\n{name} stopped unexpectedly{proc.tail_note(part.log_path)}", file=sys.stderr)
                return 1
        time.sleep(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--infra-only", action="store_true", help="start only the infrastructure")
    parser.add_argument("--data-dir", type=Path, default=None, help="default: $DUO_RUN_DIR or .run/")
    parser.add_argument("--kafka-port", type=int, default=None)
    parser.add_argument("--mongo-port", type=int, default=None)
    parser.add_argument("--smtp-port", type=int, default=None)
    for name, port in SERVICES.items():
        parser.add_argument(f"--{name}-port", type=int, default=port)
    args = parser.parse_args(argv)

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    data_dir = (args.data_dir or run_dir()).resolve()
    logs = data_dir / "logs"
    print(f"DUO suite: local infrastructure (cache {cache_dir()}, data {data_dir})", flush=True)
    stack = LocalStack(data_dir=data_dir, kafka_port=args.kafka_port, mongo_port=args.mongo_port,
                       smtp_port=args.smtp_port, progress=lambda line: print(line, flush=True))
    services: list[Service] = []
    began = time.monotonic()
    try:
        stack.start()
        infra_seconds = time.monotonic() - began
        print(f"infrastructure ready in {infra_seconds:.1f}s: Kafka {stack.kafka_bootstrap}, "
              f"MongoDB protocol {stack.mongo_url}, SMTP {stack.smtp.host}:{stack.smtp.port} "
              f"(mail in {stack.smtp.maildir})", flush=True)
        if not args.infra_only:
            print("starting the services", flush=True)
            suite_began = time.monotonic()
            ports = {name: getattr(args, f"{name}_port") for name in SERVICES}
            services = start_services(stack, ports, logs)
            print(f"suite ready in {time.monotonic() - suite_began:.1f}s "
                  f"({time.monotonic() - began:.1f}s with the infrastructure); "
                  f"logs in {logs}", flush=True)
        print("Ctrl-C stops everything.", flush=True)
        return watch(stack, services)
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
        return 0
    except InfraError as error:
        print(f"\nFAILED: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # let the shutdown finish
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_services(services)
        stack.stop()
        print("everything stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
