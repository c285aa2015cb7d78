"""Intake's branch routes: national staff open a branch, change its rules from a date and close it;
a branch's coordinators read its rules."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, status

from shared.branch_rules import in_force
from shared.http.auth import Branch, Caller, CurrentCaller
from shared.http.paging import Page, Paging
from shared.http.problems import Problem
from shared.paging import Order, slice_page
from services.intake.branch_use_cases import Branches
from services.intake.domain import branches as domain
from shared.http.branch_rules import RuleVersionOut
from services.intake.entrypoints.schemas import BranchOpeningIn, BranchOut, BranchRulesChangeIn

router = APIRouter(prefix="/branches/{branch}", tags=["branches"])
national = APIRouter(tags=["branches"])
BY_NAME = Order("branches", ())  # keyed by the branch id alone


def _branches(request: Request) -> Branches:
    return request.app.state.branches


def _national(caller: Caller) -> None:
    if not caller.all_branches:
        raise Problem(403, "Forbidden", "Only national staff open, change and close branches.", "forbidden")


def _out(branch: domain.Branch, today: date) -> BranchOut:
    current = in_force(branch.versions, today)
    return BranchOut(branch=branch.branch, status=branch.status, opened_on=branch.opened_on,
                     closed_on=branch.closed_on, rules_in_force=RuleVersionOut.of(current) if current else None,
                     rule_versions=[RuleVersionOut.of(v) for v in branch.versions])


@router.post("/opening", status_code=status.HTTP_201_CREATED,
             summary="Open a new branch with its rules, from today (national staff only)")
async def open_branch(request: Request, branch: Branch, caller: CurrentCaller, body: BranchOpeningIn) -> BranchOut:
    _national(caller)
    branches = _branches(request)
    return _out(await branches.open(branch, body.given()), branches.today())


@router.post("/rules", summary="Change the branch's rules from a date (national staff only)")
async def change_rules(request: Request, branch: Branch, caller: CurrentCaller, body: BranchRulesChangeIn) -> BranchOut:
    _national(caller)
    branches = _branches(request)
    return _out(await branches.change_rules(branch, body.given(), body.effective_from), branches.today())


@router.post("/closure", summary="Close the branch to new registrations; its history stays (national staff only)")
async def close_branch(request: Request, branch: Branch, caller: CurrentCaller) -> BranchOut:
    _national(caller)
    branches = _branches(request)
    return _out(await branches.close(branch), branches.today())


@router.get("/rules", summary="The branch, its rules in force and every earlier or scheduled version")
async def get_rules(request: Request, branch: Branch) -> BranchOut:
    branches = _branches(request)
    return _out(await branches.get(branch), branches.today())


@national.get("/branches", summary="Every branch with its rules (national staff only)")
async def list_branches(request: Request, caller: CurrentCaller, paging: Paging) -> Page[BranchOut]:
    _national(caller)
    branches = _branches(request)
    listed = sorted(await branches.all(), key=lambda b: b.branch)
    chosen, next_key = slice_page(listed, lambda b: (b.branch,), paging.after(BY_NAME), paging.limit)
    return paging.page([_out(b, branches.today()) for b in chosen], next_key, BY_NAME)
