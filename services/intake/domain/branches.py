"""Each branch's intake rules: defaults from the programme, overridable per branch."""
from __future__ import annotations

from dataclasses import dataclass, field

from shared.rules import RuleBroken
from shared.vocabulary import TRAINING_MODULES

# The initial training: 8 half-day modules, each recorded before a mentor can be matched.
DEFAULT_TRAINING_MODULES: tuple[str, ...] = TRAINING_MODULES


@dataclass(frozen=True)
class BranchRules:
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


BRANCHES: dict[str, BranchRules] = {rules.branch: rules for rules in (
    BranchRules("brussels", "BE", frozenset({"fr", "nl"})),
    BranchRules("antwerp", "BE", frozenset({"nl"})),
    BranchRules("ghent", "BE", frozenset({"nl"})),
    BranchRules("liege", "BE", frozenset({"fr"})),
    BranchRules("paris", "FR", frozenset({"fr"})),
    BranchRules("lille", "FR", frozenset({"fr"})),
    BranchRules("marseille", "FR", frozenset({"fr"})),
    BranchRules("lyon", "FR", frozenset({"fr"})),
    BranchRules("amsterdam", "NL", frozenset({"nl"})),
    BranchRules("rotterdam", "NL", frozenset({"nl"})),
)}


def rules_for(branch: str) -> BranchRules:
    try:
        return BRANCHES[branch]
    except KeyError:
        known = ", ".join(sorted(BRANCHES))
        raise RuleBroken.single("branch.unknown", f"There is no DUO branch called {branch!r}; known branches: {known}.",
                                "branch") from None
