"""A branch's duos and one duo's life: sessions against the expected rhythm, check-ins, ending, outcomes."""
from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from services.console.adapters.suite_api import ApiProblem
from services.console.entrypoints.web import PAGE_LIMIT, Api, back_to, branch_of, check_csrf, render

router = APIRouter(prefix="/branches/{branch}")
Branch = Annotated[str, Depends(branch_of)]
EARLY_END_REASONS = ("mentee_found_job", "mentee_moved", "mentee_withdrew", "mentor_withdrew", "no_contact",
                     "mismatch", "other")
OUTCOME_KINDS = ("job", "work_placement", "training", "none")
CONTRACT_TYPES = ("permanent", "fixed_term", "temporary_agency", "apprenticeship", "self_employed", "other")
ACTIONS = {"sessions": "sessions", "check-ins": "check-ins", "early-end": "early-end", "outcomes": "outcomes"}


@router.get("/duos")
async def duos(request: Request, branch: Branch, api: Api, status: str | None = None):
    listed = await api.listing("followup", f"/branches/{branch}/duos", status=status or None, limit=PAGE_LIMIT)
    return render(request, "duos.html", duos=listed.items, status=status)


async def _duo_page(request: Request, branch: str, duo_id: str, api, status_code: int = 200, **context: Any):
    try:
        duo = await api.get("followup", f"/branches/{branch}/duos/{duo_id}")
    except ApiProblem as problem:
        if problem.status != 404:
            raise
        # Accepted a moment ago: followup learns of the duo from matching's event, shortly.
        return render(request, "duo_pending.html", status_code=404, duo_id=duo_id)
    names = dict(await asyncio.gather(*(_first_name(api, branch, pid) for pid in (duo["mentee_id"], duo["mentor_id"]))))
    return render(request, "duo.html", status_code=status_code, duo=duo, names=names, reasons=EARLY_END_REASONS,
                  kinds=OUTCOME_KINDS, contracts=CONTRACT_TYPES, **context)


async def _first_name(api, branch: str, participant_id: str) -> tuple[str, str]:
    try:
        person = await api.get("intake", f"/branches/{branch}/participants/{participant_id}")
    except ApiProblem:
        return participant_id, "—"
    return participant_id, person.get("first_name") or "—"


@router.get("/duos/{duo_id}")
async def duo(request: Request, branch: Branch, duo_id: str, api: Api):
    return await _duo_page(request, branch, duo_id, api)


def _body(action: str, form) -> dict[str, Any]:
    if action == "sessions":
        return {"held_on": form.get("held_on"), "hours": form.get("hours")}
    if action == "check-ins":
        return {"month": form.get("month"), "held_on": form.get("held_on"), "on_track": form.get("on_track") == "on"}
    if action == "early-end":
        return {"ended_on": form.get("ended_on"), "reason": form.get("reason"),
                "mentee_returns_to_pool": form.get("mentee_returns_to_pool") == "on"}
    body = {k: form.get(k) or None for k in ("moment", "kind", "contract_type", "achieved_on", "evidence",
                                               "verified_on")}
    return {k: v for k, v in body.items() if v is not None}


@router.post("/duos/{duo_id}/{action}", dependencies=[Depends(check_csrf)])
async def act(request: Request, branch: Branch, duo_id: str, action: str, api: Api):
    if action not in ACTIONS:
        return render(request, "error.html", status_code=404, message_key="not_found")
    form = await request.form()
    try:
        await api.post("followup", f"/branches/{branch}/duos/{duo_id}/{action}", _body(action, form))
    except ApiProblem as problem:
        return await _duo_page(request, branch, duo_id, api, status_code=422, problem=problem, failed=action,
                               errors=problem.by_field(), values=dict(form))
    return back_to(f"/branches/{branch}/duos/{duo_id}")
