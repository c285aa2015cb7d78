"""The branches as notify knows them, with each branch's rule versions remembered in memory for a while,
so that choosing a message's language does not read the store for every message.

The branch events reach one process of notify's consumer group: the process that applies one forgets
what it remembered of that branch at once; any other process does within `remember_seconds`.
"""
from __future__ import annotations

import time
from datetime import date
from typing import Callable

from shared.branch_directory import BranchDirectory
from shared.branch_rules import RuleVersion, in_force
from shared.events import Envelope
from shared.events.branches import BranchClosed, BranchOpened, BranchRulesChanged


class RememberedBranches(BranchDirectory):
    def __init__(self, db, remember_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(db)
        self.remember_seconds, self.clock = remember_seconds, clock
        self._remembered: dict[str, tuple[float, list[RuleVersion]]] = {}

    async def on_rules(self, envelope: Envelope, changed: BranchOpened | BranchRulesChanged) -> None:
        await super().on_rules(envelope, changed)
        self._remembered.pop(envelope.branch, None)

    async def on_closed(self, envelope: Envelope, closed: BranchClosed) -> None:
        await super().on_closed(envelope, closed)
        self._remembered.pop(envelope.branch, None)

    async def working_language(self, branch: str, day: date) -> str | None:
        """The branch's first working language in its rules of `day`; None for a branch not heard of yet."""
        version = in_force(await self._versions(branch), day)
        return version.rules["working_languages"][0] if version else None

    async def _versions(self, branch: str) -> list[RuleVersion]:
        remembered = self._remembered.get(branch)
        if remembered is not None and remembered[0] > self.clock():
            return remembered[1]
        versions = await self.versions(branch)
        if versions:  # a branch not heard of yet is asked again: its opening may come any moment
            self._remembered[branch] = (self.clock() + self.remember_seconds, versions)
        return versions
