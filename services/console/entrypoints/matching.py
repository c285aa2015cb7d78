"""Matching: run a round, read each proposal's score and reasons, accept or decline, place a newcomer."""
from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from services.console.adapters.suite_api import ApiProblem
from services.console.entrypoints.web import PAGE_LIMIT, Api, back_to, branch_of, check_csrf, render

router = APIRouter(prefix="/branches/{branch}")
Branch = Annotated[str, Depends(branch_of)]
Csrf = [Depends(check_csrf)]
PROPOSALS_PER_PAGE = 25  # each with its reasons and score bars: about 2 KiB of HTML


async def _names(api, branch: str) -> dict[str, str]:
    people = await api.listing("intake", f"/branches/{branch}/participants", limit=PAGE_LIMIT)
    return {p["participant_id"]: p.get("first_name") or "—" for p in people.items}


async def _page(request: Request, branch: str, api, status_code: int = 200, cursor: str | None = None, **context):
    proposals, names, pool = await asyncio.gather(
        api.listing("matching", f"/branches/{branch}/proposals", status="proposed", limit=PROPOSALS_PER_PAGE,
                    cursor=cursor),
        _names(api, branch),
        api.listing("matching", f"/branches/{branch}/pool", role="mentee", status="waiting", limit=PAGE_LIMIT))
    waiting = [p["participant_id"] for p in pool.items]
    return render(request, "matching.html", status_code=status_code, proposals=proposals.items, names=names,
                  waiting=waiting, next_cursor=proposals.cursor, **context)


@router.get("/matching")
async def matching(request: Request, branch: Branch, api: Api, cursor: str | None = None):
    return await _page(request, branch, api, cursor=cursor)


@router.post("/matching/rounds", dependencies=Csrf)
async def run_round(request: Request, branch: Branch, api: Api):
    try:
        result = await api.post("matching", f"/branches/{branch}/proposal-rounds")
    except ApiProblem as problem:
        return await _page(request, branch, api, status_code=problem.status, problem=problem)
    return await _page(request, branch, api, new_count=len(result["proposals"]))


@router.post("/matching/placements", dependencies=Csrf)
async def place(request: Request, branch: Branch, api: Api, mentee_id: Annotated[str, Form(min_length=1)]):
    try:
        placed = await api.post("matching", f"/branches/{branch}/mentees/{mentee_id}/placement")
    except ApiProblem as problem:
        return await _page(request, branch, api, status_code=problem.status, problem=problem)
    return await _page(request, branch, api, placed=placed, no_mentor=placed is None)


@router.post("/proposals/{duo_id}/{decision}", dependencies=Csrf)
async def decide(request: Request, branch: Branch, duo_id: str, api: Api, decision: str):
    if decision not in ("acceptance", "decline"):
        return render(request, "error.html", status_code=404, message_key="not_found")
    try:
        decided = await api.post("matching", f"/branches/{branch}/proposals/{duo_id}/{decision}",
                                 {} if decision == "acceptance" else None)
    except ApiProblem as problem:
        return await _page(request, branch, api, status_code=problem.status, problem=problem)
    if decision == "acceptance" and not request.headers.get("hx-request"):
        return back_to(f"/branches/{branch}/duos/{duo_id}")
    return await _page(request, branch, api, decided=decided)
