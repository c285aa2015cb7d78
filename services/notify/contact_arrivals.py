"""Contacts arriving in this process, for a message recorded a moment before its contact.

A registration and its contact are published together but on two topics, read by two
subscriptions: half the time the message is recorded first and finds no contact. Rather than
park it in the store (a mark on the contact, and more writes when the contact comes), the
message waits here a moment for the contact the other subscription is about to store, and goes
out as if the contact had come first. In memory only: when the contact does not come in time
(another process holds its partition, or it is late), the message is parked as before.
"""
from __future__ import annotations

import asyncio
from typing import Any


class ContactArrivals:
    def __init__(self) -> None:
        self._awaited: dict[str, asyncio.Future[dict[str, Any]]] = {}

    def arrived(self, participant_id: str, contact: dict[str, Any]) -> None:
        """The contact as stored: handed to a message of this process waiting for it, if any."""
        waiting = self._awaited.pop(participant_id, None)
        if waiting is not None and not waiting.done():
            waiting.set_result(contact)

    async def wait(self, participant_id: str, seconds: float) -> dict[str, Any] | None:
        """The participant's contact if it is stored in this process within `seconds`; else None."""
        if seconds <= 0:
            return None
        waiting = self._awaited.setdefault(participant_id, asyncio.get_running_loop().create_future())
        try:
            return await asyncio.wait_for(asyncio.shield(waiting), timeout=seconds)
        except asyncio.TimeoutError:
            return None
        finally:
            if not waiting.done() and self._awaited.get(participant_id) is waiting:
                del self._awaited[participant_id]  # timed out: the contact's event will find the mark instead
