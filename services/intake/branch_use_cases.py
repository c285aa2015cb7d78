"""Branches as data: national staff open, change and close them; each change is a branch event.

The initial branches (initial_branches.json) are opened the same way when intake first finds
them missing; several intake processes may start at once, and the branch id as the document id
lets exactly one of them insert each branch and its branch-opened event.
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
from services.intake.domain.branches import Branch, BranchRules


class Branches:
    def __init__(self, repository: BranchRepository, today: Clock = utc_today,
                 initial: InitialBranches | None = None) -> None:
        self.repository, self.today = repository, today
        self.initial = initial or initial_branches()

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
        return branch

    @retried_on_conflict
    async def close(self, name: str) -> Branch:
        branch, read = await self._get(name)
        branch.close(self.today())
        await self.repository.save(branch, read, new_envelope(BranchClosed(closed_on=branch.closed_on),
                                                              branch=name, subject=name))
        return branch

    async def get(self, name: str) -> Branch:
        return (await self._get(name))[0]

    async def all(self) -> list[Branch]:
        return await self.repository.all()

    async def for_registration(self, name: str, day: date) -> BranchRules:
        """The rules that judge a registration made on `day`; refuses an unknown or closed branch."""
        found = await self.repository.get(name)
        if found is None:
            known = ", ".join(await self.repository.known())
            raise RuleBroken.single("branch.unknown", f"There is no DUO branch called {name!r}; known branches: "
                                    f"{known}.", "branch")
        branch = found[0]
        branch.require_open_for_registration()
        return branch.rules_on(day)

    async def rules_of(self, name: str, version: int | None, registered_on: date) -> BranchRules:
        """The rules a participant was registered under (older records name no version: the day's)."""
        branch = await self.get(name)
        return branch.rules_version(version) if version else branch.rules_on(registered_on)

    async def _get(self, name: str) -> tuple[Branch, dict[str, Any]]:
        found = await self.repository.get(name)
        if found is None:
            raise NotFound("branch")
        return found


def _with_defaults(defaults: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    rules = {**defaults, **given}
    rules["matching_weights"] = {**defaults["matching_weights"], **given.get("matching_weights", {})}
    return rules
