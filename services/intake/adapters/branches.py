"""Intake's branches collection: each branch with its status and every rules version, the source of the
branch events; and the initial branches the suite starts with (services/intake/initial_branches.json)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from pymongo.errors import DuplicateKeyError

from shared.branch_rules import VERSIONS, versions_of
from shared.events import Envelope
from shared.storage import change_with_events, insert_with_events
from services.intake.domain.branches import Branch

COLLECTION = "branches"
INDEXES: list = []  # one document per branch, by its id
INITIAL = Path(__file__).resolve().parents[1] / "initial_branches.json"


@dataclass(frozen=True)
class InitialBranches:
    effective_from: date
    defaults: dict[str, Any]  # what a branch opened here or through the API does not say
    branches: dict[str, dict[str, Any]]  # branch -> its complete rules


@cache
def initial_branches(path: Path = INITIAL) -> InitialBranches:
    data = json.loads(path.read_text())
    defaults = data["defaults"]
    return InitialBranches(date.fromisoformat(data["effective_from"]), defaults,
                           {name: {**defaults, **own} for name, own in data["branches"].items()})


class BranchRepository:
    def __init__(self, db) -> None:
        self.collection = db[COLLECTION]

    async def get(self, branch: str) -> tuple[Branch, dict[str, Any]] | None:
        """The branch and the document it was read from (for a conditional write)."""
        document = await self.collection.find_one({"_id": branch}, {"outbox": 0})
        return None if document is None else (_branch(document), document)

    async def add(self, branch: Branch, *events: Envelope) -> bool:
        """Insert a new branch with its events; False when the branch exists (another process, or it was opened)."""
        try:
            await insert_with_events(self.collection, _document(branch), *events)
        except DuplicateKeyError:
            return False
        return True

    async def save(self, branch: Branch, read: dict[str, Any], *events: Envelope) -> None:
        document = _document(branch)
        await change_with_events(self.collection, read, {"$set": {k: v for k, v in document.items() if k != "_id"}},
                                 *events)

    async def all(self) -> list[Branch]:
        return [_branch(d) for d in await self.collection.find({}, {"outbox": 0}).sort("_id", 1).to_list()]


def _document(branch: Branch) -> dict[str, Any]:
    return {"_id": branch.branch, "status": branch.status, "opened_on": branch.opened_on.isoformat(),
            "closed_on": branch.closed_on.isoformat() if branch.closed_on else None,
            VERSIONS: [v.as_dict() for v in branch.versions]}


def _branch(document: dict[str, Any]) -> Branch:
    closed_on = document.get("closed_on")
    return Branch(document["_id"], document["status"], date.fromisoformat(document["opened_on"]),
                  versions_of(document), date.fromisoformat(closed_on) if closed_on else None)
