"""A Participant to and from its MongoDB document, and a decided Change as the update that stores it.

Dates are stored as ISO strings (BSON has no date-only type). Every key a record holds, its own or a
deliberate duplicate's, is also copied into `held_keys`: the one indexed array the duplicate check reads.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from services.intake.domain.changes import Change
from services.intake.domain.participants import Participant, Personal

HELD_KEYS = "held_keys"  # identity_keys or duplicate_keys, whichever the record has
KEY_FIELDS = ("identity_keys", "duplicate_keys")


def participant_of(document: dict[str, Any]) -> Participant:
    personal = document.get("personal")
    return Participant(
        participant_id=document["_id"], branch=document["branch"], role=document["role"],
        registered_on=date.fromisoformat(document["registered_on"]), status=document["status"],
        training={module: date.fromisoformat(on) for module, on in (document.get("training") or {}).items()},
        rules_version=document.get("rules_version"),
        personal=None if personal is None else Personal(
            personal["first_name"], personal["last_name"], personal["email"], personal["preferred_language"],
            date.fromisoformat(personal["birth_date"]), personal["postcode"], personal["country"]),
        profile=dict(document.get("profile") or {}), consents=dict(document.get("consents") or {}),
        deliberate_duplicate=bool(document.get("deliberate_duplicate")))


def document_of(participant_id: str, registration: Change) -> dict[str, Any]:
    """The new record a registration writes, with its first history line."""
    record = _plain(registration.written)
    held = [record[name] for name in KEY_FIELDS if name in record]
    return {"_id": participant_id, **record, **({HELD_KEYS: held[0]} if held else {}),
            "history": [registration.entry]}


def update_of(change: Change) -> dict[str, Any]:
    """The update that stores `change`: what is written, what goes, and the history's new line."""
    written = _plain(change.written)
    for name in KEY_FIELDS:
        if name in written:
            written[HELD_KEYS] = written[name]  # the duplicate check reads these
    update: dict[str, Any] = {"$set": written}
    if change.removed:
        removed = [*change.removed, *([HELD_KEYS] if set(KEY_FIELDS) & set(change.removed) else [])]
        update["$unset"] = {name: "" for name in removed}
    update["$push"] = {"history": change.entry}
    return update


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
