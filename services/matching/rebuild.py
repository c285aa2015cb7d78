"""`python -m services.matching.rebuild` (`make rebuild SERVICE=matching`): the pools, proposals and rounds
rebuilt from the log, offline, into a fresh database (shared/rebuild.py says how and why)."""
from __future__ import annotations

from shared.branch_directory import BranchDirectory
from shared.rebuild import RebuildPlan, main
from services.matching.adapters.pool import PoolView
from services.matching.adapters.proposals import ProposalRepository
from services.matching.adapters.rounds import RoundRecords
from services.matching.bootstrap import build_runtime, subscribe_consumers
from services.matching.entrypoints.own_events import OwnDecisions
from services.matching.settings import MatchingSettings

PLAN = RebuildPlan(
    build_runtime=build_runtime,
    live=lambda db, consumer: subscribe_consumers(PoolView(db), ProposalRepository(db), BranchDirectory(db),
                                                   consumer),
    own=lambda db, consumer: OwnDecisions(PoolView(db), ProposalRepository(db), RoundRecords(db)).subscribe(consumer),
    # An erasure rewrites every proposal naming the person; a duo's end frees its mentee (another subject).
    barrier_types=frozenset({"participant-erased", "duo-ended"}))

if __name__ == "__main__":
    main(MatchingSettings(), PLAN)
