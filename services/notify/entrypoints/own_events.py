"""Notify's own outcomes, read back from its own events: a rebuilt view knows which messages went out
or failed, without sending anything again."""
from __future__ import annotations

from shared.events import Envelope, topics
from shared.events.notify import NotificationFailed, NotificationSent
from services.notify.use_cases import Notifications


class OwnDeliveries:
    def __init__(self, notifications: Notifications) -> None:
        self.notifications = notifications

    def subscribe(self, consumer) -> None:
        consumer.subscribe(topics.NOTIFICATIONS, {"notification-sent": self.on_sent,
                                                  "notification-failed": self.on_failed})

    async def on_sent(self, envelope: Envelope, sent: NotificationSent) -> None:
        await self.notifications.delivered(sent.notification_id, envelope.time)

    async def on_failed(self, envelope: Envelope, failed: NotificationFailed) -> None:
        await self.notifications.failed(failed.notification_id, failed.reason, envelope.time)
