"""A branch and its rules: opened, changed from a date, closed, by national staff.

Rules are versions that each apply from their date (shared.branch_rules); a registration is
judged by the version in force the day it is made, and keeps that version's number, so a
later change never re-judges it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

from shared.branch_rules import RuleVersion, in_force
from shared.rules import Refusal, RuleBroken
from shared.vocabulary import TRAINING_MODULES

# The initial training: 8 half-day modules, each recorded before a mentor can be matched.
DEFAULT_TRAINING_MODULES: tuple[str, ...] = TRAINING_MODULES
OPEN, CLOSED = "open", "closed"


@dataclass(frozen=True)
class BranchRules:
    """The eligibility and training part of one rules version, as intake's checks read it."""

    branch: str
    country: str  # BE, FR or NL: postcodes are read the way this country writes them
    working_languages: frozenset[str]
    mentee_min_age: int = 18
    mentee_max_age: int = 33
    mentor_min_age: int = 50
    mentee_min_level: str = "A2"  # enough of a working language to meet and talk
    mentor_min_level: str = "B2"
    max_active_duos: int = 1
    training_modules: tuple[str, ...] = field(default=DEFAULT_TRAINING_MODULES)
    version: int = 1

    @classmethod
    def of(cls, branch: str, version: RuleVersion) -> "BranchRules":
        rules = version.rules
        return cls(branch=branch, country=rules["country"], working_languages=frozenset(rules["working_languages"]),
                   mentee_min_age=rules["mentee_min_age"], mentee_max_age=rules["mentee_max_age"],
                   mentor_min_age=rules["mentor_min_age"], mentee_min_level=rules["mentee_min_level"],
                   mentor_min_level=rules["mentor_min_level"], max_active_duos=rules["max_active_duos"],
                   training_modules=tuple(rules["training_modules"]), version=version.version)


def check_rules(rules: Mapping[str, Any]) -> list[Refusal]:
    """What the field types cannot say on their own: limits that must agree with each other."""
    refusals = []
    if rules["mentee_min_age"] > rules["mentee_max_age"]:
        refusals.append(Refusal("rules.mentee_age_range", "The mentees' youngest age cannot be above their oldest.",
                                "mentee_max_age"))
    if rules["mentor_min_age"] < 18:
        refusals.append(Refusal("rules.mentor_min_age", "Mentors are adults: the youngest age is 18 or more.",
                                "mentor_min_age"))
    for name in ("working_languages", "training_modules"):
        if len(set(rules[name])) != len(rules[name]):
            refusals.append(Refusal(f"rules.{name}_repeated", f"Each of {name.replace('_', ' ')} is named once.",
                                    name))
    if sum(rules["matching_weights"].values()) <= 0:
        refusals.append(Refusal("rules.matching_weights", "At least one matching weight must be above zero.",
                                "matching_weights"))
    return refusals


@dataclass
class Branch:
    branch: str
    status: str
    opened_on: date
    versions: list[RuleVersion]
    closed_on: date | None = None

    @classmethod
    def open(cls, branch: str, rules: Mapping[str, Any], effective_from: date, today: date) -> "Branch":
        _refuse(check_rules(rules))
        return cls(branch, OPEN, today, [RuleVersion(1, effective_from, dict(rules))])

    @property
    def latest(self) -> RuleVersion:
        return self.versions[-1]

    def change_rules(self, changes: Mapping[str, Any], effective_from: date, today: date) -> RuleVersion:
        """A new complete version: the latest rules with `changes` applied, from `effective_from` on."""
        self._require_open()
        latest = self.latest
        rules = {**latest.rules, **changes}
        if "matching_weights" in changes:
            rules["matching_weights"] = {**latest.rules["matching_weights"], **changes["matching_weights"]}
        refusals = check_rules(rules)
        if effective_from < today:
            refusals.append(Refusal("rules.effective_from_past",
                                    "Rules cannot change for days already past: what happened then stays judged "
                                    "by the rules of its day.", "effective_from"))
        elif effective_from < latest.effective_from:
            refusals.append(Refusal("rules.effective_from_order",
                                    f"Version {latest.version} applies from {latest.effective_from}; a new version "
                                    "cannot apply before it.", "effective_from"))
        if not refusals and rules == dict(latest.rules):
            refusals.append(Refusal("rules.unchanged", "These are the branch's rules already; nothing changes."))
        _refuse(refusals)
        version = RuleVersion(latest.version + 1, effective_from, rules)
        self.versions.append(version)
        return version

    def close(self, today: date) -> None:
        self._require_open()
        self.status, self.closed_on = CLOSED, today

    def rules_on(self, day: date) -> BranchRules:
        """The rules that judge what happens on `day` (a branch's first version applies from its opening)."""
        return BranchRules.of(self.branch, in_force(self.versions, day) or self.versions[0])

    def rules_version(self, number: int) -> BranchRules:
        return BranchRules.of(self.branch, next(v for v in self.versions if v.version == number))

    def require_open_for_registration(self) -> None:
        if self.status == CLOSED:
            raise RuleBroken.single("branch.closed", f"Branch {self.branch} closed on {self.closed_on} and registers "
                                    "no one any more; its participants, duos and figures remain.", "branch")

    def _require_open(self) -> None:
        if self.status == CLOSED:
            raise RuleBroken.single("branch.closed", f"Branch {self.branch} closed on {self.closed_on}.", "branch")


def _refuse(refusals: list[Refusal]) -> None:
    if refusals:
        raise RuleBroken(*refusals)
