"""`python -m services.followup.rebuild` (`make rebuild SERVICE=followup`): every duo's record and the
participant facts rebuilt from the log, offline, into a fresh database (shared/rebuild.py says how and why)."""
from __future__ import annotations

from shared.clock import shifted_today
from shared.rebuild import RebuildPlan, main
from services.followup.adapters.rebuilt_duos import RebuiltDuos
from services.followup.bootstrap import build_runtime, follow_up, subscribe_consumers
from services.followup.entrypoints.own_events import OwnRecords
from services.followup.settings import FollowupSettings
from services.followup.use_cases import FollowUp


def plan(settings: FollowupSettings) -> RebuildPlan:
    made: dict[str, FollowUp] = {}

    def followup(db) -> FollowUp:
        # One FollowUp for the live and the own handlers: its duos are held in memory, and two
        # copies of them would not see each other's changes.
        if db.name not in made:
            made[db.name] = follow_up(db, settings, shifted_today(settings.clock_offset_days), RebuiltDuos(db))
        return made[db.name]

    async def finish(db) -> None:
        await followup(db).duos.flush()

    # An erasure replaces the person's id in every duo and fact that names them (other subjects).
    return RebuildPlan(build_runtime=build_runtime,
                       live=lambda db, replay: subscribe_consumers(followup(db), replay),
                       own=lambda db, replay: OwnRecords(followup(db)).subscribe(replay),
                       barrier_types=frozenset({"participant-erased"}), finish=finish)


if __name__ == "__main__":
    SETTINGS = FollowupSettings()
    main(SETTINGS, plan(SETTINGS))
