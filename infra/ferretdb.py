"""FerretDB v1.24.2 (MongoDB wire protocol over SQLite), built from the Go module proxy.

Why not a plain `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2`: that builds,
but the binary panics at start with "Invalid build/version/version.txt". FerretDB embeds
build/version/version.txt (written by its own release tooling, absent from the module zip)
and refuses an empty one. So we take the module's source from the module cache
(`go mod download -json`), copy it to a writable temporary directory, write `v1.24.2` into
build/version/version.txt and `go build ./cmd/ferretdb` into the cache, once.

Ready means: the port accepts connections *and* a real `ping` through pymongo succeeds.

    python -m infra.ferretdb --build     # only build the binary into the cache
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable

from infra import proc
from infra.paths import cache_dir, cache_lock
from infra.proc import InfraError

FERRETDB_VERSION = "v1.24.2"
MODULE = "github.com/FerretDB/FerretDB"


def _go_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"GOWORK": "off", "GOFLAGS": "-mod=mod"})
    return env


def ferretdb_binary(progress: Callable[[str], None] = print) -> Path:
    """The FerretDB binary in the cache, built on first use (about 1-3 minutes cold)."""
    binary = cache_dir() / "ferretdb" / "bin" / f"ferretdb-{FERRETDB_VERSION}"
    if binary.exists():
        return binary
    with cache_lock(f"ferretdb-{FERRETDB_VERSION}"):
        if binary.exists():
            return binary
        go = shutil.which("go")
        if go is None:
            raise InfraError("FerretDB: `go` is not on PATH, so FerretDB cannot be built "
                             f"({MODULE}@{FERRETDB_VERSION} from the Go module proxy)")
        progress(f"  ferretdb: building {MODULE}@{FERRETDB_VERSION} with Go into {binary} "
                 "(once, 1-3 minutes)")
        started = time.monotonic()
        binary.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=binary.parent.parent, prefix="build-") as work:
            download = subprocess.run([go, "mod", "download", "-json", f"{MODULE}@{FERRETDB_VERSION}"],
                                      cwd=work, env=_go_env(), capture_output=True, text=True)
            try:
                module_dir = json.loads(download.stdout)["Dir"]
            except (ValueError, KeyError):
                raise InfraError(f"FerretDB: `go mod download {MODULE}@{FERRETDB_VERSION}` failed "
                                 f"(exit {download.returncode}):\n{download.stdout}{download.stderr}") from None
            source = Path(work) / "src"
            shutil.copytree(module_dir, source)
            for path in [source, *source.rglob("*")]:  # the module cache is read-only
                path.chmod(path.stat().st_mode | 0o200)
            version_file = source / "build" / "version" / "version.txt"
            version_file.parent.mkdir(parents=True, exist_ok=True)
            version_file.write_text(FERRETDB_VERSION + "\n")
            partial = binary.with_suffix(".partial")
            build = subprocess.run([go, "build", "-trimpath", "-o", str(partial), "./cmd/ferretdb"],
                                   cwd=source, env=_go_env(), capture_output=True, text=True)
            if build.returncode != 0:
                tail = "\n".join((build.stdout + build.stderr).splitlines()[-30:])
                raise InfraError(f"FerretDB: `go build ./cmd/ferretdb` failed (exit {build.returncode}):\n{tail}")
            partial.rename(binary)
        progress(f"  ferretdb: built in {time.monotonic() - started:.1f}s")
    return binary


def wait_for_ping(url: str, *, timeout: float = 60.0, alive: Callable[[], bool] = lambda: True,
                  log_path: Path | None = None) -> None:
    """Until a real `ping` through pymongo succeeds on `url`."""
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


class FerretDB(proc.ManagedProcess):
    """One FerretDB process with the SQLite handler; databases are files in `data_dir/sqlite`."""

    name = "ferretdb"
    stop_timeout, ready_timeout = 20.0, 60.0

    def __init__(self, *, port: int, data_dir: Path, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port
        self.data_dir = Path(data_dir)
        self.process: subprocess.Popen | None = None
        self.log_path = self.data_dir / "ferretdb.log"

    @property
    def url(self) -> str:
        return f"mongodb://{self.host}:{self.port}"

    def describe(self) -> str:
        return f"FerretDB {FERRETDB_VERSION} (SQLite) on {self.url}"

    def prepare(self, progress: Callable[[str], None] = print) -> None:
        self.binary = ferretdb_binary(progress)
        (self.data_dir / "sqlite").mkdir(parents=True, exist_ok=True)
        (self.data_dir / "state").mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        if self.running:
            return
        proc.ensure_port_free(self.host, self.port, "FerretDB", "DUO_MONGO_PORT")
        self.process = proc.spawn(
            [str(self.binary), "--handler=sqlite", f"--sqlite-url=file:{self.data_dir / 'sqlite'}/",
             f"--listen-addr={self.host}:{self.port}", "--telemetry=disable",
             f"--state-dir={self.data_dir / 'state'}",
             # Its debug HTTP listener defaults to 127.0.0.1:8088: off, so instances can coexist.
             "--debug-addr=-", "--log-level=warn"],
            log_path=self.log_path)

    def wait_ready(self, timeout: float | None = None) -> None:
        timeout = timeout or self.ready_timeout
        proc.wait_port(self.host, self.port, timeout=timeout, process=self.process,
                       what="FerretDB", log_path=self.log_path)
        wait_for_ping(self.url, timeout=timeout, alive=lambda: self.running, log_path=self.log_path)


def main() -> None:
    parser = argparse.ArgumentParser(description="Build the local FerretDB binary.")
    parser.add_argument("--build", action="store_true", help="build it into the cache")
    args = parser.parse_args()
    if args.build:
        print(ferretdb_binary())


if __name__ == "__main__":
    main()
