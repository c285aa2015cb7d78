"""`make run` as a small process manager: a crashed service comes back, and a stop signal stops
everything cleanly, also when it runs as a background job of a non-interactive shell (which
starts it with SIGINT ignored)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from infra.paths import REPO
from infra.proc import free_port, port_is_open

READY_LINE = "Ctrl-C stops everything."


def background_job(argv: list[str], env: dict[str, str], out: Path) -> subprocess.Popen:
    """Started like `cmd &` in a script: SIGINT ignored, its own process group."""
    def as_background_job() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        os.setpgrp()

    return subprocess.Popen(argv, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=open(out, "wb"),
                            stderr=subprocess.STDOUT, preexec_fn=as_background_job)


def wait_for_line(out: Path, text: str, job: subprocess.Popen, timeout: float = 300.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        printed = out.read_text(errors="replace")
        if text in printed:
            return printed
        assert job.poll() is None, f"exited with {job.returncode} before printing {text!r}:\n{printed[-3000:]}"
        time.sleep(0.5)
    raise AssertionError(f"no {text!r} within {timeout:.0f}s:\n{out.read_text(errors='replace')[-3000:]}")


def children_running(parent: int, module: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and module in cmdline:
            found.append(int(entry.name))
    return found


def ports_env(tmp_path: Path) -> tuple[dict[str, str], dict[str, int]]:
    ports = {"kafka": free_port(), "controller": free_port(), "mongo": free_port(), "smtp": free_port()}
    env = {**os.environ, "DUO_RUN_DIR": str(tmp_path / "run"), "DUO_KAFKA_PORT": str(ports["kafka"]),
           "DUO_KAFKA_CONTROLLER_PORT": str(ports["controller"]), "DUO_MONGO_PORT": str(ports["mongo"]),
           "DUO_SMTP_PORT": str(ports["smtp"]), "PYTHONPATH": str(REPO)}
    return env, ports


def test_a_crashed_service_is_restarted_and_sigint_stops_everything(tmp_path):
    env, ports = ports_env(tmp_path)
    services = {name: free_port() for name in ("intake", "matching", "followup", "notify")}
    out = tmp_path / "run.out"
    job = background_job([sys.executable, "-m", "infra.run", *(
        arg for name, port in services.items() for arg in (f"--{name}-port", str(port)))], env, out)
    try:
        wait_for_line(out, READY_LINE, job)
        [notify] = children_running(job.pid, "services.notify")
        os.kill(notify, signal.SIGKILL)
        wait_for_line(out, "service notify", job, timeout=30)
        wait_for_line(out, "restarted", job, timeout=60)
        deadline = time.monotonic() + 120
        while True:  # the restarted process serves again
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{services['notify']}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                assert time.monotonic() < deadline, "the restarted notify never answered /health"
                time.sleep(0.5)
        job.send_signal(signal.SIGINT)
        code = job.wait(timeout=120)
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
    printed = out.read_text(errors="replace")
    print(f"\n[make run] restart and SIGINT: exit {code}; last lines: {printed.splitlines()[-3:]}")
    assert code == 0, printed[-3000:]
    assert "Traceback" not in printed, printed[-3000:]
    assert printed.rstrip().endswith("everything stopped.")
    still_open = [p for p in [*ports.values(), *services.values()] if port_is_open("127.0.0.1", p)]
    assert still_open == [], f"ports still answering after the stop: {still_open}"


def test_sigterm_to_make_stops_everything_without_a_traceback(tmp_path):
    env, ports = ports_env(tmp_path)
    out = tmp_path / "make.out"
    job = background_job(["make", "--no-print-directory", "infra"], env, out)
    try:
        wait_for_line(out, READY_LINE, job)
        job.send_signal(signal.SIGTERM)  # make passes it on to its child, then ends by the signal itself
        job.wait(timeout=120)
        deadline = time.monotonic() + 60
        while "everything stopped." not in out.read_text(errors="replace") and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
    printed = out.read_text(errors="replace")
    print(f"\n[make infra] SIGTERM: make exit {job.returncode}; last lines: {printed.splitlines()[-2:]}")
    assert "SIGTERM: stopping" in printed and "everything stopped." in printed, printed[-3000:]
    assert "Traceback" not in printed, printed[-3000:]
    still_open = [p for p in ports.values() if port_is_open("127.0.0.1", p)]
    assert still_open == [], f"ports still answering after the stop: {still_open}"
