"""`python -m services.intake.rebuild` (`make rebuild SERVICE=intake`): what intake derives from events.

Intake's participant records are the source of truth, with personal data that is (rightly) never
in an event: no log can rebuild them, and this command leaves them alone. What intake derives from
events is each mentee's first duo day (first_duos, for the fairness audit): that is rebuilt into a
fresh database, then, with the service stopped, put in place of the live collection.
"""
from __future__ import annotations

from pymongo import AsyncMongoClient

from shared.rebuild import RebuildPlan, main
from services.intake.adapters.first_duos import COLLECTION, FirstDuos
from services.intake.bootstrap import build_runtime, subscribe_consumers
from services.intake.entrypoints.consumers import DuoFacts
from services.intake.settings import IntakeSettings

PLAN = RebuildPlan(
    build_runtime=build_runtime,
    live=lambda db, consumer: subscribe_consumers(FirstDuos(db), consumer),
    own=lambda db, consumer: DuoFacts(FirstDuos(db)).subscribe_own(consumer),
    # Events of one mentee's duos have different subjects: one lane keeps the order of its writes.
    lanes=1)


async def put_in_place(settings: IntakeSettings, rebuilt: str) -> str:
    """Replace the live first_duos by the rebuilt ones (the service is stopped: nobody reads meanwhile)."""
    mongo = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    try:
        documents = await mongo[rebuilt][COLLECTION].find({}).to_list()
        live = mongo[settings.mongo_db][COLLECTION]
        await live.delete_many({})
        if documents:
            await live.insert_many(documents)
    finally:
        await mongo.close()
    return (f"first_duos of {settings.mongo_db} replaced by the {len(documents)} rebuilt documents; "
            f"start intake as before (participants untouched).")


if __name__ == "__main__":
    SETTINGS = IntakeSettings()
    main(SETTINGS, PLAN, after=lambda rebuilt: put_in_place(SETTINGS, rebuilt))
