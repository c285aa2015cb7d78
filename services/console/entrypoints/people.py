"""People of the branch: search by name or status, withdraw, erase (after saying what erasure does)."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.console.adapters.suite_api import ApiProblem
from services.console.entrypoints.web import PAGE_LIMIT, Api, back_to, branch_of, check_csrf, render

router = APIRouter(prefix="/branches/{branch}")
Branch = Annotated[str, Depends(branch_of)]
Csrf = [Depends(check_csrf)]


@router.get("/people")
async def people(request: Request, branch: Branch, api: Api, q: str = "", status: str = "", role: str = "",
                 registered: str | None = None, done: str | None = None):
    # intake searches: a name's start (first or last name, any case or accent), status and role
    listed = await api.listing("intake", f"/branches/{branch}/participants", name=q.strip() or None,
                               status=status or None, role=role or None, limit=PAGE_LIMIT)
    template = "people_rows.html" if request.headers.get("hx-request") == "true" else "people.html"
    return render(request, template, people=listed.items, q=q, status=status, role=role, registered=registered,
                  done=done, truncated=listed.more)


@router.post("/people/{participant_id}/withdrawal", dependencies=Csrf)
async def withdraw(request: Request, branch: Branch, participant_id: str, api: Api):
    try:
        await api.post("intake", f"/branches/{branch}/participants/{participant_id}/withdrawal",
                       {"withdrawn_on": date.today().isoformat()})
    except ApiProblem as problem:
        return render(request, "error.html", status_code=problem.status, problem=problem)
    return back_to(f"/branches/{branch}/people?done=withdrawn_ok")


@router.get("/people/{participant_id}/erasure")
async def confirm_erasure(request: Request, branch: Branch, participant_id: str, api: Api):
    person = await api.get("intake", f"/branches/{branch}/participants/{participant_id}")
    return render(request, "erase.html", person=person)


@router.post("/people/{participant_id}/erasure", dependencies=Csrf)
async def erase(request: Request, branch: Branch, participant_id: str, api: Api):
    try:
        await api.delete("intake", f"/branches/{branch}/participants/{participant_id}")
    except ApiProblem as problem:
        return render(request, "error.html", status_code=problem.status, problem=problem)
    return back_to(f"/branches/{branch}/people?done=erased_ok")
