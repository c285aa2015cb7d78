"""The initial branches' rules (services/intake/initial_branches.json), as the domain reads them."""
from __future__ import annotations

from services.intake.adapters.branches import initial_branches
from services.intake.domain.branches import Branch, BranchRules

INITIAL = initial_branches()
BRANCHES = sorted(INITIAL.branches)


def rules_for(branch: str) -> BranchRules:
    opened = Branch.open(branch, INITIAL.branches[branch], INITIAL.effective_from, INITIAL.effective_from)
    return opened.rules_on(INITIAL.effective_from)
