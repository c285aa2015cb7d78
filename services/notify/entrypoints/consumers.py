"""What notify does with the events it hears: keep contacts, send duo news, forget on erasure."""
from __future__ import annotations

import logging
import uuid

from shared.events import Envelope, new_envelope, topics
from shared.events.intake import ParticipantContactChanged, ParticipantErased
from shared.events.matching import DuoFormed
from shared.events.notify import NotificationFailed, NotificationSent
from shared.runtime import ServiceRuntime
from services.notify.adapters.mailer import SmtpMailer
from services.notify.adapters.store import NotifyStore
from services.notify.domain.templates import render

log = logging.getLogger(__name__)
CHANNEL = "email"


class Notifier:
    def __init__(self, runtime: ServiceRuntime, store: NotifyStore, mailer: SmtpMailer) -> None:
        self.runtime, self.store, self.mailer = runtime, store, mailer

    def subscribe(self) -> None:
        consumer = self.runtime.consumer
        consumer.subscribe(topics.PARTICIPANT_CONTACTS, {"participant-contact-changed": self.on_contact},
                           on_tombstone=self.store.forget_contact)
        consumer.subscribe(topics.PARTICIPANTS, {"participant-erased": self.on_erased})
        consumer.subscribe(topics.DUOS, {"duo-formed": self.on_duo_formed})

    async def on_contact(self, envelope: Envelope, contact: ParticipantContactChanged) -> None:
        await self.store.save_contact(contact.participant_id, envelope.branch, {
            "role": contact.role, "display_name": contact.display_name, "email": str(contact.email),
            "language": contact.preferred_language})

    async def on_erased(self, envelope: Envelope, erased: ParticipantErased) -> None:
        await self.store.forget_participant(erased.participant_id)

    async def on_duo_formed(self, envelope: Envelope, duo: DuoFormed) -> None:
        for recipient in (duo.mentee_id, duo.mentor_id):
            await self.notify(envelope, recipient, "duo-formed")

    async def notify(self, cause: Envelope, recipient_id: str, template: str) -> None:
        # One notification per (event, recipient): a redelivered event finds it already claimed.
        notification_id = str(uuid.uuid5(cause.id, recipient_id))
        record = {"branch": cause.branch, "recipient_id": recipient_id, "template": template,
                  "channel": CHANNEL, "cause_event_id": str(cause.id), "duo_id": cause.subject}
        if not await self.store.claim(notification_id, record):
            return
        facts = {k: record[k] for k in ("recipient_id", "template", "channel", "cause_event_id")}
        contact = await self.store.contact(recipient_id)
        if contact is None:
            await self._fail(cause, notification_id, facts, "no contact on file for this participant")
            return
        message = render(template, contact.get("language", "en"), contact["display_name"])
        try:
            await self.mailer.send(contact["email"], message, notification_id)
        except (OSError, Exception) as error:  # aiosmtplib errors and refused connections alike
            await self._fail(cause, notification_id, facts, f"e-mail not accepted: {type(error).__name__}")
            return
        event = new_envelope(NotificationSent(notification_id=notification_id, **facts),
                             branch=cause.branch, subject=notification_id,
                             correlation_id=cause.correlation_id)
        await self.store.finish(notification_id, "sent", event)
        log.info("notification sent", extra={"notification_id": notification_id, "template": template})

    async def _fail(self, cause: Envelope, notification_id: str, facts: dict, reason: str) -> None:
        event = new_envelope(NotificationFailed(notification_id=notification_id, reason=reason, **facts),
                             branch=cause.branch, subject=notification_id,
                             correlation_id=cause.correlation_id)
        await self.store.finish(notification_id, "failed", event, reason)
        log.warning("notification failed", extra={"notification_id": notification_id, "reason": reason})
