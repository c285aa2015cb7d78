"""The one place that builds the intake service from its settings."""
from __future__ import annotations

from fastapi import FastAPI

from shared.clock import Clock, shifted_today
from shared.events import topics
from shared.http.app import create_app
from shared.messaging.retention import Retention
from shared.messaging.segment_roll import ContactSegmentRoller
from shared.runtime import ServiceRuntime
from services.intake.adapters import branches as branch_store, first_duos as first_duo_store
from services.intake.adapters.branches import BranchRepository
from services.intake.adapters.first_duos import FirstDuos
from services.intake.adapters.participants import COLLECTION, INDEXES, MIGRATIONS, ParticipantRepository
from services.intake.branch_use_cases import Branches
from services.intake.entrypoints import api, branches_api
from services.intake.domain.identity import IdentityHasher
from services.intake.entrypoints.consumers import BranchEvents, DuoFacts
from services.intake.settings import IntakeSettings
from services.intake.use_cases import Intake
from services.intake.adapters.participants import ORDER as PARTICIPANTS_ORDER
from shared.paging import fill_page_keys, page_keys_of

PUBLISHES = ["mentee-registered", "mentor-registered", "mentor-trained", "participant-withdrawn",
             "participant-erased", "participant-contact-changed", "participant-consent-changed",
             "participant-profile-changed", "branch-opened", "branch-rules-changed", "branch-closed"]


def build_runtime(settings: IntakeSettings | None = None) -> ServiceRuntime:
    return ServiceRuntime(settings or IntakeSettings(), publishes=PUBLISHES,
                          outbox_collections=[COLLECTION, branch_store.COLLECTION],
                          collections={COLLECTION: INDEXES, first_duo_store.COLLECTION: first_duo_store.INDEXES,
                                       branch_store.COLLECTION: branch_store.INDEXES, MIGRATIONS: []})


def subscribe_consumers(first_duos: FirstDuos, consumer) -> None:
    """What the service consumes live; a rebuild subscribes the same handlers to its replay."""
    DuoFacts(first_duos).subscribe(consumer)


def build_app(settings: IntakeSettings | None = None, today: Clock | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    today = today or shifted_today(settings.clock_offset_days)
    runtime = build_runtime(settings)
    first_duos = FirstDuos(runtime.db)
    subscribe_consumers(first_duos, runtime.consumer)
    # intake writes the contacts topic, so it keeps that topic's erasure bound on quiet partitions too
    runtime.every("contact-segment-roll", Retention.from_settings(settings).contact_roll_ms / 1000,
                  ContactSegmentRoller(runtime.broker, settings.topic_prefix + topics.PARTICIPANT_CONTACTS,
                                       settings.topic_partitions))
    branches = Branches(BranchRepository(runtime.db), today)
    participants = ParticipantRepository(runtime.db)
    runtime.at_start("open-initial-branches", branches.open_initial)
    runtime.at_start("load-branches", branches.load)  # then kept up to date by the branch events
    BranchEvents(branches).subscribe(runtime.broker, settings.topic_prefix)
    runtime.at_start("fill-held-keys", participants.fill_held_keys)
    runtime.at_start("fill-page-keys", lambda: fill_page_keys(participants.collection, page_keys_of(PARTICIPANTS_ORDER)))
    app = create_app(runtime, [api.router, api.national, branches_api.router, branches_api.national],
                     title="DUO intake",
                     description="Registers mentees and mentors, checks eligibility, records mentor training; "
                                 "audits how long each group of mentees waits for a mentor; keeps the branches "
                                 "and their rules.")
    app.state.branches = branches
    app.state.intake = Intake(participants, first_duos, branches,
                              IdentityHasher(settings.identity_key), today,
                              fairness_minimum_cell=settings.fairness_minimum_cell)
    return app
