"""What a service knows of the branches, learned from intake's branch events alone.

Matching, followup and notify each keep this view in their own database: one document per
branch with its status and every rules version (the same shape as intake's own record), so a
branch opened or changed through intake's API reaches them with no restart and no setting.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from shared.branch_rules import VERSIONS, RuleVersion, in_force, versions_of
from shared.events import Envelope, topics
from shared.events.branches import BranchClosed, BranchOpened, BranchRulesChanged
from shared.messaging.consumer import EventConsumer
from shared.messaging.idempotency import apply_once

COLLECTION = "branches"


class BranchDirectory:
    def __init__(self, db) -> None:
        self.collection = db[COLLECTION]

    def subscribe(self, consumer: EventConsumer) -> None:
        consumer.subscribe(topics.BRANCHES, {"branch-opened": self.on_rules, "branch-rules-changed": self.on_rules,
                                             "branch-closed": self.on_closed})

    async def on_rules(self, envelope: Envelope, changed: BranchOpened | BranchRulesChanged) -> None:
        entry = RuleVersion(changed.rules_version, changed.effective_from, changed.rules.model_dump(mode="json"))
        # Each version number is added once, even for a redelivery older than the event ids the document remembers.
        await apply_once(self.collection, envelope.branch, str(envelope.id),
                         {"$push": {VERSIONS: entry.as_dict()}, "$setOnInsert": {"status": "open"}},
                         extra_filter={f"{VERSIONS}.version": {"$ne": changed.rules_version}})

    async def on_closed(self, envelope: Envelope, closed: BranchClosed) -> None:
        await apply_once(self.collection, envelope.branch, str(envelope.id),
                         {"$set": {"status": "closed", "closed_on": closed.closed_on.isoformat()}})

    async def rules_on(self, branch: str, day: date) -> dict[str, Any] | None:
        """The branch's rules in force on `day`, or None for a branch this service has not heard of."""
        version = in_force(versions_of(await self.collection.find_one({"_id": branch})), day)
        return dict(version.rules) if version else None

    async def versions(self, branch: str) -> list[RuleVersion]:
        return (await self.known(branch))[1]

    async def known(self, branch: str) -> tuple[str, list[RuleVersion]]:
        """The branch's status and every version heard of (none for a branch not heard of)."""
        document = await self.collection.find_one({"_id": branch})
        return (document or {}).get("status", "open"), versions_of(document)

    async def all_versions(self) -> dict[str, list[RuleVersion]]:
        return {d["_id"]: versions_of(d) async for d in self.collection.find({}, {VERSIONS: 1}).sort("_id", 1)}

    async def all_rules_on(self, day: date) -> dict[str, dict[str, Any]]:
        """Every known branch's rules in force on `day`."""
        found = {}
        async for document in self.collection.find({}, {VERSIONS: 1}):
            version = in_force(versions_of(document), day)
            if version:
                found[document["_id"]] = dict(version.rules)
        return found
