"""Delivery rules: the notification id, backoff with jitter, and which failures are worth retrying."""
from __future__ import annotations

import asyncio

import aiosmtplib
import pytest

from services.notify.adapters.mailer import SmtpMailer, classify
from services.notify.adapters.templates import Rendered
from services.notify.domain.delivery import DeliveryFailure, RetryPolicy, notification_id


def test_the_notification_id_is_the_same_for_the_same_key_and_differs_otherwise():
    key = ("event-1", "mentee-1", "duo-formed")
    assert notification_id(*key) == notification_id(*key)
    others = {notification_id("event-2", "mentee-1", "duo-formed"), notification_id("event-1", "mentor-1", "duo-formed"),
              notification_id("event-1", "mentee-1", "check-in-due")}
    assert notification_id(*key) not in others and len(others) == 3


def test_backoff_doubles_up_to_its_cap_with_half_of_each_delay_jittered():
    policy = RetryPolicy(base_seconds=1, max_seconds=10, max_attempts=6)
    lowest = [policy.delay(n, lambda: 0.0) for n in range(1, 7)]
    highest = [policy.delay(n, lambda: 1.0) for n in range(1, 7)]
    assert highest == [1, 2, 4, 8, 10, 10]
    assert lowest == [h / 2 for h in highest]
    assert policy.delay(3, lambda: 0.5) == 3.0


def test_the_policy_gives_up_after_its_attempts():
    policy = RetryPolicy(max_attempts=3)
    assert [policy.gives_up(n) for n in (1, 2, 3, 4)] == [False, False, True, True]
    with pytest.raises(ValueError):
        RetryPolicy(base_seconds=0)


@pytest.mark.parametrize(("error", "permanent"), [
    (ConnectionRefusedError(111, "refused"), False),
    (aiosmtplib.SMTPConnectError("no"), False),
    (aiosmtplib.SMTPServerDisconnected("gone"), False),
    (aiosmtplib.SMTPTimeoutError("slow"), False),
    (aiosmtplib.SMTPResponseException(421, "busy"), False),
    (aiosmtplib.SMTPResponseException(451, "try later"), False),
    (aiosmtplib.SMTPResponseException(554, "rejected"), True),
    (aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(550, "no such user", "x@y.example")]), True),
    (aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(450, "mailbox busy", "x@y.example")]), False),
])
def test_5xx_is_permanent_and_everything_else_from_the_server_is_transient(error, permanent):
    failure = classify(error)
    assert failure.permanent is permanent and failure.reason
    assert "x@y.example" not in failure.reason  # the reason never carries the address


def test_an_address_that_cannot_be_written_fails_at_once_without_a_connection():
    mailer = SmtpMailer("127.0.0.1", 9, "DUO <no-reply@duo.example>", 1.0)  # port 9: nothing is sent
    with pytest.raises(DeliveryFailure) as raised:
        asyncio.run(mailer.send("not an address", Rendered("mentor-trained", "en", "s", "t", "<p>h</p>"), "n-1"))
    assert raised.value.permanent and "invalid address" in raised.value.reason


def test_the_message_id_derives_from_the_notification_id():
    mailer = SmtpMailer("127.0.0.1", 9, "DUO <no-reply@duo.example>", 1.0)
    assert mailer.message_id("n-1") == "<n-1@duo.example>" == mailer.message_id("n-1")
