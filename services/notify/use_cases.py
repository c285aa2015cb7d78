"""Notify's use cases: record what must be said to whom, then deliver it once, retrying what can be retried.

Recording comes first and is idempotent (the notification's id derives from the event, the
recipient and the message); delivery is a separate step that any notify process may take up,
from the consumer right away or from the periodic delivery job later.

Live, the process that records a message sends it at once: it reads the contact, then inserts the
message already claimed, so a message that goes out at the first try costs one contact read, its
insert and the finish (which stores notification-sent for the relay). A message whose contact has
not come waits a moment in memory for the contact the other subscription is storing
(contact_arrivals.py); failing that, it is inserted parked until its wait runs out, and the
contact's own event, finding the mark the message left on it, sends it with the contact its own
write returned.
"""
from __future__ import annotations

import hashlib
import logging
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from jinja2 import TemplateError

from shared.clock import Now, utc_now
from shared.events import new_envelope
from shared.events.notify import NotificationFailed, NotificationSent
from shared.observability import correlation
from services.notify.adapters.mailer import SmtpMailer
from services.notify.adapters.branches import RememberedBranches
from services.notify.adapters.store import AWAITING_CONTACT, FAILED, PENDING, SENDING, SENT, SKIPPED, NotifyStore
from services.notify.adapters.templates import TemplateRenderer
from services.notify.contact_arrivals import ContactArrivals
from services.notify.domain.consent import withheld
from services.notify.domain.delivery import DeliveryFailure, RetryPolicy, notification_id
from services.notify.domain.language import choose_language
from services.notify.domain.links import Links
from services.notify.domain.messages import MessageKind, check_variables, message

log = logging.getLogger(__name__)
CHANNEL = "email"
DUE_BATCH = 200


@dataclass(frozen=True)
class DeliveryRules:
    retry: RetryPolicy = RetryPolicy()
    claim: timedelta = timedelta(minutes=2)
    contact_wait: timedelta = timedelta(hours=1)
    # How long a message found without its contact waits in memory for it before being parked.
    contact_linger: timedelta = timedelta(milliseconds=200)
    coordinators: dict[str, list[str]] = field(default_factory=dict)


def coordinator_id(address: str) -> str:
    """A stable recipient id for a coordinator's address that does not show the address."""
    return "coordinator-" + hashlib.sha256(address.strip().lower().encode()).hexdigest()[:16]


