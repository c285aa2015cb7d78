"""`python -m services.notify.rebuild` (`make rebuild SERVICE=notify`): contacts, consents and every
notification with its outcome rebuilt from the log, offline, into a fresh database; nothing is sent
(shared/rebuild.py says how and why). Messages still pending go out once the service runs on it."""
from __future__ import annotations

from shared.rebuild import RebuildPlan, main
from services.notify.adapters.store import NotifyStore
from services.notify.bootstrap import build_runtime, notifications_of, subscribe_consumers
from services.notify.entrypoints.own_events import OwnDeliveries
from services.notify.settings import NotifySettings


def plan(settings: NotifySettings) -> RebuildPlan:
    return RebuildPlan(
        build_runtime=build_runtime,
        live=lambda db, consumer: subscribe_consumers(notifications_of(db, settings, None), consumer),
        own=lambda db, consumer: OwnDeliveries(notifications_of(db, settings, None)).subscribe(consumer),
        # An erasure reaches every message to the person; a delivery's outcome is keyed by the notification,
        # recorded in the lane of the event that caused it: both wait until the lanes before them are done.
        barrier_types=frozenset({"participant-erased", "notification-sent", "notification-failed"}),
        finish=lambda db: NotifyStore(db, rebuilding=True).drop_unsent_at_erasure())


if __name__ == "__main__":
    SETTINGS = NotifySettings()
    main(SETTINGS, plan(SETTINGS))
