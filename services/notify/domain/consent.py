"""Whether a participant's consents let a message go out: to be contacted at all, reminders, the follow-up."""
from __future__ import annotations

from collections.abc import Mapping

from services.notify.domain.messages import MessageKind

FOLLOW_UP_MESSAGES = frozenset({"outcome-follow-up"})


def withheld(kind: MessageKind, consents: Mapping[str, bool]) -> str | None:
    """The reason the message must not be sent (recorded as skipped), or None. Unrecorded means granted."""
    if consents.get("contact") is False:
        return "consent to be contacted withdrawn"
    if kind.name in FOLLOW_UP_MESSAGES and consents.get("follow_up") is False:
        return "follow-up declined"
    if kind.reminder and consents.get("reminders") is False:
        return "reminders declined"
    return None
