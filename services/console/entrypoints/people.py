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


def matches(person: dict, q: str, status: str, role: str) -> bool:
    name = (person.get("first_name") or "").lower()
    return (not q or q.lower() in name) and (not status or person["status"] == status) \
        and (not role or person["role"] == role)


@router.get("/people")
async def people(request: Request, branch: Branch, api: Api, q: str = "", status: str = "", role: str = "",
                 registered: str | None = None, done: str | None = None):
    # intake has no search: the console filters the branch's latest page by first name (the API's only name)
    listed = await api.get("intake", f"/branches/{branch}/participants", limit=PAGE_LIMIT)
    found = [p for p in listed if matches(p, q.strip(), status, role)]
    template = "people_rows.html" if request.headers.get("hx-request") == "true" else "people.html"
    return render(request, template, people=found, q=q, status=status, role=role, registered=registered, done=done,
                  truncated=len(listed) >= PAGE_LIMIT)


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
