"""Each intake process judges by rules kept in memory: loaded at start, updated at once by its own changes,
learned from the branch events for another process's, read from the store only for what it has not heard of."""
from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest

from services.intake.adapters.participants import applied
from services.intake.branch_use_cases import Branches
from services.intake.domain.branches import Branch
from shared.rules import NotFound, RuleBroken
from tests.unit.intake.initial import INITIAL

TODAY = date(2026, 11, 25)


class Store:
    """The branches collection shared by several processes; counts the reads."""

    def __init__(self) -> None:
        self.branches: dict[str, Branch] = {}
        self.reads = 0

    async def get(self, name: str):
        self.reads += 1
        found = self.branches.get(name)
        return None if found is None else (copy.deepcopy(found), {"_id": name})

    async def all(self) -> list[Branch]:
        self.reads += 1
        return [copy.deepcopy(b) for b in self.branches.values()]

    async def add(self, branch: Branch, *events) -> bool:
        if branch.branch in self.branches:
            return False
        self.branches[branch.branch] = copy.deepcopy(branch)
        return True

    async def save(self, branch: Branch, read, *events) -> None:
        self.branches[branch.branch] = copy.deepcopy(branch)


def process(store: Store) -> Branches:
    return Branches(store, lambda: TODAY, INITIAL)  # type: ignore[arg-type]


NAMUR = {"country": "BE", "working_languages": ["fr"]}


async def test_after_loading_a_registration_reads_nothing_and_own_changes_apply_at_once():
    store = Store()
    mine = process(store)
    await mine.open_initial()
    await mine.load()
    assert (await mine.for_registration("brussels", TODAY)).version == 1
    await mine.change_rules("brussels", {"mentee_max_age": 30}, TODAY)
    reads = store.reads  # the change itself reads the branch to write on condition
    assert (await mine.for_registration("brussels", TODAY)).mentee_max_age == 30
    await mine.close("brussels")
    with pytest.raises(RuleBroken) as refused:
        await mine.for_registration("brussels", TODAY)
    assert refused.value.refusals[0].rule == "branch.closed"
    assert store.reads == reads + 1  # the closure's own read, no other


async def test_another_process_s_changes_are_learned_from_their_events_or_read_when_not_heard_of():
    store = Store()
    mine, other = process(store), process(store)
    await other.open_initial()
    await mine.load()
    # A branch opened elsewhere and not heard of yet: read once, then known.
    await other.open("namur", NAMUR)
    reads = store.reads
    assert (await mine.for_registration("namur", TODAY)).version == 1
    assert (await mine.for_registration("namur", TODAY)).version == 1
    assert store.reads == reads + 1
    # A rules change: the event makes this process read the branch once; hearing it again reads nothing.
    await other.change_rules("namur", {"mentee_max_age": 25}, TODAY)
    await mine.heard("namur", 2)
    reads = store.reads
    await mine.heard("namur", 2)
    await mine.heard("namur", 1)
    assert store.reads == reads and (await mine.for_registration("namur", TODAY)).mentee_max_age == 25
    # A participant registered elsewhere under a version this process has not heard of: read, not guessed.
    await other.change_rules("namur", {"mentee_max_age": 26}, TODAY + timedelta(days=1))
    assert (await mine.rules_of("namur", 3, TODAY)).mentee_max_age == 26
    await other.close("namur")
    await mine.heard("namur", closed=True)
    with pytest.raises(RuleBroken):
        await mine.for_registration("namur", TODAY)
    with pytest.raises(NotFound):
        await mine.rules_of("atlantis", 1, TODAY)


async def test_an_unknown_branch_is_refused_naming_the_known_ones():
    store = Store()
    mine = process(store)
    await mine.open_initial()
    await mine.load()
    with pytest.raises(RuleBroken) as refused:
        await mine.for_registration("atlantis", TODAY)
    assert refused.value.refusals[0].rule == "branch.unknown" and "brussels" in str(refused.value.refusals[0].message)
    assert mine.known() == sorted(INITIAL.branches)


async def test_an_older_read_finishing_late_does_not_undo_a_newer_state():
    store = Store()
    mine = process(store)
    await mine.open("namur", NAMUR)
    older = copy.deepcopy(store.branches["namur"])
    await mine.change_rules("namur", {"mentee_max_age": 25}, TODAY)
    await mine.close("namur")
    mine._learn(older)  # e.g. a read sent before the change, answered after it
    with pytest.raises(RuleBroken) as refused:
        await mine.for_registration("namur", TODAY)
    assert refused.value.refusals[0].rule == "branch.closed"
    assert (await mine.rules_of("namur", 2, TODAY)).mentee_max_age == 25


def test_the_record_a_change_leaves_is_the_update_applied_to_the_version_read():
    read = {"_id": "p1", "version": 3, "status": "registered", "training": {"a": "2026-01-01"},
            "personal": {"first_name": "Amina", "email": "a@example.org"}, "history": [{"change": "registration"}],
            "outbox": [{"id": "e1"}]}
    after = applied(read, {"$set": {"training.b": "2026-01-02", "consents.reminders": {"granted": False},
                                    "status": "withdrawn"},
                           "$unset": {"personal": "", "missing": ""}, "$push": {"history": {"change": "training"}}})
    assert after == {"_id": "p1", "version": 4, "status": "withdrawn",
                     "training": {"a": "2026-01-01", "b": "2026-01-02"}, "consents": {"reminders": {"granted": False}},
                     "history": [{"change": "registration"}, {"change": "training"}]}
    assert read["version"] == 3 and "b" not in read["training"] and read["personal"]  # the read is left as it was
    with pytest.raises(ValueError):
        applied(read, {"$inc": {"n": 1}})
