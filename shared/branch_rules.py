"""A branch's rules as numbered versions, each applying from its date: which version judged a day.

Plain data and functions, shared by intake (which decides the versions) and every service that
learns them from the branch events. Versions never go back in time: a later number never takes
effect before an earlier one, so the version in force on a day is the latest one begun by then.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping, Sequence

VERSIONS = "rule_versions"  # the field of a branch document that lists its versions


@dataclass(frozen=True)
class RuleVersion:
    version: int
    effective_from: date
    rules: Mapping[str, Any]  # a BranchRuleSet as published (shared.events.branches)

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "effective_from": self.effective_from.isoformat(), "rules": dict(self.rules)}


def versions_of(document: Mapping[str, Any] | None) -> list[RuleVersion]:
    """The versions stored in a branch document, oldest first."""
    stored = (document or {}).get(VERSIONS) or []
    return sorted((RuleVersion(v["version"], date.fromisoformat(v["effective_from"]), v["rules"]) for v in stored),
                  key=lambda v: v.version)


def in_force(versions: Sequence[RuleVersion], day: date) -> RuleVersion | None:
    """The version that judges `day`, or None before the branch's first rules."""
    begun = [v for v in versions if v.effective_from <= day]
    return max(begun, key=lambda v: v.version, default=None)


def in_force_during(versions: Sequence[RuleVersion], start: date, end: date) -> list[RuleVersion]:
    """Every version that judged at least one day from `start` to `end`, oldest first."""
    first = in_force(versions, start)
    later = [v for v in versions if start < v.effective_from <= end and in_force(versions, v.effective_from) == v]
    return ([first] if first else []) + later