class Notifications:
    def __init__(self, store: NotifyStore, mailer: SmtpMailer, renderer: TemplateRenderer, links: Links,
                 rules: DeliveryRules, branches: RememberedBranches, now: Now = utc_now,
                 jitter: Callable[[], float] = random.random, deliver_on_record: bool = True) -> None:
        self.store, self.mailer, self.renderer, self.links, self.rules = store, mailer, renderer, links, rules
        self.branches = branches  # each branch's working languages, learned from the branch events
        self.now, self.jitter = now, jitter
        self.deliver_on_record = deliver_on_record  # a rebuild records, and sends nothing
        self.worker = uuid.uuid4().hex  # this process, as the holder of its claims
        self.arrivals = ContactArrivals()

    # -- recording ------------------------------------------------------------------------

    # `at`: when the cause happened (its event's time), so the record does not depend on when it was read.
    async def to_participant(self, cause_id: str, branch: str, participant_id: str, name: str,
                             facts: dict[str, Any], duo_id: str | None = None, *, at: datetime) -> None:
        kind = message(name)
        if kind.reminder:
            facts = {**facts, "stop_url": self.links.reminders(branch, participant_id)}
        await self._record(cause_id, branch, participant_id, kind, facts, duo_id, at=at)

    async def to_coordinators(self, cause_id: str, branch: str, name: str, facts: dict[str, Any],
                              duo_id: str | None = None, *, at: datetime) -> None:
        addresses = self.rules.coordinators.get(branch, [])
        if not addresses:
            log.warning("no coordinator address for the branch; message not recorded",
                        extra={"branch": branch, "template": name})
        for address in addresses:
            await self._record(cause_id, branch, coordinator_id(address), message(name), facts, duo_id, address,
                               at=at)

    async def _record(self, cause_id: str, branch: str, recipient_id: str, kind: MessageKind,
                      facts: dict[str, Any], duo_id: str | None, address: str | None = None, *,
                      at: datetime) -> None:
        now, notification = self.now(), notification_id(cause_id, recipient_id, kind.name)
        record = {"_id": notification, "branch": branch, "recipient_id": recipient_id, "audience": kind.audience,
                  "template": kind.name, "channel": CHANNEL, "cause_event_id": cause_id, "duo_id": duo_id,
                  "facts": facts, "correlation_id": correlation.ensure(), "status": PENDING, "attempts": 0,
                  "created_at": at, "next_attempt_at": now, "wait_contact_until": now + self.rules.contact_wait}
        if address is not None:
            record["address"] = address  # a coordinator's work address: stays in this database
        if not self.deliver_on_record:
            await self.store.add(record)
            return
        contact = await self.store.contact(recipient_id) if kind.audience == "participant" else None
        if kind.audience == "participant" and contact is None:
            contact = await self.arrivals.wait(recipient_id, self.rules.contact_linger.total_seconds())
        if kind.audience == "participant" and contact is None:
            # Parked as it is inserted: its contact's topic is read apart and may still come.
            record.update(next_attempt_at=record["wait_contact_until"], **{AWAITING_CONTACT: True})
            if await self.store.add(record):
                await self._await_contact(record)
            return
        # The insert is the claim: no other process may take the message while this one tries it, and
        # if this one dies the claim runs out and the delivery job takes it over.
        record.update(status=SENDING, claimed_by=self.worker, claimed_until=now + self.rules.claim)
        if await self.store.add(record):
            await self._attempt(record, now, contact)

    async def contact_arrived(self, participant_id: str, branch: str, contact: dict[str, Any]) -> None:
        """Keep the contact, and send at once the messages that were waiting for it (usually none)."""
        saved = await self.store.save_contact(participant_id, branch, contact)
        self.arrivals.arrived(participant_id, saved)
        awaited = self.store.awaiting(saved)
        if awaited and self.deliver_on_record:
            await self._deliver_awaited(participant_id, awaited, saved)

    async def consent_changed(self, participant_id: str, branch: str, purpose: str, granted: bool) -> None:
        await self.store.set_consent(participant_id, branch, purpose, granted)
        if purpose == "contact" and not granted:  # later messages are skipped when their turn comes
            await self.store.skip_pending(participant_id, self.now(), "consent to be contacted withdrawn")

    # -- delivering -----------------------------------------------------------------------

    async def deliver_due(self) -> int:
        """The periodic job: every message whose time has come (first tries, retries, expired claims)."""
        sent = 0
        for status, notification in await self.store.due(self.now(), DUE_BATCH):
            claim = self.store.take_over if status == SENDING else self.store.claim_due
            now = self.now()
            sent += await self._attempt_claimed(await claim(notification, self.worker, now, self.rules.claim), now)
        return sent

    async def deliver(self, notification: str) -> bool:
        """One attempt, if this process wins the claim (due, or its claim ran out); True when it went out."""
        now = self.now()
        doc = (await self.store.claim_due(notification, self.worker, now, self.rules.claim)
               or await self.store.take_over(notification, self.worker, now, self.rules.claim))
        return await self._attempt_claimed(doc, now)

    async def _deliver_awaited(self, participant_id: str, awaited: list[str], contact: dict[str, Any]) -> bool:
        """The messages parked for this participant's contact, now that it is here (as its write returned it);
        the mark goes last, so a crash before leaves it for the contact's redelivery."""
        sent = False
        for notification in awaited:
            now = self.now()
            doc = await self.store.claim_awaited(notification, self.worker, now, self.rules.claim)
            sent = await self._attempt_claimed(doc, now, contact) or sent
        await self.store.no_longer_awaited(participant_id, awaited)
        return sent

    async def _attempt_claimed(self, doc: dict[str, Any] | None, now: datetime,
                               contact: dict[str, Any] | None = None) -> bool:
        if doc is None:  # another process holds or finished it
            return False
        token = correlation.bind(doc.get("correlation_id") or correlation.new())
        try:
            return await self._attempt(doc, now, contact)
        finally:
            correlation.reset(token)

    async def _attempt(self, doc: dict[str, Any], now: datetime, contact: dict[str, Any] | None = None) -> bool:
        """One try; `contact`: the recipient's contact when the caller has just read or written it."""
        kind, attempts = message(doc["template"]), doc["attempts"] + 1
        if kind.audience == "participant":
            contact = contact if contact is not None else await self.store.contact(doc["recipient_id"])
            if contact is None:
                if now < doc["wait_contact_until"]:  # its topic is read apart: it may still come
                    return await self._park(doc)
                await self._fail(doc, now, attempts, "no contact on file for this participant")
                return False
            reason = withheld(kind, self.store.consents(contact))
            if reason:
                await self.store.finish(doc["_id"], self.worker, SKIPPED, now, {"reason": reason})
                return False
            address, language = contact["email"], contact.get("language")
            variables = {**doc["facts"], "first_name": contact["display_name"]}
        else:
            address, language, variables = doc["address"], None, doc["facts"]
        try:
            check_variables(kind, variables)
            available = self.renderer.languages(kind.name)
            # The branch's language matters only when the person's does not settle it (always for coordinators).
            branch_language = None if language in available else await self.branches.working_language(
                doc["branch"], now.date())
            language = choose_language(language, branch_language, available)
            rendered = self.renderer.render(kind.name, language, variables)
        except (TemplateError, ValueError) as error:
            await self._fail(doc, now, attempts, f"message could not be written ({type(error).__name__})")
            return False
        try:
            await self.mailer.send(address, rendered, doc["_id"])
        except DeliveryFailure as failure:
            if failure.permanent or self.rules.retry.gives_up(attempts):
                await self._fail(doc, now, attempts, failure.reason)
            else:
                delay = timedelta(seconds=self.rules.retry.delay(attempts, self.jitter))
                await self.store.release(doc["_id"], self.worker, now + delay,
                                         {"attempts": attempts, "reason": failure.reason})
            return False
        event = new_envelope(NotificationSent(**_facts(doc)), branch=doc["branch"], subject=doc["_id"])
        await self.store.finish(doc["_id"], self.worker, SENT, event.time,
                                {"attempts": attempts, "language": language, "reason": None}, event)
        log.info("notification sent", extra={"notification_id": doc["_id"], "template": kind.name,
                                             "attempts": attempts})
        return True

    async def _await_contact(self, doc: dict[str, Any]) -> bool:
        """Mark the parked message as waiting for its contact, whose event then sends it; else its wait runs
        out and the delivery job fails it.

        Parked before the mark is left: a contact stored after the mark finds the message pending and
        takes it; a contact stored before is returned by the marking write, and this process takes it."""
        contact = await self.store.await_contact(doc["recipient_id"], doc["_id"])
        if contact is None:
            return False
        return await self._deliver_awaited(doc["recipient_id"], [doc["_id"]], contact)

    async def _park(self, doc: dict[str, Any]) -> bool:
        """A message tried after its record (the delivery job) whose contact is still missing: parked again."""
        if not await self.store.release(doc["_id"], self.worker, doc["wait_contact_until"], awaiting_contact=True):
            return False  # no longer ours: erased meanwhile
        return await self._await_contact(doc)

    async def _fail(self, doc: dict[str, Any], now: datetime, attempts: int, reason: str) -> None:
        """Failed for good: recorded, published, and the branch's coordinators told (unless it was theirs)."""
        event = new_envelope(NotificationFailed(**_facts(doc), reason=reason), branch=doc["branch"],
                             subject=doc["_id"])
        await self.tell_coordinators_of_failure(doc, reason, event.time)
        await self.store.finish(doc["_id"], self.worker, FAILED, event.time, {"attempts": attempts, "reason": reason},
                                event)
        log.warning("notification failed", extra={"notification_id": doc["_id"], "reason": reason})


    async def tell_coordinators_of_failure(self, doc: dict[str, Any], reason: str, at: datetime) -> None:
        if doc["audience"] == "participant":
            await self.to_coordinators(doc["_id"], doc["branch"], "notification-failed", {
                "message": doc["template"], "reason": reason,
                "notification_url": self.links.notification(doc["branch"], doc["_id"])}, doc.get("duo_id"), at=at)

    # -- a rebuild: the outcome of a delivery, from its own event -------------------------

    async def delivered(self, notification: str, at: datetime) -> None:
        await self.store.replay_outcome(notification, SENT, at, {"reason": None})

    async def failed(self, notification: str, reason: str, at: datetime) -> None:
        doc = await self.store.replay_outcome(notification, FAILED, at, {"reason": reason})
        if doc is not None:
            await self.tell_coordinators_of_failure(doc, reason, at)


def _facts(doc: dict[str, Any]) -> dict[str, str]:
    return {"notification_id": doc["_id"], "recipient_id": doc["recipient_id"], "template": doc["template"],
            "channel": doc["channel"], "cause_event_id": doc["cause_event_id"]}
