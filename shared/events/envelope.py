"""The one envelope every event travels in (attribute names modelled on CloudEvents)."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.observability import correlation


class Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: uuid.UUID = Field(description="Unique per event; consumers deduplicate on it")
    type: str = Field(description="Event type, past tense, e.g. mentee-registered")
    version: int = Field(ge=1, description="Schema version of `data` for this type")
    source: str = Field(description="The service that published it")
    time: datetime = Field(description="When the change happened, UTC")
    branch: str = Field(description="The branch the subject belongs to")
    subject: str = Field(description="The aggregate's id; also the Kafka key")
    correlation_id: str = Field(description="Travels from the HTTP request through every event it causes")
    data: dict[str, Any] = Field(description="The typed payload, see the catalog")

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> "Envelope":
        return cls.model_validate_json(raw)

    def headers(self) -> dict[str, str]:
        """Kafka headers, so a subscriber can route on type without parsing the body."""
        return {
            "event-type": self.type,
            "event-version": str(self.version),
            "event-id": str(self.id),
            "correlation-id": self.correlation_id,
            "branch": self.branch,
        }


def new_envelope(payload: BaseModel, *, branch: str, subject: str, correlation_id: str | None = None,
                 time: datetime | None = None, id: uuid.UUID | None = None) -> Envelope:
    """Wrap a catalogued payload; type, version, source and topic come from the catalog.

    The correlation id defaults to that of the work in progress (the HTTP request or the
    consumed event), so every event a request causes carries the request's id. A given `id` makes
    an event that may be decided again (after a view is rebuilt) recognisable as the same one.
    """
    from shared.events.catalog import spec_of

    spec = spec_of(type(payload))
    return Envelope(
        id=id or uuid.uuid4(),
        type=spec.type,
        version=spec.version,
        source=spec.source,
        time=time or datetime.now(timezone.utc),
        branch=branch,
        subject=subject,
        correlation_id=correlation_id or correlation.ensure(),
        data=payload.model_dump(mode="json"),
    )
