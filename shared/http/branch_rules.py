"""`GET /branches/{branch}/rules` on every service that learns branches from events: the rules it
applies, as it learned them, so the ops team (and a test) can see a change has reached it."""
from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from shared.branch_directory import BranchDirectory
from shared.branch_rules import RuleVersion, in_force
from shared.clock import Clock
from shared.events.branches import BranchRuleSet
from shared.http.auth import Branch
from shared.rules import NotFound


class RuleVersionOut(BaseModel):
    version: int
    effective_from: date
    rules: BranchRuleSet

    @classmethod
    def of(cls, version: RuleVersion) -> "RuleVersionOut":
        return cls(version=version.version, effective_from=version.effective_from, rules=version.rules)


class KnownBranchOut(BaseModel):
    branch: str
    status: Literal["open", "closed"]
    rules_in_force: RuleVersionOut | None = Field(description="The version this service applies today")
    rule_versions: list[RuleVersionOut]


def router(directory: BranchDirectory, today: Clock) -> APIRouter:
    api = APIRouter(prefix="/branches/{branch}", tags=["branches"])

    @api.get("/rules", summary="The branch's rules as this service learned them from the branch events")
    async def known_rules(branch: Branch) -> KnownBranchOut:
        status, versions = await directory.known(branch)
        if not versions:
            raise NotFound("branch known to this service")
        current = in_force(versions, today())
        return KnownBranchOut(branch=branch, status=status,
                              rules_in_force=RuleVersionOut.of(current) if current else None,
                              rule_versions=[RuleVersionOut.of(v) for v in versions])

    return api
