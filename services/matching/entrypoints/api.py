"""Matching's HTTP API: run a proposal round, place a newcomer, review and decide on proposals."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field

from shared.http.auth import Branch
from shared.http.models import RequestBody
from shared.http.paging import Page, Paging
from shared.http.problems import conflict
from shared.paging import Order, slice_page
from services.matching.adapters.pool import ORDER as POOL
from services.matching.adapters.proposals import ORDER as PROPOSALS
from services.matching.adapters.round_lease import RoundBusy
from services.matching.domain.waiting import REASON_CODES, Waiting
from services.matching.use_cases import Matching

router = APIRouter(prefix="/branches/{branch}", tags=["matching"])
ProposalStatus = Literal["proposed", "formed", "declined", "ended", "withdrawn"]
PoolStatus = Literal["waiting", "active", "withdrawn", "done"]
ReasonCode = Literal[REASON_CODES]  # type: ignore[valid-type]
REPORT = Order("matching-report", ("waiting_since",))


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
    registered_on: date


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
    waiting: list[WaitingOut] = Field(description="Mentees with no open proposal or duo, longest wait first "
                                                  "(one page of them)")
    by_reason: dict[str, int] = Field(description="How many wait for each reason, over the whole branch")
    next: str | None = Field(description="Path and query of the report's next page of waiting mentees; "
                                         "null on the last page")


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
async def list_proposals(request: Request, branch: Branch, paging: Paging,
                         status: ProposalStatus | None = None) -> Page[ProposalOut]:
    documents, next_key = await _matching(request).proposals.list(branch, paging.after(PROPOSALS), paging.limit, status)
    return paging.page([_out(d) for d in documents], next_key, PROPOSALS)


@router.get("/proposals/{duo_id}", summary="One proposal with its score and reasons")
async def get_proposal(request: Request, branch: Branch, duo_id: str) -> ProposalOut:
    return _out(await _matching(request).get(branch, duo_id))


@router.post("/proposals/{duo_id}/acceptance", summary="Accept a proposal: the duo is formed")
async def accept(request: Request, branch: Branch, duo_id: str, body: AcceptanceIn | None = None) -> ProposalOut:
    return _out(await _matching(request).accept(branch, duo_id, body.started_on if body else None))


@router.post("/proposals/{duo_id}/decline", summary="Decline a proposal: this pair is never proposed again")
async def decline(request: Request, branch: Branch, duo_id: str) -> ProposalOut:
    return _out(await _matching(request).decline(branch, duo_id))


@router.get("/pool", summary="Who matching knows in the branch (ids and status only), longest known first")
async def pool(request: Request, branch: Branch, paging: Paging, role: Literal["mentee", "mentor"] | None = None,
               status: PoolStatus | None = None, trained: bool | None = None,
               waiting_since: Annotated[date | None, Query(description=(
                   "Only those known to matching since this day or earlier (a mentee's registration day)"))] = None,
               ) -> Page[PoolEntryOut]:
    documents, next_key = await _matching(request).pool.list(
        branch, paging.after(POOL), paging.limit, role=role, status=status, trained=trained,
        registered_by=waiting_since)
    return paging.page([PoolEntryOut(participant_id=d["_id"], role=d.get("role", "unknown"),
                                     status=d.get("status", "unknown"), trained=d.get("trained"),
                                     registered_on=d["registered_on"]) for d in documents], next_key, POOL)


def _report_key(line: Waiting) -> tuple[str, str]:
    return line.waiting_since.isoformat(), line.mentee_id


@router.get("/matching-report", summary="Who waits for a mentor, since when, and why no proposal yet")
async def matching_report(request: Request, branch: Branch, paging: Paging,
                          reason: Annotated[ReasonCode | None, Query(description="Only those waiting for this reason")]
                          = None) -> MatchingReportOut:
    matching = _matching(request)
    waiting = await matching.waiting(branch)
    by_reason: dict[str, int] = {}
    for line in waiting:
        by_reason[line.reason_code] = by_reason.get(line.reason_code, 0) + 1
    # The report is computed whole (each line needs the whole pool), then paged in its own order.
    lines, next_key = slice_page([w for w in waiting if reason in (None, w.reason_code)], _report_key,
                                 paging.after(REPORT), paging.limit)
    page = paging.page([WaitingOut(**vars(line)) for line in lines], next_key, REPORT)
    return MatchingReportOut(branch=branch, on=matching.today(), minimum_score=matching.minimum_score,
                             waiting=page.items, by_reason=by_reason, next=page.next)
