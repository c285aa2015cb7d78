"""The one place that builds the matching service from its settings."""
from __future__ import annotations

from fastapi import FastAPI

from shared import branch_directory
from shared.branch_directory import BranchDirectory
from shared.clock import Clock, shifted_today
from shared.http import branch_rules
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
from services.matching.adapters.proposals import ORDER as PROPOSALS_ORDER
from services.matching.adapters.pool import ORDER as POOL_ORDER
from shared.paging import fill_page_keys, page_keys_of

PUBLISHES = ["duo-proposed", "proposal-declined", "duo-formed", "proposal-round-completed", "proposal-withdrawn"]


def build_runtime(settings: MatchingSettings | None = None) -> ServiceRuntime:
    return ServiceRuntime(settings or MatchingSettings(), publishes=PUBLISHES,
                          outbox_collections=[proposal_store.COLLECTION, ROUNDS],
                          collections={pool_store.COLLECTION: pool_store.INDEXES,
                                       proposal_store.COLLECTION: proposal_store.INDEXES,
                                       round_lease.COLLECTION: [], ROUNDS: [], branch_directory.COLLECTION: []})


def subscribe_consumers(pool: PoolView, proposals: ProposalRepository, branches: BranchDirectory,
                        consumer, matching: Matching | None = None) -> None:
    """What the service consumes live; a rebuild subscribes the same handlers to its replay, without
    `matching`: the withdrawals it decided come back from its own events instead."""
    PoolKeeper(pool, proposals, matching).subscribe(consumer)
    branches.subscribe(consumer)


def build_app(settings: MatchingSettings | None = None, today: Clock | None = None) -> FastAPI:
    settings = settings or MatchingSettings()
    today = today or shifted_today(settings.clock_offset_days)
    runtime = build_runtime(settings)
    pool, proposals = PoolView(runtime.db), ProposalRepository(runtime.db)
    branches = BranchDirectory(runtime.db)
    matching = Matching(pool, proposals, RoundLeases(runtime.db, settings.round_lease_seconds),
                        RoundRecords(runtime.db), branches, settings.minimum_score, today)
    subscribe_consumers(pool, proposals, branches, runtime.consumer, matching)
    runtime.at_start("fill-page-keys", lambda: fill_page_keys(pool.collection, page_keys_of(POOL_ORDER)))
    runtime.at_start("fill-proposal-page-keys",
                     lambda: fill_page_keys(proposals.collection, page_keys_of(PROPOSALS_ORDER)))
    app = create_app(runtime, [api.router, branch_rules.router(branches, today)], title="DUO matching",
                     description="Keeps each branch's pool and proposes duos, with scores and reasons in words.")
    app.state.matching = matching
    return app
