"""Sending e-mail over SMTP (the local sink in development, a relay in production).

Every failure comes out as a DeliveryFailure saying whether retrying can help: a reply code
of 5xx or an address that cannot be written is permanent; no connection, a timeout, a dropped
line or a 4xx reply is transient.
"""
from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr

import aiosmtplib

from services.notify.adapters.templates import Rendered
from services.notify.domain.delivery import DeliveryFailure


def classify(error: Exception) -> DeliveryFailure:
    """What a failure means for retrying; the reason names the kind and the code, never the address."""
    if isinstance(error, DeliveryFailure):
        return error
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in error.recipients]
        return DeliveryFailure(f"recipient refused ({', '.join(map(str, codes))})",
                               permanent=bool(codes) and all(code >= 500 for code in codes))
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return DeliveryFailure(f"mail server replied {error.code}", permanent=error.code >= 500)
    if isinstance(error, (aiosmtplib.SMTPException, OSError, TimeoutError)):
        return DeliveryFailure(f"mail server not reachable ({type(error).__name__})", permanent=False)
    return DeliveryFailure(f"message could not be sent ({type(error).__name__})", permanent=True)


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str, timeout: float) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout
        self.domain = parseaddr(sender)[1].rpartition("@")[2] or "duo-suite.invalid"

    def message_id(self, notification_id: str) -> str:
        """Derived from the notification's key: a message sent twice after a crash is recognisable as one."""
        return f"<{notification_id}@{self.domain}>"

    async def send(self, to: str, rendered: Rendered, notification_id: str) -> None:
        try:
            mail = EmailMessage()
            mail["From"] = self.sender
            mail["To"] = Address(addr_spec=to)
            mail["Subject"] = rendered.subject
            mail["Message-ID"] = self.message_id(notification_id)
            # Lets a support person find the record without the address being logged anywhere.
            mail["X-DUO-Notification-Id"] = notification_id
            mail["X-DUO-Message"] = rendered.message
            mail.set_content(rendered.text)
            mail.add_alternative(rendered.html, subtype="html")
            mail["Content-Language"] = rendered.language  # after the parts: Content-* headers move into them
        except (ValueError, IndexError) as error:  # an address that cannot be written
            raise DeliveryFailure(f"invalid address ({type(error).__name__})", permanent=True) from None
        try:
            await aiosmtplib.send(mail, hostname=self.host, port=self.port, timeout=self.timeout,
                                  start_tls=False, use_tls=False)
        except Exception as error:  # noqa: BLE001 - every failure is classified, none escapes unexplained
            raise classify(error) from None
