"""The local MongoDB-protocol store: SecantusDB, a single-node server on WiredTiger (PyPI `secantusdb`).

Why this store: MongoDB's server is on no registry our machines reach, and FerretDB v1 (used
first) broke guarantees the suite relies on (atomic `$inc` from two processes, `$pull` with a
condition, arrayFilters) and slowed down as collections grew. SecantusDB reports MongoDB 8.2
and a one-node replica set. It is beta and GPL-2.0-only, so it runs only as a separate server
process started from here, never imported by a service; production runs MongoDB 8.

- `durable=True` (make run) passes `--sync-on-commit`: the last acknowledged write survives a
  SIGKILL. Tests run without it, which is faster; they never need power-loss durability.
- `--standalone`: no oplog (nothing uses change streams or transactions), cheaper writes.
- Its clients connect with retryWrites=false (see `url`): its record of retryable writes makes
  every write slower as writes accumulate.
- Stop: SIGTERM, SIGKILL after a short grace (it has been seen spinning in a write-conflict
  retry loop that SIGTERM no longer ended).

Ready means: the port accepts connections *and* a real `ping` through pymongo succeeds.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from infra import proc
from infra.proc import InfraError

PACKAGE = "secantusdb"


def store_version() -> str:
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise InfraError(f"the local store ({PACKAGE}) is not installed in this environment: "
                         "run `make sync` (it is in the `infra` dependency group of uv.lock)") from None


def wait_for_ping(url: str, *, timeout: float = 60.0, alive: Callable[[], bool] = lambda: True,
                  log_path: Path | None = None) -> None:
    """Until a real `ping` through pymongo succeeds on `url` (any MongoDB-protocol server)."""
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if not alive():
            raise InfraError(f"the MongoDB-protocol server at {url} stopped while starting"
                             f"{proc.tail_note(log_path)}")
        client = MongoClient(url, serverSelectionTimeoutMS=2000, connectTimeoutMS=2000)
        try:
            if client.admin.command("ping").get("ok") == 1:
                return
        except PyMongoError as error:
            last_error = error
        finally:
            client.close()
        time.sleep(0.2)
    raise InfraError(f"{url} answered no ping within {timeout:.0f}s: {last_error!r}"
                     f"{proc.tail_note(log_path)}")


class LocalStore(proc.ManagedProcess):
    """One SecantusDB server process; its WiredTiger files live in `data_dir/wiredtiger`."""

    name = "secantusdb"
    stop_timeout, ready_timeout = 8.0, 60.0

    def __init__(self, *, port: int, data_dir: Path, host: str = "127.0.0.1",
                 durable: bool = False, cache_size: str = "512M") -> None:
        self.host = host
        self.port = port
        self.data_dir = Path(data_dir)
        self.durable = durable
        self.cache_size = cache_size
        self.process: subprocess.Popen | None = None
        self.log_path = self.data_dir / "secantusdb.log"

    @property
    def url(self) -> str:
        # retryWrites=false: SecantusDB 0.7.0b3 remembers every retryable write for 30 minutes and
        # scans (past 10,000, sorts) that record on each write, so inserts fell from ~1,100/s to
        # ~40/s after 10,000 writes (README, "Local infrastructure"). A one-node store gains nothing from
        # a retried write; MongoDB in production keeps the driver's default.
        return f"mongodb://{self.host}:{self.port}/?retryWrites=false"

    def describe(self) -> str:
        mode = "sync on commit" if self.durable else "no sync on commit"
        return f"SecantusDB {store_version()} (WiredTiger, {mode}) on {self.url}"

    def prepare(self, progress: Callable[[str], None] = print) -> None:
        store_version()
        if importlib.util.find_spec("secantus") is None:
            raise InfraError(f"{PACKAGE} is installed but its `secantus` module cannot be found")
        (self.data_dir / "wiredtiger").mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        if self.running:
            return
        proc.ensure_port_free(self.host, self.port, "the local store (SecantusDB)", "DUO_MONGO_PORT")
        argv = [sys.executable, "-m", "secantus", "--host", self.host, "--port", str(self.port),
                "--storage-path", str(self.data_dir / "wiredtiger"), "--cache-size", self.cache_size,
                "--log-level", "WARNING",
                # No oplog: nothing in the suite uses change streams or transactions (MongoDB 8 standalone
                # in compose has neither), and each write then costs the store 8-27% less.
                "--standalone"]
        if self.durable:
            argv.append("--sync-on-commit")
        self.process = proc.spawn(argv, log_path=self.log_path)

    def wait_ready(self, timeout: float | None = None) -> None:
        timeout = timeout or self.ready_timeout
        proc.wait_port(self.host, self.port, timeout=timeout, process=self.process,
                       what="the local store (SecantusDB)", log_path=self.log_path)
        wait_for_ping(self.url, timeout=timeout, alive=lambda: self.running, log_path=self.log_path)
