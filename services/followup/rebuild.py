"""`python -m services.followup.rebuild` (`make rebuild SERVICE=followup`): every duo's record and the
participant facts rebuilt from the log, offline, into a fresh database (shared/rebuild.py says how and why)."""
from __future__ import annotations

from shared.clock import shifted_today
from shared.rebuild import RebuildPlan, main
from services.followup.bootstrap import build_runtime, follow_up, subscribe_consumers
from services.followup.entrypoints.own_events import OwnRecords
from services.followup.settings import FollowupSettings


def plan(settings: FollowupSettings) -> RebuildPlan:
    def live(db, consumer) -> None:
        subscribe_consumers(follow_up(db, settings, shifted_today(settings.clock_offset_days)), consumer)

    def own(db, consumer) -> None:
        OwnRecords(follow_up(db, settings, shifted_today(settings.clock_offset_days))).subscribe(consumer)

    # An erasure replaces the person's id in every duo and fact that names them (other subjects).
    return RebuildPlan(build_runtime=build_runtime, live=live, own=own, barrier_types=frozenset({"participant-erased"}))


if __name__ == "__main__":
    SETTINGS = FollowupSettings()
    main(SETTINGS, plan(SETTINGS))
