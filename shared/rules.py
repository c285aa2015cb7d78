"""The one error type domain rules raise: plain Python, so the domain stays framework-free.

The HTTP edge turns it into RFC 9457 problem details; `field` and `rule` let a client
(and a coordinator reading the message) see exactly what was refused and why.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Refusal:
    """One reason a request breaks a programme rule."""

    rule: str  # stable machine name, e.g. "mentee.age_range"
    message: str  # plain language, shown to a coordinator
    field: str | None = None  # the input field at fault, when there is one


class RuleBroken(Exception):
    """A programme rule refuses the change; carries every reason, not just the first."""

    def __init__(self, *refusals: Refusal) -> None:
        if not refusals:
            raise ValueError("RuleBroken needs at least one refusal")
        self.refusals = tuple(refusals)
        super().__init__("; ".join(r.message for r in refusals))

    @classmethod
    def single(cls, rule: str, message: str, field: str | None = None) -> "RuleBroken":
        return cls(Refusal(rule=rule, message=message, field=field))


class NotFound(Exception):
    """No such record in the caller's branch; the HTTP edge answers 404."""

    def __init__(self, what: str) -> None:
        super().__init__(f"No {what} with this id in this branch.")
        self.what = what
