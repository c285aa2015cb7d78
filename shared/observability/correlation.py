"""The correlation id of the work in progress: set from the HTTP request or the consumed event."""
from __future__ import annotations

import uuid
from contextvars import ContextVar

_current: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def current() -> str | None:
    return _current.get()


def ensure() -> str:
    """The current id, or a fresh one for work that started here (a timer, a script)."""
    value = _current.get()
    if value is None:
        value = new()
        _current.set(value)
    return value


def new() -> str:
    return uuid.uuid4().hex


def bind(value: str):
    """Set the id for the current task; returns the token for `reset`."""
    return _current.set(value)


def reset(token) -> None:
    _current.reset(token)
