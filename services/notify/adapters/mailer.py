"""Sending e-mail over SMTP (the local sink in development, a relay in production)."""
from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from services.notify.domain.templates import Message


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str, timeout: float) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    async def send(self, to: str, message: Message, notification_id: str) -> None:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = to
        mail["Subject"] = message.subject
        # Lets a support person find the record without the address being logged anywhere.
        mail["X-DUO-Notification-Id"] = notification_id
        mail.set_content(message.body)
        await aiosmtplib.send(mail, hostname=self.host, port=self.port, timeout=self.timeout,
                              start_tls=False, use_tls=False)
