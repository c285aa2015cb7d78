"""An SMTP sink: accepts every message and writes it, as received, to `<maildir>/<time>-<id>.eml`.

    python -m infra.smtp_sink --port 1025 --maildir .run/mail

Two headers are put in front of each stored message so tests can see the envelope:
`X-Sink-Mail-From` and `X-Sink-Rcpt-To` (comma-separated). Nothing is relayed anywhere.
"""
from __future__ import annotations

import argparse
import asyncio
import email
import email.message
import email.policy
import os
import signal
import smtplib
import subprocess
import sys
import time
import uuid
from pathlib import Path

from infra import proc
from infra.paths import REPO
from infra.proc import InfraError


class MaildirHandler:
    """aiosmtpd handler: one .eml file per message, written atomically (temp file, then rename)."""

    def __init__(self, maildir: Path) -> None:
        self.maildir = Path(maildir)
        self.maildir.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        head = (f"X-Sink-Mail-From: {envelope.mail_from}\r\n"
                f"X-Sink-Rcpt-To: {', '.join(envelope.rcpt_tos)}\r\n").encode("utf-8")
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.eml"
        partial = self.maildir / f".{name}.partial"
        partial.write_bytes(head + content)
        os.replace(partial, self.maildir / name)
        return "250 Message accepted for delivery"


def read_messages(maildir: Path) -> list[email.message.EmailMessage]:
    """Every message in `maildir`, oldest first, parsed."""
    files = sorted(Path(maildir).glob("*.eml"))
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in files]


class SmtpSink(proc.ManagedProcess):
    """The sink as a child process (`python -m infra.smtp_sink`), for the LocalStack."""

    name = "smtp"
    stop_timeout, ready_timeout = 10.0, 30.0

    def __init__(self, *, port: int, maildir: Path, host: str = "127.0.0.1",
                 log_path: Path | None = None) -> None:
        self.host = host
        self.port = port
        self.maildir = Path(maildir)
        self.log_path = log_path or self.maildir.parent / "smtp-sink.log"
        self.process: subprocess.Popen | None = None

    def describe(self) -> str:
        return f"SMTP sink on {self.host}:{self.port}, mail in {self.maildir}"

    def messages(self, to: str | None = None) -> list[email.message.EmailMessage]:
        """Messages received so far, oldest first; only those sent to `to` if given."""
        found = read_messages(self.maildir)
        if to is None:
            return found
        return [m for m in found if to.lower() in str(m.get("X-Sink-Rcpt-To", "")).lower()]

    def wait_for(self, count: int = 1, *, to: str | None = None,
                 timeout: float = 30.0) -> list[email.message.EmailMessage]:
        """Wait until at least `count` messages (to `to`, if given) are there; return them."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages(to)
            if len(found) >= count or time.monotonic() > deadline:
                if len(found) < count:
                    raise AssertionError(f"expected {count} message(s){' to ' + to if to else ''} "
                                         f"in {self.maildir} within {timeout:.0f}s, found {len(found)}")
                return found
            time.sleep(0.1)

    def prepare(self, progress=print) -> None:
        self.maildir.mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        if self.running:
            return
        proc.ensure_port_free(self.host, self.port, "SMTP sink", "DUO_SMTP_PORT")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)}
        self.process = proc.spawn(
            [sys.executable, "-m", "infra.smtp_sink", "--host", self.host, "--port", str(self.port),
             "--maildir", str(self.maildir)],
            log_path=self.log_path, env=env, cwd=REPO)

    def wait_ready(self, timeout: float | None = None) -> None:
        timeout = timeout or self.ready_timeout
        deadline = time.monotonic() + timeout
        proc.wait_port(self.host, self.port, timeout=timeout, process=self.process,
                       what="SMTP sink", log_path=self.log_path)
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if not self.running:
                raise InfraError(f"SMTP sink exited while starting{proc.tail_note(self.log_path)}")
            try:
                with smtplib.SMTP(self.host, self.port, timeout=5) as client:
                    if client.noop()[0] == 250:
                        return
            except (OSError, smtplib.SMTPException) as error:
                last_error = error
            time.sleep(0.1)
        raise InfraError(f"SMTP sink on {self.host}:{self.port} did not answer NOOP: {last_error!r}"
                         f"{proc.tail_note(self.log_path)}")


async def _serve(host: str, port: int, maildir: Path) -> None:
    from aiosmtpd.smtp import SMTP

    loop = asyncio.get_running_loop()
    handler = MaildirHandler(maildir)
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="duo-smtp-sink", data_size_limit=10 * 1024 * 1024),
        host=host, port=port)
    stopped = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    print(f"SMTP sink listening on {host}:{port}, writing to {maildir}", flush=True)
    async with server:
        await stopped.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="SMTP sink writing every message to a directory.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("DUO_SMTP_PORT", "1025")))
    parser.add_argument("--maildir", type=Path, default=Path(".run") / "mail")
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.host, args.port, args.maildir.resolve()))


if __name__ == "__main__":
    main()
