"""Intake's HTTP API: coordinators register mentees and mentors, correct their records, record consent and
training, withdraw and erase; each change is in the record's history."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, status

from shared.http.auth import Branch, CurrentCaller
from shared.http.paging import Page, Paging
from shared.http.problems import Problem
from shared.paging import Order, slice_page
from services.intake.adapters.participants import ORDER
from services.intake.domain.names import folded
from services.intake.domain.consent import PURPOSES, granted
from services.intake.domain.identity import DuplicateParticipant
from services.intake.domain.applications import Contact, Language, MenteeApplication, MentorApplication
from services.intake.entrypoints.schemas import (ConsentIn, ConsentOut, CorrectionIn, HistoryEntryOut, HistoryOut,
                                                 MenteeIn, MentorIn, ParticipantOut, PersonIn, TrainingModuleIn,
                                                 WithdrawalIn)
from services.intake.use_cases import Intake

HISTORY = Order("participant-history", ())  # keyed by minus the place in the history alone

router = APIRouter(prefix="/branches/{branch}", tags=["participants"])
national = APIRouter(tags=["figures"])


def _intake(request: Request) -> Intake:
    return request.app.state.intake


def _out(document: dict[str, Any]) -> ParticipantOut:
    training, consents = document.get("training") or {}, document.get("consents") or {}
    return ParticipantOut(
        participant_id=document["_id"], branch=document["branch"], role=document["role"],
        status=document["status"], registered_on=date.fromisoformat(document["registered_on"]),
        first_name=(document.get("personal") or {}).get("first_name"), training_modules=sorted(training),
        trained=document["role"] == "mentor" and bool(document.get("trained")),
        reminders=granted(consents, "reminders"), deliberate_duplicate=document.get("deliberate_duplicate", False),
        rules_version=document.get("rules_version"),
        consents={purpose: ConsentOut(granted=granted(consents, purpose), **{
            k: v for k, v in (consents.get(purpose) if isinstance(consents.get(purpose), dict) else {}).items()
            if k in ("on", "source")}) for purpose in PURPOSES})


@contextmanager
def _duplicates():
    """A known person: 409 naming the fields, and the record's id when it is in this branch (nothing else)."""
    try:
        yield
    except DuplicateParticipant as duplicate:
        rule = "participant.duplicate" if duplicate.existing_participant_id else "participant.known_in_another_branch"
        fields = ["email"] if "email" in duplicate.matched_on else []
        if "name_and_birth_date" in duplicate.matched_on:
            fields += ["first_name", "last_name", "birth_date"]
        raise Problem(409, "Already registered", f"{duplicate} To register them anyway, send "
                      "deliberate_duplicate: true.", "duplicate-participant", {
                          "existing_participant_id": duplicate.existing_participant_id,
                          "known_in_another_branch": duplicate.existing_participant_id is None,
                          "matched_on": list(duplicate.matched_on),
                          "errors": [{"field": f, "rule": rule, "message": str(duplicate)} for f in fields]}) from None


def _person(body: PersonIn) -> dict[str, Any]:
    return {"birth_date": body.birth_date, "country": body.country, "postcode": body.postcode,
            "languages": tuple(Language(lang.code, lang.level) for lang in body.languages),
            "availability": frozenset(body.availability), "consent": body.consent}


def _contact(body: PersonIn) -> Contact:
    return Contact(body.first_name, body.last_name, str(body.email), body.preferred_language)


@router.post("/mentees", status_code=status.HTTP_201_CREATED, summary="Register an eligible mentee")
async def register_mentee(request: Request, branch: Branch, caller: CurrentCaller, body: MenteeIn) -> ParticipantOut:
    application = MenteeApplication(
        **_person(body), target_sectors=tuple(body.target_sectors), education_level=body.education_level,
        employment_service_registered=body.employment_service.registered,
        migration_background=body.migration_background, right_to_work=body.right_to_work)
    with _duplicates():
        return _out(await _intake(request).register_mentee(branch, application, _contact(body), body.support_wanted,
                                                           caller.subject, body.deliberate_duplicate))


@router.post("/mentors", status_code=status.HTTP_201_CREATED, summary="Register a volunteer mentor")
async def register_mentor(request: Request, branch: Branch, caller: CurrentCaller, body: MentorIn) -> ParticipantOut:
    application = MentorApplication(
        **_person(body), experience=tuple((e.sector, e.years) for e in body.experience), volunteer=body.volunteer)
    with _duplicates():
        return _out(await _intake(request).register_mentor(branch, application, _contact(body), body.support_offered,
                                                           caller.subject, body.deliberate_duplicate))


@router.post("/mentors/{mentor_id}/training-modules", summary="Record a completed training module")
async def record_training(request: Request, branch: Branch, caller: CurrentCaller, mentor_id: str,
                          body: TrainingModuleIn) -> ParticipantOut:
    return _out(await _intake(request).record_training(branch, mentor_id, body.module, body.completed_on,
                                                       caller.subject))


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
async def withdraw(request: Request, branch: Branch, caller: CurrentCaller, participant_id: str,
                   body: WithdrawalIn) -> ParticipantOut:
    return _out(await _intake(request).withdraw(branch, participant_id, body.withdrawn_on, caller.subject))


@router.patch("/participants/{participant_id}",
              summary="Correct contact details, postcode, languages, sectors, availability or support "
                      "(checked as at registration)")
async def correct(request: Request, branch: Branch, caller: CurrentCaller, participant_id: str,
                  body: CorrectionIn) -> ParticipantOut:
    changes: dict[str, Any] = {name: getattr(body, name) for name in body.model_fields_set
                               if getattr(body, name) is not None}
    if "email" in changes:
        changes["email"] = str(changes["email"])
    if "languages" in changes:
        changes["languages"] = tuple(Language(lang.code, lang.level) for lang in body.languages)
    if "experience" in changes:
        changes["experience"] = tuple((e.sector, e.years) for e in body.experience)
    with _duplicates():
        return _out(await _intake(request).correct(branch, participant_id, changes, caller.subject))


@router.get("/participants/{participant_id}/history",
            summary="Every change to the record: when, by whom, which fields (never the values)")
async def history(request: Request, branch: Branch, participant_id: str, paging: Paging) -> HistoryOut:
    document = await _intake(request).get(branch, participant_id)
    # Newest first: an entry's key is minus its place in the record's history, which only ever grows.
    numbered = [(-n, entry) for n, entry in enumerate(document.get("history") or [])][::-1]
    entries, next_key = slice_page(numbered, lambda item: (item[0],), paging.after(HISTORY), paging.limit)
    page = paging.page([HistoryEntryOut(**entry) for _, entry in entries], next_key, HISTORY)
    return HistoryOut(participant_id=participant_id, entries=page.items, next=page.next)


@router.put("/participants/{participant_id}/consents/{purpose}",
            summary="Record a consent given or withdrawn: to be contacted at all, to reminders, to the follow-up "
                    "at +3 months")
async def set_consent(request: Request, branch: Branch, caller: CurrentCaller, participant_id: str,
                      purpose: Literal["contact", "reminders", "follow_up"], body: ConsentIn) -> ParticipantOut:
    return _out(await _intake(request).set_consent(branch, participant_id, purpose, body.granted, body.on,
                                                   body.source, caller.subject))


@router.delete("/participants/{participant_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Erase a participant's personal data everywhere (right to erasure)")
async def erase(request: Request, branch: Branch, caller: CurrentCaller, participant_id: str) -> Response:
    await _intake(request).erase(branch, participant_id, caller.subject)
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
