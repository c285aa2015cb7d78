"""The one place that builds the followup service from its settings."""
from __future__ import annotations

from fastapi import FastAPI

from shared import branch_directory
from shared.branch_directory import BranchDirectory
from shared.clock import Clock, shifted_today
from shared.http import branch_rules
from shared.http.app import create_app
from shared.runtime import ServiceRuntime
from services.followup.adapters import duos, figures_cache, participant_facts
from services.followup.adapters.duos import DuoRepository
from services.followup.adapters.participant_facts import ParticipantFacts
from services.followup.domain.rules import FollowupRules
from services.followup.entrypoints import api
from services.followup.entrypoints.consumers import DuoStarter
from services.followup.settings import FollowupSettings
from services.followup.use_cases import FollowUp
from services.followup.adapters.duo_records import page_keys as duo_page_keys
from shared.paging import fill_page_keys

PUBLISHES = ["session-logged", "check-in-recorded", "duo-at-risk", "duo-ended", "outcome-recorded",
             "first-meeting-upcoming", "check-in-due", "outcome-follow-up-due"]


def build_runtime(settings: FollowupSettings | None = None) -> ServiceRuntime:
    return ServiceRuntime(settings or FollowupSettings(), publishes=PUBLISHES,
                          outbox_collections=[duos.COLLECTION],
                          collections={duos.COLLECTION: duos.INDEXES,
                                       participant_facts.COLLECTION: participant_facts.INDEXES,
                                       figures_cache.COLLECTION: [],
                                       branch_directory.COLLECTION: []})


def rules_from(settings: FollowupSettings) -> FollowupRules:
    return FollowupRules(duration_months=settings.duration_months,
                         expected_hours_per_week=settings.expected_hours_per_week,
                         at_risk_after_days=settings.at_risk_after_days,
                         follow_up_after_months=settings.follow_up_after_months,
                         first_meeting_notice_days=settings.first_meeting_notice_days)


def follow_up(db, settings: FollowupSettings, today: Clock, duos: DuoRepository | None = None) -> FollowUp:
    duos, facts = duos or DuoRepository(db), ParticipantFacts(db)
    return FollowUp(duos, facts, rules_from(settings), BranchDirectory(db), today,
                    figures_cache.FiguresCache(db, [duos.collection, facts.collection]))


def subscribe_consumers(followup: FollowUp, consumer) -> None:
    """What the service consumes live; a rebuild subscribes the same handlers to its replay."""
    DuoStarter(followup, followup.duos, followup.facts).subscribe(consumer)
    followup.branches.subscribe(consumer)


def build_app(settings: FollowupSettings | None = None, today: Clock | None = None) -> FastAPI:
    settings = settings or FollowupSettings()
    today = today or shifted_today(settings.clock_offset_days)
    runtime = build_runtime(settings)
    followup = follow_up(runtime.db, settings, today)
    subscribe_consumers(followup, runtime.consumer)
    runtime.at_start("fill-page-keys", lambda: fill_page_keys(followup.duos.collection, duo_page_keys))
    runtime.every("at-risk-scan", settings.at_risk_scan_seconds, followup.scan_at_risk)
    runtime.every("reminder-scan", settings.reminder_scan_seconds, followup.scan_reminders)
    app = create_app(runtime, [api.router, api.national, branch_rules.router(followup.branches, today)],
                     title="DUO followup",
                     description="Follows each duo's six months: sessions, check-ins, risk, ending, outcomes, figures.")
    app.state.followup = followup
    return app
