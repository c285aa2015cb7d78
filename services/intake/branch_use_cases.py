"""Branches as data: national staff open, change and close them; each change is a branch event.

The initial branches (initial_branches.json) are opened the same way when intake first finds
them missing; several intake processes may start at once, and the branch id as the document id
lets exactly one of them insert each branch and its branch-opened event.

Registrations, corrections and training are judged by rules kept in memory, not read per request:
each process loads the branches when it starts, updates its copy at once when it makes a change,
and learns another process's changes from the branch events (`heard`, fed by every process reading
the branches topic outside the consumer group). A branch or rules version it has not heard of yet
is read from the database, so a branch opened through another process registers at once.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from shared.clock import Clock, utc_today
from shared.events import new_envelope
from shared.events.branches import BranchClosed, BranchOpened, BranchRulesChanged
from shared.rules import NotFound, RuleBroken
from shared.storage import retried_on_conflict
from services.intake.adapters.branches import BranchRepository, InitialBranches, initial_branches
from services.intake.domain.branches import CLOSED, Branch, BranchRules


class Branches:
    def __init__(self, repository: BranchRepository, today: Clock = utc_today,
                 initial: InitialBranches | None = None) -> None:
        self.repository, self.today = repository, today
        self.initial = initial or initial_branches()
        self._known: dict[str, Branch] = {}  # this process's copy; never changed in place, only replaced

    async def load(self) -> None:
        """At start, before serving: every branch, as stored."""
        for branch in await self.repository.all():
            self._learn(branch)

    def known(self) -> list[str]:
        return sorted(self._known)

    async def heard(self, name: str, version: int | None = None, closed: bool = False) -> None:
        """A branch event: read the branch again unless this copy already has what the event tells."""
        mine = self._known.get(name)
        if mine is not None and (mine.status == CLOSED if closed else
                                 any(v.version == version for v in mine.versions)):
            return
        try:
            await self._stored(name)
        except Exception:
            self._known.pop(name, None)  # read it on its next use instead
            raise

    async def open_initial(self) -> list[str]:
        """Open every initial branch not there yet; returns those this process opened."""
        opened = []
        for name, rules in self.initial.branches.items():
            if await self.repository.get(name) is None and await self._add(
                    Branch.open(name, rules, self.initial.effective_from, self.today())):
                opened.append(name)
        return opened

    async def open(self, name: str, given: dict[str, Any]) -> Branch:
        """Open a branch; what `given` does not say comes from the programme's defaults."""
        today = self.today()
        branch = Branch.open(name, _with_defaults(self.initial.defaults, given), today, today)
        if not await self._add(branch):
            raise RuleBroken.single("branch.exists", f"Branch {name} exists already; change its rules instead.",
                                    "branch")
        self._learn(branch)
        return branch

    async def _add(self, branch: Branch) -> bool:
        first = branch.latest
        event = new_envelope(BranchOpened(rules_version=first.version, effective_from=first.effective_from,
                                          rules=first.rules), branch=branch.branch, subject=branch.branch)
        return await self.repository.add(branch, event)

    @retried_on_conflict
    async def change_rules(self, name: str, changes: dict[str, Any], effective_from: date) -> Branch:
        branch, read = await self._get(name)
        version = branch.change_rules(changes, effective_from, self.today())
        event = new_envelope(BranchRulesChanged(rules_version=version.version, effective_from=version.effective_from,
                                                rules=version.rules), branch=name, subject=name)
        await self.repository.save(branch, read, event)
        self._learn(branch)
        return branch

    @retried_on_conflict
    async def close(self, name: str) -> Branch:
        branch, read = await self._get(name)
        branch.close(self.today())
        await self.repository.save(branch, read, new_envelope(BranchClosed(closed_on=branch.closed_on),
                                                              branch=name, subject=name))
        self._learn(branch)
        return branch

    async def get(self, name: str) -> Branch:
        return (await self._get(name))[0]

    async def all(self) -> list[Branch]:
        return await self.repository.all()

    async def for_registration(self, name: str, day: date) -> BranchRules:
        """The rules that judge a registration made on `day`; refuses an unknown or closed branch."""
        branch = self._known.get(name) or await self._stored(name)
        if branch is None:
            raise RuleBroken.single("branch.unknown", f"There is no DUO branch called {name!r}; known branches: "
                                    f"{', '.join(self.known())}.", "branch")
        branch.require_open_for_registration()
        return branch.rules_on(day)

    async def rules_of(self, name: str, version: int | None, registered_on: date) -> BranchRules:
        """The rules a participant was registered under (older records name no version: the day's)."""
        branch = self._known.get(name)
        if branch is None or (version and not any(v.version == version for v in branch.versions)):
            branch = await self._stored(name)  # made by another process, not heard of yet
            if branch is None:
                raise NotFound("branch")
        return branch.rules_version(version) if version else branch.rules_on(registered_on)

    async def _stored(self, name: str) -> Branch | None:
        """The branch as stored now, learned into this process's copy."""
        found = await self.repository.get(name)
        if found is None:
            return None
        self._learn(found[0])
        return self._known[name]

    def _learn(self, branch: Branch) -> None:
        """Keep the later of two states: versions are only ever added, and a closed branch stays closed, so an
        older read finishing after a newer one cannot undo it."""
        mine = self._known.get(branch.branch)
        if mine is None or _progress(branch) > _progress(mine):
            self._known[branch.branch] = branch

    async def _get(self, name: str) -> tuple[Branch, dict[str, Any]]:
        found = await self.repository.get(name)
        if found is None:
            raise NotFound("branch")
        return found


def _progress(branch: Branch) -> tuple[int, bool]:
    return len(branch.versions), branch.status == CLOSED


def _with_defaults(defaults: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    rules = {**defaults, **given}
    rules["matching_weights"] = {**defaults["matching_weights"], **given.get("matching_weights", {})}
    return rules
