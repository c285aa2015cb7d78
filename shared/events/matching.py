"""Events the matching service publishes (topic: duos, keyed by duo id)."""
from __future__ import annotations

from datetime import date

from pydantic import Field

from shared.events import topics
from shared.events.catalog import event
from shared.events.common import Payload


@event("duo-proposed", version=1, topic=topics.DUOS, source="matching")
class DuoProposed(Payload):
    """Matching proposes a mentor for a mentee, with its score and the reasons in words."""

    duo_id: str
    mentee_id: str
    mentor_id: str
    score: float = Field(ge=0, le=100)
    breakdown: dict[str, float]
    reasons: list[str]
    # Added later, optional: the day on matching's clock, so a rebuilt view has the same date.
    proposed_on: date | None = None


@event("proposal-declined", version=1, topic=topics.DUOS, source="matching")
class ProposalDeclined(Payload):
    """A coordinator declined a proposal; this pair is never proposed again."""

    duo_id: str
    mentee_id: str
    mentor_id: str


@event("duo-formed", version=1, topic=topics.DUOS, source="matching")
class DuoFormed(Payload):
    """A coordinator accepted a proposal: the duo starts its six months."""

    duo_id: str
    mentee_id: str
    mentor_id: str
    started_on: date
    score: float


@event("proposal-round-completed", version=1, topic=topics.DUOS, source="matching")
class ProposalRoundCompleted(Payload):
    """A proposal round produced proposals that await the coordinators' review (keyed by the round's id)."""

    round_id: str
    proposals: int = Field(ge=1)
    duo_ids: list[str] = Field(min_length=1)


@event("proposal-withdrawn", version=1, topic=topics.DUOS, source="matching")
class ProposalWithdrawn(Payload):
    """An open proposal no longer fits after a correction (a language dropped, say): matching withdrew it,
    and the mentee waits for the next round. The pair may be proposed again if it fits again."""

    duo_id: str
    mentee_id: str
    mentor_id: str
    reason_code: str = Field(description="no_shared_language, no_shared_slot or below_minimum")
    reason: str
