"""`python -m infra.run`: the whole suite on this machine, in the foreground (what `make run` does).

Starts the LocalStack (Kafka, the SecantusDB store, SMTP sink), then each service as one or
more separate processes (`python -m services.<name>`), waits for each one's GET /health,
prints where each API and its /docs are, and stays in the foreground as a small process
manager: a process that dies is started again after a growing pause, and said so. Ctrl-C,
SIGINT or SIGTERM stops everything and exits 0.

    python -m infra.run                 # infrastructure and services
    python -m infra.run --processes 2   # two processes per service (or DUO_PROCESSES=2)
    python -m infra.run --infra-only    # only Kafka, the store and the SMTP sink (`make infra`)

Ports: DUO_KAFKA_PORT (9092), DUO_MONGO_PORT (27017), DUO_SMTP_PORT (1025), or the options
below; a service's k-th process listens on its port + 100 * (k - 1): intake 8001, 8101, ...
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
from dataclasses import dataclass, field
from pathlib import Path

from infra import proc
from infra.paths import REPO, cache_dir, run_dir
from infra.proc import InfraError
from infra.stack import LocalStack

SERVICES = {"console": 8000, "intake": 8001, "matching": 8002, "followup": 8003, "notify": 8004}
PORT_STEP = 100  # between the processes of one service
RESTART_PAUSES = (1.0, 2.0, 5.0, 10.0, 30.0)  # before the 1st, 2nd, ... restart in a row
STABLE_SECONDS = 60.0  # up this long, a process's next crash counts as the first again


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


def service_env(name: str, port: int, stack: LocalStack, ports: dict[str, int] | None = None) -> dict[str, str]:
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
    if name == "console":  # it calls the four APIs, nothing else
        env.update({f"DUO_{other.upper()}_URL": f"http://127.0.0.1:{p}" for other, p in (ports or {}).items()
                    if other != "console"})
    return env


def process_ports(ports: dict[str, int], processes: int) -> list[tuple[str, int, int]]:
    """(service, process number from 1, port) for every process of every service."""
    return [(name, k, port + PORT_STEP * (k - 1)) for k in range(1, processes + 1) for name, port in ports.items()]


def start_services(stack: LocalStack, ports: dict[str, int], logs: Path, processes: int = 1,
                   timeout: float = 120.0) -> list[Service]:
    missing = [n for n in ports if not (REPO / "services" / n / "__main__.py").exists()]
    if missing:
        raise InfraError(f"no `python -m services.<name>` for: {', '.join(missing)} "
                         f"(services/<name>/__main__.py is missing)")
    planned = process_ports(ports, processes)
    for name, k, port in planned:
        proc.ensure_port_free("127.0.0.1", port, f"service {name} (process {k})", f"--{name}-port")
    services = [Service(name, port, service_env(name, port, stack, ports),
                        logs / (f"{name}.log" if k == 1 else f"{name}-{k}.log"))
                for name, k, port in planned]
    try:
        for service in services:
            service.start()
        with ThreadPoolExecutor(max_workers=len(services)) as pool:
            futures = {pool.submit(s.wait_healthy, timeout): s for s in services}
            for future in as_completed(futures):
                service = futures[future]
                seconds = future.result()
                print(f"  {service.name:<9} healthy in {seconds:5.1f}s  API {service.url}  "
                      f"docs {service.url}/docs", flush=True)
    except BaseException:
        stop_services(services)  # the other waits then end at once
        raise
    return services


def stop_services(services: list[Service]) -> None:
    for service in reversed(services):
        try:
            service.stop()
        except Exception as error:  # noqa: BLE001 - keep stopping the others
            print(f"  stopping {service.name} failed: {error!r}", file=sys.stderr)


@dataclass
class Watched:
    """One supervised process and its restart history."""

    label: str
    part: proc.ManagedProcess
    log_path: Path | None
    crashes_in_a_row: int = 0
    up_since: float = field(default_factory=time.monotonic)
    restart_at: float | None = None


class Supervisor:
    """Keeps every process running: one that exits is started again after a growing pause."""

    def __init__(self, watched: list[Watched], say=print) -> None:
        self.watched = watched
        self.say = say
        self.restarts = 0

    def check(self, now: float) -> None:
        for w in self.watched:
            if w.restart_at is not None:
                if now >= w.restart_at:
                    w.restart_at = None
                    w.up_since = now
                    self.restarts += 1
                    try:
                        w.part.start()
                        self.say(f"{w.label} restarted (restart {w.crashes_in_a_row} in a row)")
                    except Exception as error:  # noqa: BLE001 - try again after the next pause
                        self._schedule(w, now, f"could not be restarted: {error}")
            elif not w.part.running:
                code = w.part.process.returncode if w.part.process is not None else None
                if now - w.up_since >= STABLE_SECONDS:
                    w.crashes_in_a_row = 0
                self._schedule(w, now, f"exited with code {code}{proc.tail_note(w.log_path)}")

    def _schedule(self, w: Watched, now: float, why: str) -> None:
        pause = RESTART_PAUSES[min(w.crashes_in_a_row, len(RESTART_PAUSES) - 1)]
        w.crashes_in_a_row += 1
        w.restart_at = now + pause
        self.say(f"\n{w.label} {why}\nrestarting {w.label} in {pause:.0f}s")


class Stop(Exception):
    """SIGINT, SIGTERM or SIGHUP arrived: stop everything."""


def _install_stop_signals() -> None:
    """The first signal stops the suite; later ones (make and uv forward theirs too) are ignored."""
    def stop(signum, frame) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        raise Stop(signal.Signals(signum).name)

    # Set explicitly: a background job of a non-interactive shell starts with SIGINT ignored.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)


def supervise(stack: LocalStack, services: list[Service]) -> None:
    """Stay in the foreground until a stop signal, restarting whatever dies."""
    watched = [Watched(f"service {s.name} ({s.url})", s, s.log_path) for s in services]
    watched += [Watched(name, stack.part(name), getattr(stack.part(name), "log_path", None))
                for name in stack.started]
    supervisor = Supervisor(watched, say=lambda line: print(line, file=sys.stderr, flush=True))
    while True:
        supervisor.check(time.monotonic())
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--infra-only", action="store_true", help="start only the infrastructure")
    parser.add_argument("--processes", type=int, default=int(os.environ.get("DUO_PROCESSES", "1")),
                        help="processes per service (default: $DUO_PROCESSES or 1)")
    parser.add_argument("--data-dir", type=Path, default=None, help="default: $DUO_RUN_DIR or .run/")
    parser.add_argument("--kafka-port", type=int, default=None)
    parser.add_argument("--mongo-port", type=int, default=None)
    parser.add_argument("--smtp-port", type=int, default=None)
    for name, port in SERVICES.items():
        parser.add_argument(f"--{name}-port", type=int, default=port)
    args = parser.parse_args(argv)
    if not 1 <= args.processes <= 8:
        parser.error("--processes (DUO_PROCESSES) must be between 1 and 8")

    _install_stop_signals()
    services: list[Service] = []
    stack: LocalStack | None = None
    try:
        data_dir = (args.data_dir or run_dir()).resolve()
        logs = data_dir / "logs"
        print(f"DUO suite: local infrastructure (cache {cache_dir()}, data {data_dir})", flush=True)
        stack = LocalStack(data_dir=data_dir, kafka_port=args.kafka_port, mongo_port=args.mongo_port,
                           smtp_port=args.smtp_port, durable_store=True,
                           progress=lambda line: print(line, flush=True))
        began = time.monotonic()
        stack.start()
        print(f"infrastructure ready in {time.monotonic() - began:.1f}s: Kafka {stack.kafka_bootstrap}, "
              f"MongoDB protocol {stack.mongo_url}, SMTP {stack.smtp.host}:{stack.smtp.port} "
              f"(mail in {stack.smtp.maildir})", flush=True)
        if not args.infra_only:
            print(f"starting the services ({args.processes} process{'es' if args.processes > 1 else ''} each)",
                  flush=True)
            suite_began = time.monotonic()
            ports = {name: getattr(args, f"{name}_port") for name in SERVICES}
            services = start_services(stack, ports, logs, args.processes)
            print(f"suite ready in {time.monotonic() - suite_began:.1f}s "
                  f"({time.monotonic() - began:.1f}s with the infrastructure); "
                  f"logs in {logs}", flush=True)
        print("Ctrl-C stops everything.", flush=True)
        supervise(stack, services)
        return 0
    except Stop as signal_name:
        print(f"\n{signal_name}: stopping ...", flush=True)
        return 0
    except KeyboardInterrupt:  # only if a signal slipped in before the handlers (never after)
        print("\nstopping ...", flush=True)
        return 0
    except InfraError as error:
        print(f"\nFAILED: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # let the shutdown finish
        stop_services(services)
        if stack is not None:
            try:
                stack.stop()
            except InfraError as error:
                print(f"  {error}", file=sys.stderr, flush=True)
        print("everything stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
