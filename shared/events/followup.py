"""Events the followup service publishes (duo life on `duos`, sessions and outcomes on `duo-activity`)."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from shared.events import topics
from shared.events.catalog import event
from shared.events.common import Payload

OutcomeKind = Literal["job", "work_placement", "training", "none"]


@event("session-logged", version=1, topic=topics.DUO_ACTIVITY, source="followup")
class SessionLogged(Payload):
    """A duo met; hours count towards the expected two a week."""

    duo_id: str
    session_id: str
    held_on: date
    hours: float = Field(gt=0, le=12)


@event("duo-at-risk", version=1, topic=topics.DUOS, source="followup")
class DuoAtRisk(Payload):
    """No session for too long: the coordinator should check in."""

    duo_id: str
    last_session_on: date | None
    days_without_session: int = Field(ge=0)


@event("duo-ended", version=1, topic=topics.DUOS, source="followup")
class DuoEnded(Payload):
    """The duo completed its six months or ended early."""

    duo_id: str
    mentee_id: str
    mentor_id: str
    ended_on: date
    completed: bool
    reason: str
    mentee_returns_to_pool: bool


@event("outcome-recorded", version=1, topic=topics.DUO_ACTIVITY, source="followup")
class OutcomeRecorded(Payload):
    """What the mentee reached (job, placement, training or none), with who verified it."""

    duo_id: str
    mentee_id: str
    moment: Literal["end", "follow_up"]
    kind: OutcomeKind
    contract_type: str | None = None
    recorded_on: date
    verified_by: str | None = None
