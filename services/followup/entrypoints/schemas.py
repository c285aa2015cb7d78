"""HTTP bodies of followup. Shape only: the duo's rules are in the domain."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from shared.http.models import RequestBody
from services.followup.domain.duo import EARLY_END_REASONS, ContractType, OutcomeKind

EarlyEndReason = Literal[EARLY_END_REASONS]


class SessionIn(RequestBody):
    held_on: date
    hours: float = Field(gt=0, le=12)
    session_id: str | None = Field(default=None, min_length=1, max_length=64,
                                   description="Your own id for the session, so a retried request is not logged twice")


class CheckInIn(RequestBody):
    month: int = Field(ge=1, le=12)
    held_on: date
    on_track: bool


class CompletionIn(RequestBody):
    completed_on: date


class EarlyEndIn(RequestBody):
    ended_on: date
    reason: EarlyEndReason
    mentee_returns_to_pool: bool = Field(description="Whether the mentee waits for a new mentor")


class OutcomeIn(RequestBody):
    moment: Literal["end", "follow_up"]
    kind: OutcomeKind
    contract_type: ContractType | None = None
    achieved_on: date
    evidence: str = Field(min_length=3, max_length=80, description="The kind of proof, e.g. signed contract")
    verified_on: date | None = Field(default=None, description="When you checked the proof; leave out if not checked")


class SessionOut(BaseModel):
    session_id: str
    held_on: date
    hours: float


class CheckInOut(BaseModel):
    month: int
    held_on: date
    on_track: bool


class OutcomeOut(BaseModel):
    moment: str
    kind: str
    contract_type: str | None
    achieved_on: date
    evidence: str
    verified_by: str | None
    verified_on: date | None
    recorded_on: date


class DuoOut(BaseModel):
    duo_id: str
    branch: str
    mentee_id: str
    mentor_id: str
    status: str
    started_on: date
    planned_end_on: date
    hours_logged: float
    expected_hours: float
    days_without_session: int
    at_risk: bool
    check_ins_due: list[int]
    ended_on: date | None
    end_reason: str | None
    sessions: list[SessionOut]
    check_ins: list[CheckInOut]
    outcomes: list[OutcomeOut]
