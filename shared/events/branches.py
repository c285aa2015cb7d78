"""Events intake publishes about branches (topic: branches, keyed by branch id).

Each rules event carries the branch's complete rules, not a difference: a service that reads
only the latest version of a branch knows everything it needs, and every version stays
readable for judging what happened under it.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shared.events import topics
from shared.events.catalog import event
from shared.events.common import LanguageCode, LanguageLevel, Payload

Country = Literal["BE", "FR", "NL"]  # postcodes are read the way this country writes them
TrainingModule = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,59}$")]
Age = Annotated[int, Field(ge=14, le=99)]
Weight = Annotated[float, Field(ge=0, le=100)]
MaxActiveDuos = Annotated[int, Field(ge=1, le=10)]
AtRiskDays = Annotated[int, Field(ge=1, le=365)]


class MatchingWeights(Payload):
    """How much each component of matching's score counts, relative to the others (scaled to 100 points)."""

    sector: Weight
    language: Weight
    distance: Weight
    availability: Weight
    preferences: Weight


class BranchRuleSet(Payload):
    """Everything a branch decides for itself: who may join, the training, matching and follow-up."""

    country: Country
    working_languages: list[LanguageCode] = Field(min_length=1, max_length=5)
    mentee_min_age: Age
    mentee_max_age: Age
    mentor_min_age: Age
    mentee_min_level: LanguageLevel
    mentor_min_level: LanguageLevel
    training_modules: list[TrainingModule] = Field(min_length=1, max_length=20)
    max_active_duos: MaxActiveDuos
    matching_weights: MatchingWeights
    at_risk_after_days: AtRiskDays


@event("branch-opened", version=1, topic=topics.BRANCHES, source="intake")
class BranchOpened(Payload):
    """National staff opened a branch; its first rules apply from `effective_from`."""

    rules_version: int = Field(ge=1)
    effective_from: date
    rules: BranchRuleSet


@event("branch-rules-changed", version=1, topic=topics.BRANCHES, source="intake")
class BranchRulesChanged(Payload):
    """A new version of the branch's rules applies from `effective_from`; what happened before stays
    judged by the earlier version."""

    rules_version: int = Field(ge=2)
    effective_from: date
    rules: BranchRuleSet


@event("branch-closed", version=1, topic=topics.BRANCHES, source="intake")
class BranchClosed(Payload):
    """The branch registers no one any more; its participants, duos and figures stay."""

    closed_on: date
