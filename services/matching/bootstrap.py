"""The one place that builds the matching service from its settings."""
from __future__ import annotations

from fastapi import FastAPI

from shared.clock import Clock, shifted_today
from shared.http.app import create_app
from shared.runtime import ServiceRuntime
from services.matching.adapters import pool as pool_store, proposals as proposal_store, round_lease
from services.matching.adapters.pool import PoolView
from services.matching.adapters.proposals import ProposalRepository
from services.matching.adapters.round_lease import RoundLeases
from services.matching.adapters.rounds import COLLECTION as ROUNDS, RoundRecords
from services.matching.entrypoints import api
from services.matching.entrypoints.consumers import PoolKeeper
from services.matching.settings import MatchingSettings
from services.matching.use_cases import Matching

PUBLISHES = ["duo-proposed", "proposal-declined", "duo-formed", "proposal-round-completed", "proposal-withdrawn"]


def build_runtime(settings: MatchingSettings | None = None) -> ServiceRuntime:
    return ServiceRuntime(settings or MatchingSettings(), publishes=PUBLISHES,
                          outbox_collections=[proposal_store.COLLECTION, ROUNDS],
                          collections={pool_store.COLLECTION: pool_store.INDEXES,
                                       proposal_store.COLLECTION: proposal_store.INDEXES,
                                       round_lease.COLLECTION: [], ROUNDS: []})


def build_app(settings: MatchingSettings | None = None, today: Clock | None = None) -> FastAPI:
    settings = settings or MatchingSettings()
    today = today or shifted_today(settings.clock_offset_days)
    runtime = build_runtime(settings)
    pool, proposals = PoolView(runtime.db), ProposalRepository(runtime.db)
    matching = Matching(pool, proposals, RoundLeases(runtime.db, settings.round_lease_seconds),
                        RoundRecords(runtime.db), settings.minimum_score, settings.branch_weights, today)
    PoolKeeper(pool, proposals, matching).subscribe(runtime.consumer)
    app = create_app(runtime, [api.router], title="DUO matching",
                     description="Keeps each branch's pool and proposes duos, with scores and reasons in words.")
    app.state.matching = matching
    return app
