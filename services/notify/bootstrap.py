"""The one place that builds the notify service from its settings."""
from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from shared import branch_directory
from shared.clock import Now, utc_now
from shared.http import branch_rules
from shared.http.app import create_app
from shared.runtime import ServiceRuntime
from services.notify.adapters.branches import RememberedBranches
from services.notify.adapters.mailer import SmtpMailer
from services.notify.adapters.store import INDEXES, NOTIFICATIONS, NotifyStore
from services.notify.adapters.templates import TemplateRenderer
from services.notify.domain.delivery import RetryPolicy
from services.notify.domain.links import Links
from services.notify.entrypoints import api
from services.notify.entrypoints.consumers import Notifier
from services.notify.settings import NotifySettings
from services.notify.use_cases import DeliveryRules, Notifications
from services.notify.adapters.store import ORDER as NOTIFICATIONS_ORDER
from shared.paging import fill_page_keys, page_keys_of

PUBLISHES = ["notification-sent", "notification-failed"]


def build_runtime(settings: NotifySettings | None = None) -> ServiceRuntime:
    return ServiceRuntime(settings or NotifySettings(), publishes=PUBLISHES, outbox_collections=[NOTIFICATIONS],
                          collections={**INDEXES, branch_directory.COLLECTION: []})


def delivery_rules(settings: NotifySettings) -> DeliveryRules:
    return DeliveryRules(
        retry=RetryPolicy(settings.retry_base_seconds, settings.retry_max_seconds, settings.retry_max_attempts),
        claim=timedelta(seconds=settings.claim_seconds), contact_wait=timedelta(seconds=settings.contact_wait_seconds),
        contact_linger=timedelta(milliseconds=settings.contact_linger_ms), coordinators=settings.coordinator_emails)


def notifications_of(db, settings: NotifySettings, mailer: SmtpMailer | None, now: Now = utc_now) -> Notifications:
    """Without a mailer (a rebuild) messages are recorded and none is sent."""
    return Notifications(NotifyStore(db, rebuilding=mailer is None), mailer, TemplateRenderer(), Links(settings.console_url),
                         delivery_rules(settings), RememberedBranches(db), now, deliver_on_record=mailer is not None)


def subscribe_consumers(notifications: Notifications, consumer) -> None:
    """What the service consumes live; a rebuild subscribes the same handlers to its replay."""
    Notifier(notifications, notifications.store, notifications.links).subscribe(consumer)
    notifications.branches.subscribe(consumer)


def build_app(settings: NotifySettings | None = None, now: Now = utc_now) -> FastAPI:
    settings = settings or NotifySettings()
    runtime = build_runtime(settings)
    mailer = SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_sender,
                        settings.smtp_timeout_seconds)
    notifications = notifications_of(runtime.db, settings, mailer, now)
    store = notifications.store
    subscribe_consumers(notifications, runtime.consumer)
    runtime.every("deliver-notifications", settings.delivery_poll_seconds, notifications.deliver_due)
    runtime.at_start("fill-page-keys", lambda: fill_page_keys(store.notifications, page_keys_of(NOTIFICATIONS_ORDER)))
    app = create_app(runtime, [api.router, branch_rules.router(notifications.branches, lambda: now().date())],
                     title="DUO notify",
                     description="Tells participants and coordinators what the programme needs them to know, "
                                 "in their language, and records every delivery.")
    app.state.store, app.state.notifications = store, notifications
    return app
