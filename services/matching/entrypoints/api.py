"""Matching's HTTP API: run a proposal round, place a newcomer, review and decide on proposals."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field

from shared.http.auth import Branch
from shared.http.models import RequestBody
from shared.http.problems import conflict
from services.matching.adapters.round_lease import RoundBusy
from services.matching.use_cases import Matching

router = APIRouter(prefix="/branches/{branch}", tags=["matching"])
ProposalStatus = Literal["proposed", "formed", "declined", "ended", "withdrawn"]


class ProposalOut(BaseModel):
    duo_id: str
    mentee_id: str
    mentor_id: str
    status: str
    score: float
    breakdown: dict[str, float]
    reasons: list[str]
    proposed_on: date
    started_on: date | None = None
    withdrawn_reason: str | None = Field(default=None, description="Why matching withdrew it after a correction")


class RoundOut(BaseModel):
    proposals: list[ProposalOut]
    total_score: float = Field(description="Sum of the new proposals' scores")


class AcceptanceIn(RequestBody):
    started_on: date | None = Field(default=None, description="Day of the first meeting; today if left out")


class PoolEntryOut(BaseModel):
    participant_id: str
    role: str
    status: str
    trained: bool | None = None


class WaitingOut(BaseModel):
    mentee_id: str
    waiting_since: date = Field(description="Day the mentee registered")
    days_waiting: int
    reason_code: str = Field(description="no_trained_mentor, ready_for_round, suitable_mentors_busy, all_declined, "
                                         "no_shared_language, no_shared_slot or below_minimum")
    reason: str = Field(description="Why there is no proposal yet, and what would help")
    suitable_mentors: int = Field(description="Trained mentors at or above the minimum score, not declined")
    best_score: float | None = None


class MatchingReportOut(BaseModel):
    branch: str
    on: date
    minimum_score: float
    waiting: list[WaitingOut] = Field(description="Mentees with no open proposal or duo, longest wait first")
    by_reason: dict[str, int]


def _matching(request: Request) -> Matching:
    return request.app.state.matching


def _out(doc: dict[str, Any]) -> ProposalOut:
    return ProposalOut(duo_id=doc["_id"], **{k: doc.get(k) for k in (
        "mentee_id", "mentor_id", "status", "score", "breakdown", "reasons", "proposed_on", "started_on",
        "withdrawn_reason")})


@contextmanager
def _round_lease():
    try:
        yield
    except RoundBusy:
        raise conflict("A proposal round is already running for this branch; try again in a moment.") from None


@router.post("/proposal-rounds", status_code=status.HTTP_201_CREATED,
             summary="Propose mentors for the whole waiting pool at once (optimal assignment)")
async def run_round(request: Request, branch: Branch) -> RoundOut:
    with _round_lease():
        documents = await _matching(request).run_round(branch)
    return RoundOut(proposals=[_out(d) for d in documents], total_score=round(sum(d["score"] for d in documents), 1))


@router.post("/mentees/{mentee_id}/placement", summary="Propose a mentor for one newcomer, leaving open proposals as they are",
             responses={204: {"description": "No mentor scores above the branch's minimum for now"}})
async def place(request: Request, branch: Branch, mentee_id: str) -> ProposalOut | None:
    with _round_lease():
        document = await _matching(request).place(branch, mentee_id)
    if document is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return _out(document)


@router.get("/proposals", summary="Proposals and duos of the branch, newest first")
async def list_proposals(request: Request, branch: Branch, status: ProposalStatus | None = None,
                         limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[ProposalOut]:
    return [_out(d) for d in await _matching(request).proposals.list(branch, status, limit)]


@router.get("/proposals/{duo_id}", summary="One proposal with its score and reasons")
async def get_proposal(request: Request, branch: Branch, duo_id: str) -> ProposalOut:
    return _out(await _matching(request).get(branch, duo_id))


@router.post("/proposals/{duo_id}/acceptance", summary="Accept a proposal: the duo is formed")
async def accept(request: Request, branch: Branch, duo_id: str, body: AcceptanceIn | None = None) -> ProposalOut:
    return _out(await _matching(request).accept(branch, duo_id, body.started_on if body else None))


@router.post("/proposals/{duo_id}/decline", summary="Decline a proposal: this pair is never proposed again")
async def decline(request: Request, branch: Branch, duo_id: str) -> ProposalOut:
    return _out(await _matching(request).decline(branch, duo_id))


@router.get("/pool", summary="Who matching knows in the branch (ids and status only)")
async def pool(request: Request, branch: Branch, role: Literal["mentee", "mentor"] | None = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[PoolEntryOut]:
    return [PoolEntryOut(participant_id=d["_id"], role=d.get("role", "unknown"), status=d.get("status", "unknown"),
                         trained=d.get("trained")) for d in await _matching(request).pool.list(branch, role, limit)]


@router.get("/matching-report", summary="Who waits for a mentor, since when, and why no proposal yet")
async def matching_report(request: Request, branch: Branch) -> MatchingReportOut:
    matching = _matching(request)
    waiting = await matching.waiting(branch)
    by_reason: dict[str, int] = {}
    for line in waiting:
        by_reason[line.reason_code] = by_reason.get(line.reason_code, 0) + 1
    return MatchingReportOut(branch=branch, on=matching.today(), minimum_score=matching.minimum_score,
                             waiting=[WaitingOut(**vars(line)) for line in waiting], by_reason=by_reason)
