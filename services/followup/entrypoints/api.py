"""Followup's HTTP API: the duos of a branch, their sessions, check-ins, ending, outcomes and figures."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, status

from shared.http.auth import Branch, CurrentCaller
from shared.http.paging import Page, Paging
from shared.http.problems import Problem
from services.followup.adapters.duos import ORDER
from services.followup.domain.duo import Duo
from services.followup.entrypoints.schemas import (CheckInIn, CheckInOut, CompletionIn, DuoOut, EarlyEndIn, OutcomeIn,
                                                   OutcomeOut, SessionIn, SessionOut)
from services.followup.use_cases import FollowUp

router = APIRouter(prefix="/branches/{branch}", tags=["duos"])
national = APIRouter(tags=["figures"])
DuoStatusFilter = Literal["active", "completed", "ended_early"]


def _followup(request: Request) -> FollowUp:
    return request.app.state.followup


def _respond(request: Request, duo: Duo) -> DuoOut:
    rules, today = _followup(request).rules, _followup(request).today()
    return DuoOut(
        duo_id=duo.duo_id, branch=duo.branch, mentee_id=duo.mentee_id, mentor_id=duo.mentor_id,
        status=duo.status.value, started_on=duo.started_on, planned_end_on=duo.planned_end_on,
        hours_logged=duo.hours_logged, expected_hours=duo.expected_hours(today, rules),
        days_without_session=duo.days_without_session(today), at_risk=duo.at_risk,
        check_ins_due=duo.check_ins_due(today, rules) if duo.status.value == "active" else [],
        ended_on=duo.ended_on, end_reason=duo.end_reason,
        sessions=[SessionOut(session_id=s.session_id, held_on=s.held_on, hours=s.hours) for s in duo.sessions],
        check_ins=[CheckInOut(month=c.month, held_on=c.held_on, on_track=c.on_track) for c in duo.check_ins],
        outcomes=[OutcomeOut(moment=o.moment.value, kind=o.kind.value,
                             contract_type=o.contract_type.value if o.contract_type else None,
                             achieved_on=o.achieved_on, evidence=o.evidence, verified_by=o.verified_by,
                             verified_on=o.verified_on, recorded_on=o.recorded_on) for o in duo.outcomes])


@router.get("/duos", summary="Duos of the branch, latest start first")
async def list_duos(request: Request, branch: Branch, paging: Paging, status: DuoStatusFilter | None = None,
                    at_risk: Annotated[bool | None, Query(description="Only duos flagged at risk (true) "
                                                                      "or only those not flagged (false)")] = None,
                    ) -> Page[DuoOut]:
    duos, next_key = await _followup(request).duos.list(branch, paging.after(ORDER), paging.limit,
                                                        status=status, at_risk=at_risk)
    return paging.page([_respond(request, d) for d in duos], next_key, ORDER)


@router.get("/duos/{duo_id}", summary="One duo: sessions, hours against the expected, check-ins, outcomes")
async def get_duo(request: Request, branch: Branch, duo_id: str) -> DuoOut:
    return _respond(request, await _followup(request).get(branch, duo_id))


@router.post("/duos/{duo_id}/sessions", status_code=status.HTTP_201_CREATED, summary="Log a session of the duo")
async def log_session(request: Request, branch: Branch, caller: CurrentCaller, duo_id: str, body: SessionIn) -> DuoOut:
    return _respond(request, await _followup(request).log_session(
        branch, duo_id, body.held_on, body.hours, caller.subject, body.session_id))


@router.post("/duos/{duo_id}/check-ins", status_code=status.HTTP_201_CREATED,
             summary="Record the month 1, 3 or 6 check-in")
async def record_check_in(request: Request, branch: Branch, duo_id: str, body: CheckInIn) -> DuoOut:
    return _respond(request, await _followup(request).record_check_in(
        branch, duo_id, body.month, body.held_on, body.on_track))


@router.post("/duos/{duo_id}/completion", summary="Close a duo that reached its six months")
async def complete(request: Request, branch: Branch, duo_id: str, body: CompletionIn) -> DuoOut:
    return _respond(request, await _followup(request).complete(branch, duo_id, body.completed_on))


@router.post("/duos/{duo_id}/early-end", summary="End a duo before six months, with the reason")
async def end_early(request: Request, branch: Branch, duo_id: str, body: EarlyEndIn) -> DuoOut:
    return _respond(request, await _followup(request).end_early(
        branch, duo_id, body.ended_on, body.reason, body.mentee_returns_to_pool))


@router.post("/duos/{duo_id}/outcomes", status_code=status.HTTP_201_CREATED,
             summary="Record the mentee's outcome at the end or at the follow-up, with its proof")
async def record_outcome(request: Request, branch: Branch, caller: CurrentCaller, duo_id: str,
                         body: OutcomeIn) -> DuoOut:
    return _respond(request, await _followup(request).record_outcome(
        branch, duo_id, verified_by=caller.subject if body.verified_on else None, moment=body.moment,
        kind=body.kind, contract_type=body.contract_type, achieved_on=body.achieved_on,
        evidence=body.evidence, verified_on=body.verified_on))


@router.post("/at-risk-scans", summary="Flag now the branch's duos without a session for too long")
async def scan(request: Request, branch: Branch) -> dict[str, int]:
    return {"flagged": await _followup(request).scan_at_risk(branch)}


def _period(period_start: date | None, period_end: date | None, today: date) -> tuple[date, date]:
    return period_start or date(today.year, 1, 1), period_end or today


@router.get("/figures", summary="The branch's programme figures for a period, with their definitions")
async def branch_figures(request: Request, branch: Branch, period_start: date | None = None,
                         period_end: date | None = None) -> dict[str, Any]:
    followup = _followup(request)
    start, end = _period(period_start, period_end, followup.today())
    return {**(await followup.branch_figures(branch, start, end)),
            "rules_in_force": await followup.rules_in_force(branch, start, end)}


@national.get("/figures", summary="Figures across every branch (national staff only)")
async def all_figures(request: Request, caller: CurrentCaller, period_start: date | None = None,
                      period_end: date | None = None) -> dict[str, Any]:
    if not caller.all_branches:
        raise Problem(403, "Forbidden", "Only national staff see the figures of every branch.", "forbidden")
    followup = _followup(request)
    start, end = _period(period_start, period_end, followup.today())
    return {**(await followup.figures(None, start, end)).as_dict(),
            "rules_in_force": await followup.rules_in_force_everywhere(start, end)}
