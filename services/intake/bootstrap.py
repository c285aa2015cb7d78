"""The one place that builds the intake service from its settings."""
from __future__ import annotations

from fastapi import FastAPI

from shared.clock import Clock, shifted_today
from shared.http.app import create_app
from shared.runtime import ServiceRuntime
from services.intake.adapters.participants import COLLECTION, INDEXES, ParticipantRepository
from services.intake.entrypoints import api
from services.intake.settings import IntakeSettings
from services.intake.use_cases import Intake

PUBLISHES = ["mentee-registered", "mentor-registered", "mentor-trained", "participant-withdrawn",
             "participant-erased", "participant-contact-changed", "participant-reminder-consent-changed"]


def build_runtime(settings: IntakeSettings | None = None) -> ServiceRuntime:
    return ServiceRuntime(settings or IntakeSettings(), publishes=PUBLISHES, outbox_collections=[COLLECTION],
                          collections={COLLECTION: INDEXES})


def build_app(settings: IntakeSettings | None = None, today: Clock | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    today = today or shifted_today(settings.clock_offset_days)
    runtime = build_runtime(settings)
    app = create_app(runtime, [api.router], title="DUO intake",
                     description="Registers mentees and mentors, checks eligibility, records mentor training.")
    app.state.intake = Intake(ParticipantRepository(runtime.db), today)
    return app
