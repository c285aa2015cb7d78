"""Child processes that never outlive us: start, wait for a port, stop, read a log's tail.

Every child is started in its own session (so a terminal's Ctrl-C reaches only our Python,
which then stops the children in order) and with PR_SET_PDEATHSIG, so the kernel sends it
SIGTERM if our process dies without cleaning up (SIGKILL, crash). The death signal follows
the *thread* that forked, so all children are forked from one long-lived spawner thread.
"""
from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Mapping, Sequence

_PR_SET_PDEATHSIG = 1
_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="duo-infra-spawner")
try:
    _LIBC = ctypes.CDLL(None, use_errno=True)
except OSError:  # not Linux: children then rely on our own cleanup only
    _LIBC = None


class InfraError(RuntimeError):
    """A part of the local infrastructure could not be fetched, built, started or reached."""


def _die_with_parent(parent_pid: int):
    def hook() -> None:
        if _LIBC is not None:
            _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)
    return hook


def spawn(argv: Sequence[str], *, log_path: Path, env: Mapping[str, str] | None = None,
          cwd: Path | None = None) -> subprocess.Popen:
    """Start `argv` with stdout and stderr appended to `log_path`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)

    def start() -> subprocess.Popen:
        with open(log_path, "ab") as log:
            return subprocess.Popen(
                list(argv), cwd=cwd, env=dict(env) if env is not None else None,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=_die_with_parent(os.getpid()))

    return _SPAWNER.submit(start).result()


def stop(process: subprocess.Popen | None, *, timeout: float = 30.0) -> None:
    """SIGTERM the process's group, then SIGKILL whatever is left after `timeout` seconds."""
    if process is None:
        return
    if process.poll() is None:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    _signal_group(process, signal.SIGKILL)  # stragglers in the group, if any
    if process.poll() is None:
        process.wait(10)


def kill(process: subprocess.Popen | None) -> None:
    """SIGKILL at once, as in a crash."""
    if process is not None:
        _signal_group(process, signal.SIGKILL)
        if process.poll() is None:
            process.wait(10)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def ensure_port_free(host: str, port: int, what: str, env_var: str) -> None:
    if port_is_open(host, port):
        raise InfraError(f"{what}: port {host}:{port} is already in use (another instance "
                         f"still running?); stop it or choose another port with {env_var}")


def wait_port(host: str, port: int, *, timeout: float, process: subprocess.Popen | None,
              what: str, log_path: Path | None = None) -> None:
    """Wait until something accepts TCP connections on host:port; fail early if `process` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise InfraError(f"{what} exited with code {process.returncode} before listening on "
                             f"{host}:{port}{tail_note(log_path)}")
        if port_is_open(host, port, timeout=0.5):
            return
        time.sleep(0.1)
    raise InfraError(f"{what} did not listen on {host}:{port} within {timeout:.0f}s{tail_note(log_path)}")


def log_tail(path: Path | None, lines: int = 30) -> str:
    if path is None:
        return ""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def tail_note(path: Path | None) -> str:
    tail = log_tail(path)
    return f"\n--- last lines of {path} ---\n{tail}" if tail else (f" (log: {path})" if path else "")


class ManagedProcess:
    """The life every local part shares: running, stop, kill, restart. Subclasses start and wait_ready.

    stop is a controlled shutdown (SIGTERM, SIGKILL after the timeout); kill is SIGKILL, as in a
    crash: data stays on disk and `start()` recovers it.
    """

    process: subprocess.Popen | None = None
    stop_timeout: float = 20.0
    ready_timeout: float = 60.0

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        raise NotImplementedError

    def wait_ready(self, timeout: float | None = None) -> None:
        raise NotImplementedError

    def stop(self, timeout: float | None = None) -> None:
        stop(self.process, timeout=timeout or self.stop_timeout)
        self.process = None

    def kill(self) -> None:
        kill(self.process)
        self.process = None

    def restart(self, timeout: float | None = None) -> None:
        self.stop()
        self.start()
        self.wait_ready(timeout or self.ready_timeout)
