"""The programme's messages: who receives each, whether it is a reminder, and what it may say.

`variables` is the whole of what a message's templates may use. The only personal datum among
them is the recipient's first name; everything else is ids, dates, counts and links to the suite.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Audience = Literal["participant", "coordinator"]
PERSONAL_VARIABLES = frozenset({"first_name"})


@dataclass(frozen=True)
class MessageKind:
    name: str
    audience: Audience
    reminder: bool  # a participant may decline reminders; never the news about their duo itself
    variables: frozenset[str]


def _participant(name: str, *variables: str, reminder: bool = False) -> MessageKind:
    extra = ("stop_url",) if reminder else ()  # every reminder says how to stop it
    return MessageKind(name, "participant", reminder, frozenset({"first_name", *variables, *extra}))


def _coordinator(name: str, *variables: str) -> MessageKind:
    return MessageKind(name, "coordinator", False, frozenset(variables))


MESSAGES: dict[str, MessageKind] = {m.name: m for m in (
    _participant("registration-received", "role"),
    _participant("mentor-trained"),
    _participant("duo-formed", "role", "started_on", "duo_url"),
    _participant("first-meeting-reminder", "meeting_on", "duo_url", reminder=True),
    _participant("check-in-due", "month", "answer_url", reminder=True),
    _participant("duo-completed", "role"),
    _participant("outcome-follow-up", "role", "answer_url", reminder=True),
    _coordinator("duo-at-risk", "days_without_session", "last_session_on", "duo_url"),
    _coordinator("proposal-round-ready", "proposals", "review_url"),
    _coordinator("notification-failed", "message", "reason", "notification_url"),
)}


def message(name: str) -> MessageKind:
    return MESSAGES[name]


def check_variables(kind: MessageKind, variables: dict[str, object]) -> None:
    """A message gets exactly its declared variables: a missing one is a bug, an extra one a leak."""
    given = set(variables)
    if given != kind.variables:
        raise ValueError(f"{kind.name}: variables {sorted(given)} differ from the declared {sorted(kind.variables)}")
