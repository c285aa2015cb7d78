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
    # Added later, optional, so the duo's record can be rebuilt from the log: the staff account that
    # logged it (an id, like an outcome's verified_by) and the day on followup's clock it was logged.
    logged_by: str | None = None
    logged_on: date | None = None


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


@event("check-in-recorded", version=1, topic=topics.DUO_ACTIVITY, source="followup")
class CheckInRecorded(Payload):
    """The coordinator's check-in with the duo at month 1, 3 or 6."""

    duo_id: str
    month: int = Field(ge=1, le=12)
    held_on: date
    on_track: bool


@event("outcome-recorded", version=1, topic=topics.DUO_ACTIVITY, source="followup")
class OutcomeRecorded(Payload):
    """What the mentee reached (job, placement, training or none), with its proof and who verified it."""

    duo_id: str
    mentee_id: str
    moment: Literal["end", "follow_up"]
    kind: OutcomeKind
    contract_type: str | None = None
    achieved_on: date
    evidence: str = Field(description="The kind of proof, e.g. signed contract, enrolment certificate")
    recorded_on: date
    verified_by: str | None = Field(default=None, description="Staff id of whoever checked the proof")
    verified_on: date | None = None


class _DuoReminder(Payload):
    """What every reminder of a duo names: the duo and its two people (ids only)."""

    duo_id: str
    mentee_id: str
    mentor_id: str


@event("first-meeting-upcoming", version=1, topic=topics.DUOS, source="followup")
class FirstMeetingUpcoming(_DuoReminder):
    """The duo's first meeting, planned when it was formed, is close: time to remind both people."""

    meeting_on: date


@event("check-in-due", version=1, topic=topics.DUOS, source="followup")
class CheckInDue(_DuoReminder):
    """The month 1, 3 or 6 check-in has come and is not recorded yet (published once per duo and month)."""

    month: int = Field(ge=1, le=12)
    due_on: date


@event("outcome-follow-up-due", version=1, topic=topics.DUOS, source="followup")
class OutcomeFollowUpDue(_DuoReminder):
    """Months after the duo ended, the mentee's outcome is asked again (published once per duo)."""

    due_on: date
