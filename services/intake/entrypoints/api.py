"""Intake's HTTP API: coordinators register mentees and mentors, record training, withdraw and erase."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, status

from shared.http.auth import Branch, CurrentCaller
from shared.http.paging import Page, Paging
from shared.http.problems import Problem
from services.intake.adapters.participants import ORDER
from services.intake.domain.names import folded
from services.intake.domain.participants import Language, MenteeApplication, MentorApplication
from services.intake.entrypoints.schemas import (MenteeIn, MentorIn, ParticipantOut, PersonIn, ReminderConsentIn,
                                                 TrainingModuleIn, WithdrawalIn)
from services.intake.use_cases import Contact, Intake

router = APIRouter(prefix="/branches/{branch}", tags=["participants"])
national = APIRouter(tags=["figures"])


def _intake(request: Request) -> Intake:
    return request.app.state.intake


def _out(document: dict[str, Any]) -> ParticipantOut:
    training = document.get("training") or {}
    return ParticipantOut(
        participant_id=document["_id"], branch=document["branch"], role=document["role"],
        status=document["status"], registered_on=date.fromisoformat(document["registered_on"]),
        first_name=(document.get("personal") or {}).get("first_name"), training_modules=sorted(training),
        trained=document["role"] == "mentor" and bool(document.get("trained")),
        reminders=(document.get("consents") or {}).get("reminders", True), rules_version=document.get("rules_version"))


def _person(body: PersonIn) -> dict[str, Any]:
    return {"birth_date": body.birth_date, "country": body.country, "postcode": body.postcode,
            "languages": tuple(Language(lang.code, lang.level) for lang in body.languages),
            "availability": frozenset(body.availability), "consent": body.consent}


def _contact(body: PersonIn) -> Contact:
    return Contact(body.first_name, body.last_name, str(body.email), body.preferred_language)


@router.post("/mentees", status_code=status.HTTP_201_CREATED, summary="Register an eligible mentee")
async def register_mentee(request: Request, branch: Branch, body: MenteeIn) -> ParticipantOut:
    application = MenteeApplication(
        **_person(body), target_sectors=tuple(body.target_sectors), education_level=body.education_level,
        employment_service_registered=body.employment_service.registered,
        migration_background=body.migration_background, right_to_work=body.right_to_work)
    return _out(await _intake(request).register_mentee(branch, application, _contact(body), body.support_wanted))


@router.post("/mentors", status_code=status.HTTP_201_CREATED, summary="Register a volunteer mentor")
async def register_mentor(request: Request, branch: Branch, body: MentorIn) -> ParticipantOut:
    application = MentorApplication(
        **_person(body), experience=tuple((e.sector, e.years) for e in body.experience), volunteer=body.volunteer)
    return _out(await _intake(request).register_mentor(branch, application, _contact(body), body.support_offered))


@router.post("/mentors/{mentor_id}/training-modules", summary="Record a completed training module")
async def record_training(request: Request, branch: Branch, mentor_id: str, body: TrainingModuleIn) -> ParticipantOut:
    return _out(await _intake(request).record_training(branch, mentor_id, body.module, body.completed_on))


@router.get("/participants", summary="Participants of the branch, newest registration first")
async def list_participants(
        request: Request, branch: Branch, paging: Paging, role: Literal["mentee", "mentor"] | None = None,
        status: Literal["registered", "withdrawn", "erased"] | None = None,
        name: Annotated[str | None, Query(min_length=1, max_length=100, description=(
            "Start of the first name, the last name or any word of them; case and accents do not matter"))] = None,
) -> Page[ParticipantOut]:
    documents, next_key = await _intake(request).participants.list(
        branch, paging.after(ORDER), paging.limit, role=role, status=status, name_prefix=folded(name or "") or None)
    return paging.page([_out(d) for d in documents], next_key, ORDER)


@router.get("/participants/{participant_id}", summary="One participant")
async def get_participant(request: Request, branch: Branch, participant_id: str) -> ParticipantOut:
    return _out(await _intake(request).get(branch, participant_id))


@router.post("/participants/{participant_id}/withdrawal", summary="A participant leaves the programme")
async def withdraw(request: Request, branch: Branch, participant_id: str, body: WithdrawalIn) -> ParticipantOut:
    return _out(await _intake(request).withdraw(branch, participant_id, body.withdrawn_on))


@router.put("/participants/{participant_id}/consents/reminders",
            summary="Record whether the participant accepts reminders (news about their duo always goes out)")
async def set_reminder_consent(request: Request, branch: Branch, participant_id: str,
                               body: ReminderConsentIn) -> ParticipantOut:
    return _out(await _intake(request).set_reminder_consent(branch, participant_id, body.granted))


@router.delete("/participants/{participant_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Erase a participant's personal data everywhere (right to erasure)")
async def erase(request: Request, branch: Branch, participant_id: str) -> Response:
    await _intake(request).erase(branch, participant_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/figures/matching-fairness",
            summary="Share of the branch's mentees matched within 30 days, per group, against the whole branch")
async def branch_matching_fairness(request: Request, branch: Branch, as_of: date | None = None) -> dict[str, Any]:
    return {"branch": branch, **(await _intake(request).matching_fairness(branch, as_of)).as_dict()}


@national.get("/figures/matching-fairness",
              summary="Share of mentees matched within 30 days, per group, across every branch (national staff only)")
async def matching_fairness(request: Request, caller: CurrentCaller, as_of: date | None = None) -> dict[str, Any]:
    if not caller.all_branches:
        raise Problem(403, "Forbidden", "Only national staff see the audit across every branch.", "forbidden")
    return {"branch": None, **(await _intake(request).matching_fairness(None, as_of)).as_dict()}
