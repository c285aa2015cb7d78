"""The one place that builds the notify service from its settings."""
from __future__ import annotations

from fastapi import FastAPI

from shared.http.app import create_app
from shared.runtime import ServiceRuntime
from services.notify.adapters.mailer import SmtpMailer
from services.notify.adapters.store import INDEXES, NOTIFICATIONS, NotifyStore
from services.notify.entrypoints import api
from services.notify.entrypoints.consumers import Notifier
from services.notify.settings import NotifySettings

PUBLISHES = ["notification-sent", "notification-failed"]


def build_runtime(settings: NotifySettings | None = None) -> ServiceRuntime:
    return ServiceRuntime(settings or NotifySettings(), publishes=PUBLISHES, outbox_collections=[NOTIFICATIONS],
                          collections=INDEXES)


def build_app(settings: NotifySettings | None = None) -> FastAPI:
    settings = settings or NotifySettings()
    runtime = build_runtime(settings)
    store = NotifyStore(runtime.db)
    mailer = SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_sender,
                        settings.smtp_timeout_seconds)
    Notifier(runtime, store, mailer).subscribe()
    app = create_app(runtime, [api.router], title="DUO notify",
                     description="Sends participants the news of their duo and records delivery.")
    app.state.store = store
    return app
