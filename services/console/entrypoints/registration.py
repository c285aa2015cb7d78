"""Registering a mentee or a mentor, and a mentor's initial training as a checklist."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.console.adapters.suite_api import ApiProblem
from services.console.entrypoints.forms import body_from, values_from
from services.console.entrypoints.web import Api, back_to, branch_of, check_csrf, render
from shared.vocabulary import CEFR_LEVELS, LANGUAGE_NAMES, SLOTS, SUPPORT_KINDS, TRAINING_MODULES

router = APIRouter(prefix="/branches/{branch}")
Branch = Annotated[str, Depends(branch_of)]
SECTORS = ("administration", "agriculture", "cleaning", "construction", "education", "engineering", "finance",
           "healthcare", "hospitality", "it", "logistics", "manufacturing", "retail", "social_work", "transport")
FIELD_ALIASES = {"employment_service.registered": "employment_service_registered"}
CHOICES = {"sectors": SECTORS, "slots": SLOTS, "levels": CEFR_LEVELS, "support": SUPPORT_KINDS,
           "language_codes": sorted(LANGUAGE_NAMES, key=LANGUAGE_NAMES.get),
           "education_levels": ("none", "primary", "secondary", "vocational", "bachelor", "master", "doctorate"),
           "backgrounds": ("self", "parent", "grandparent", "none")}


def _form(request: Request, role: str, values=None, errors=None, problem=None, status_code=200):
    return render(request, "register.html", status_code=status_code, role=role, values=values or {},
                  errors=errors or {}, problem=problem, **CHOICES)


@router.get("/mentees/new")
async def new_mentee(request: Request, branch: Branch):
    return _form(request, "mentee")


@router.get("/mentors/new")
async def new_mentor(request: Request, branch: Branch):
    return _form(request, "mentor")


@router.post("/mentees/new", dependencies=[Depends(check_csrf)])
async def register_mentee(request: Request, branch: Branch, api: Api):
    return await _register(request, branch, api, "mentee")


@router.post("/mentors/new", dependencies=[Depends(check_csrf)])
async def register_mentor(request: Request, branch: Branch, api: Api):
    return await _register(request, branch, api, "mentor")


async def _register(request: Request, branch: str, api, role: str):
    form = await request.form()
    try:
        created = await api.post("intake", f"/branches/{branch}/{role}s", body_from(form, role))
    except ApiProblem as problem:
        return _form(request, role, values_from(form), problem.by_field(FIELD_ALIASES), problem, status_code=422)
    if role == "mentor":
        return back_to(f"/branches/{branch}/mentors/{created['participant_id']}/training?registered=1")
    return back_to(f"/branches/{branch}/people?registered={created['participant_id']}")


@router.get("/mentors/{mentor_id}/training")
async def training(request: Request, branch: Branch, mentor_id: str, api: Api, registered: int = 0):
    mentor = await api.get("intake", f"/branches/{branch}/participants/{mentor_id}")
    return render(request, "training.html", mentor=mentor, modules=TRAINING_MODULES, registered=registered)


@router.post("/mentors/{mentor_id}/training", dependencies=[Depends(check_csrf)])
async def record_training(request: Request, branch: Branch, mentor_id: str, api: Api):
    form = await request.form()
    completed_on = form.get("completed_on") or date.today().isoformat()
    mentor, problem = None, None
    try:
        for module in form.getlist("module"):
            mentor = await api.post("intake", f"/branches/{branch}/mentors/{mentor_id}/training-modules",
                                    {"module": module, "completed_on": completed_on})
    except ApiProblem as refused:
        problem = refused
    mentor = mentor or await api.get("intake", f"/branches/{branch}/participants/{mentor_id}")
    return render(request, "training.html", status_code=422 if problem else 200, mentor=mentor,
                  modules=TRAINING_MODULES, problem=problem, registered=0)
