"""A Duo to and from its MongoDB document: dates as ISO strings, enums as their values."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date
from enum import Enum
from typing import Any

from shared.clock import day_or_none as _day
from shared.paging import PAGE_KEY, Order
from services.followup.adapters.figures_cache import FIGURES_DIRTY, dirty_mark
from services.followup.domain.duo import CheckIn, Duo, Outcome, Session

# A branch's duos, latest start first (ISO days sort as text); the id breaks ties.
ORDER = Order("duos", ("started_on",), descending=True)
# The same order among the branch's duos of one status (`branch_status`): the active ones are read
# without the ended ones, however many the years have ended.
BY_STATUS = Order("duos", ("started_on",), descending=True, scope="branch_status", key="status_page_key")


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def state_of(duo: Duo) -> dict[str, Any]:
    """Every field of the duo, plus what queries need ready-made (the last activity for the risk scan)."""
    state = _plain(asdict(duo))
    state.pop("duo_id")
    state["last_activity_on"] = duo.last_activity_on.isoformat()
    state["hours_logged"] = duo.hours_logged
    state[FIGURES_DIRTY] = dirty_mark(duo.branch)  # every change of a duo may change the branch's figures
    state["branch_status"] = f"{duo.branch}:{state['status']}"
    state[BY_STATUS.key] = BY_STATUS.page_key({**state, "_id": duo.duo_id})
    return state


def to_document(duo: Duo) -> dict[str, Any]:
    document = {"_id": duo.duo_id, **state_of(duo)}
    return {**document, PAGE_KEY: ORDER.page_key(document)}


def from_document(doc: dict[str, Any]) -> Duo:
    return Duo(
        duo_id=doc["_id"], branch=doc["branch"], mentee_id=doc["mentee_id"], mentor_id=doc["mentor_id"],
        started_on=_day(doc["started_on"]), planned_end_on=_day(doc["planned_end_on"]), status=doc["status"],
        sessions=[Session(s["session_id"], _day(s["held_on"]), s["hours"], s["logged_by"]) for s in doc["sessions"]],
        check_ins=[CheckIn(c["month"], _day(c["held_on"]), c["on_track"]) for c in doc["check_ins"]],
        at_risk=doc["at_risk"], at_risk_since=_day(doc["at_risk_since"]), ended_on=_day(doc["ended_on"]),
        end_reason=doc["end_reason"], mentee_returns_to_pool=doc["mentee_returns_to_pool"],
        outcomes=[Outcome(o["moment"], o["kind"], o["contract_type"], _day(o["achieved_on"]), o["evidence"],
                          o["verified_by"], _day(o["verified_on"]), _day(o["recorded_on"])) for o in doc["outcomes"]],
        reminders_sent=list(doc.get("reminders_sent", [])))


def page_keys(document: dict[str, Any]) -> dict[str, Any]:
    """The list keys of a duo stored before lists had them (shared.paging.fill_page_keys)."""
    keyed = {**document, "branch_status": f"{document['branch']}:{document['status']}"}
    return {PAGE_KEY: ORDER.page_key(keyed), "branch_status": keyed["branch_status"],
            BY_STATUS.key: BY_STATUS.page_key(keyed)}
