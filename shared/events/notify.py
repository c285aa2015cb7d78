"""Events the notify service publishes (topic: notifications)."""
from __future__ import annotations

from shared.events import topics
from shared.events.catalog import event
from shared.events.common import Payload


@event("notification-sent", version=1, topic=topics.NOTIFICATIONS, source="notify")
class NotificationSent(Payload):
    """A message left for a participant; ids only, never the address or the text."""

    notification_id: str
    recipient_id: str
    template: str
    channel: str
    cause_event_id: str


@event("notification-failed", version=1, topic=topics.NOTIFICATIONS, source="notify")
class NotificationFailed(Payload):
    """A message could not be delivered; the reason is technical, never personal."""

    notification_id: str
    recipient_id: str
    template: str
    channel: str
    cause_event_id: str
    reason: str
