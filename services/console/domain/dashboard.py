"""A branch's day at a glance, from what the four APIs return: pure, so it is tested without I/O."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Waiting:
    participant_id: str
    first_name: str | None
    days: int | None


@dataclass(frozen=True)
class Dashboard:
    waiting: list[Waiting]
    trained_mentors_available: int
    open_proposals: int
    active_duos: int
    at_risk: list[dict[str, Any]]
    check_ins_due: list[dict[str, Any]]
    truncated: bool  # an API list has more than its first page: the counts are "at least"


def summarise(participants: list[dict], pool: list[dict], proposals: list[dict], duos: list[dict],
              today: date, truncated: bool) -> Dashboard:
    known = {p["participant_id"]: p for p in participants}
    # matching keeps a mentee "waiting" in its pool while a proposal or duo is open: engaged ones are not waiting.
    engaged = {p.get(k) for p in proposals if p.get("status") in ("proposed", "formed") for k in ("mentee_id", "mentor_id")}
    waiting = []
    for entry in pool:
        if entry.get("role") == "mentee" and entry.get("status") == "waiting" and entry["participant_id"] not in engaged:
            person = known.get(entry["participant_id"], {})
            registered = person.get("registered_on")
            days = (today - date.fromisoformat(registered)).days if registered else None
            waiting.append(Waiting(entry["participant_id"], person.get("first_name"), days))
    waiting.sort(key=lambda w: -1 if w.days is None else w.days, reverse=True)
    mentors = sum(1 for e in pool if e.get("role") == "mentor" and e.get("status") == "active" and e.get("trained")
                  and e["participant_id"] not in engaged)  # one duo at a time, the programme's default
    active = [d for d in duos if d.get("status") == "active"]
    return Dashboard(
        waiting=waiting, trained_mentors_available=mentors,
        open_proposals=sum(1 for p in proposals if p.get("status") == "proposed"),
        active_duos=len(active), at_risk=[d for d in active if d.get("at_risk")],
        check_ins_due=[d for d in active if d.get("check_ins_due")],
        truncated=truncated)
