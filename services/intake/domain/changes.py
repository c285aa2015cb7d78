"""What a decision about a participant changes, as plain data: the use case stores it, the adapter knows how."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from services.intake.domain.identity import Identity


@dataclass(frozen=True)
class Event:
    """An event to publish, named as in the catalog. No data is a tombstone: the compacted topic forgets the
    participant's latest event of this type."""

    type: str
    data: dict[str, Any] | None


@dataclass(frozen=True)
class Change:
    """The record's new values by dotted path (dates as dates), the parts of it that go, the line its history
    gains and the events that go out with the change, in order."""

    written: dict[str, Any]
    entry: dict[str, Any]
    removed: tuple[str, ...] = ()
    events: tuple[Event, ...] = ()
    # The person's identity when the change gives it new keys: checked against everyone's before it is saved.
    identity: Identity | None = None

    def with_written(self, more: dict[str, Any]) -> Change:
        return replace(self, written={**self.written, **more})


def history_entry(change: str, fields: list[str], by: str, at: datetime) -> dict[str, Any]:
    """One line of a record's history: which fields, when, by whom; never a value, so erasure leaves it as is."""
    return {"at": at.isoformat(timespec="seconds"), "by": by, "change": change, "fields": fields}
