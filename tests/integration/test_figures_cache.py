"""followup's figures cache on the real store: the periods a page asks for together are computed
from one reading of the branch, and a write after that reading is never missed (adapters/figures_cache.py)."""
from __future__ import annotations

from datetime import date

import pytest
from pymongo import AsyncMongoClient

from services.followup.adapters.figures_cache import CLEARED_PER_COMMAND, FIGURES_DIRTY, FiguresCache, dirty_mark

BRANCH = "brussels"
YEAR = (date(2026, 1, 1), date(2026, 12, 31))
MONTHS = [(date(2026, m, 1), date(2026, m, 28)) for m in range(1, 7)]


@pytest.fixture
async def store(mongo_url, fresh_db_name):
    client = AsyncMongoClient(mongo_url, tz_aware=True)
    try:
        yield client[fresh_db_name]
    finally:
        await client.drop_database(fresh_db_name)
        await client.close()


class Branch:
    """The facts of one branch, in a collection the cache watches: each write leaves its mark, as followup's do."""

    def __init__(self, db) -> None:
        self.facts, self.reads = db["facts"], 0

    async def record(self, fact: str) -> None:
        await self.facts.insert_one({"_id": fact, "branch": BRANCH, FIGURES_DIRTY: dirty_mark(BRANCH)})

    async def read(self) -> list[str]:
        self.reads += 1
        return sorted(d["_id"] for d in await self.facts.find({"branch": BRANCH}).to_list())


def counted(period: tuple[date, date]):
    return lambda facts: {"period": f"{period[0]}..{period[1]}", "facts": len(facts)}


async def figures(cache: FiguresCache, branch: Branch, period: tuple[date, date]) -> dict:
    return await cache.figures(BRANCH, *period, branch.read, counted(period))


async def test_seven_periods_asked_together_read_the_branch_once(store):
    branch = Branch(store)
    await branch.record("mentee-1")
    cache = FiguresCache(store, [branch.facts])
    for period in [YEAR, *MONTHS]:
        assert (await figures(cache, branch, period))["facts"] == 1
    assert branch.reads == 1


async def test_a_write_after_the_reading_is_in_every_later_period(store):
    branch = Branch(store)
    await branch.record("mentee-1")
    cache = FiguresCache(store, [branch.facts])
    assert (await figures(cache, branch, YEAR))["facts"] == 1
    await branch.record("mentor-1")
    assert (await figures(cache, branch, MONTHS[0]))["facts"] == 2  # not from the facts remembered
    assert (await figures(cache, branch, YEAR))["facts"] == 2  # not the figures kept before
    assert branch.reads == 2


async def test_figures_kept_by_another_process_are_not_mixed_with_facts_remembered_here(store):
    branch = Branch(store)
    await branch.record("mentee-1")
    here, there = FiguresCache(store, [branch.facts]), FiguresCache(store, [branch.facts])
    assert (await figures(here, branch, YEAR))["facts"] == 1
    await branch.record("mentor-1")
    assert (await figures(there, branch, MONTHS[0]))["facts"] == 2  # clears the mark, keeps newer figures
    assert (await figures(here, branch, MONTHS[1]))["facts"] == 2  # the version moved: read again
    assert branch.reads == 3


async def test_every_mark_of_a_bulk_load_is_cleared_by_the_reading_that_counted_it(store):
    branch = Branch(store)
    await branch.facts.insert_many([{"_id": f"mentee-{n}", "branch": BRANCH, FIGURES_DIRTY: dirty_mark(BRANCH)}
                                    for n in range(2 * CLEARED_PER_COMMAND + 50)])
    cache = FiguresCache(store, [branch.facts])
    assert (await figures(cache, branch, YEAR))["facts"] == 250
    assert await branch.facts.count_documents({FIGURES_DIRTY: {"$exists": True}}) == 0
    assert (await figures(FiguresCache(store, [branch.facts]), branch, YEAR))["facts"] == 250  # kept: not read
    assert branch.reads == 1
