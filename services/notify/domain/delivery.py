"""Delivery rules: one notification per (event, recipient, message), retries with backoff, and why one fails.

A transient failure (the mail server unreachable, a 4xx reply) is retried after an exponentially
growing delay with jitter, so that many messages held up by one outage do not all return at the
same instant; after `max_attempts` it fails for good. A permanent failure (a 5xx reply, an
address that cannot be written) fails at once: retrying cannot help.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Callable

# Fixed: the same (event, recipient, message) must give the same id in every process, for ever.
NOTIFICATION_NAMESPACE = uuid.UUID("3b0c5a8e-7f41-4f8e-9d0a-6a1e2c9b5d17")


def notification_id(cause_event_id: str, recipient_id: str, message: str) -> str:
    return str(uuid.uuid5(NOTIFICATION_NAMESPACE, f"{cause_event_id}|{recipient_id}|{message}"))


class DeliveryFailure(Exception):
    """The mail server did not take the message. `reason` is technical, never personal."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason, self.permanent = reason, permanent


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 2.0
    max_seconds: float = 600.0
    max_attempts: int = 10

    def __post_init__(self) -> None:
        if self.base_seconds <= 0 or self.max_seconds < self.base_seconds or self.max_attempts < 1:
            raise ValueError("retry policy: base > 0, max >= base, at least one attempt")

    def gives_up(self, attempts: int) -> bool:
        """After `attempts` failed attempts, whether to stop trying."""
        return attempts >= self.max_attempts

    def delay(self, attempts: int, random: Callable[[], float]) -> float:
        """Seconds before the next try after `attempts` failures: capped doubling, with half of it jittered."""
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** (attempts - 1))
        return ceiling / 2 + random() * ceiling / 2
