"""Links in messages: always to the suite's console, built from ids only."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Links:
    console_url: str

    def _to(self, branch: str, *path: object) -> str:
        return "/".join([self.console_url.rstrip("/"), "branches", branch, *map(str, path)])

    def duo(self, branch: str, duo_id: str) -> str:
        return self._to(branch, "duos", duo_id)

    def check_in(self, branch: str, duo_id: str, month: int) -> str:
        return self._to(branch, "duos", duo_id, "check-ins", month)

    def outcome(self, branch: str, duo_id: str) -> str:
        return self._to(branch, "duos", duo_id, "outcomes")

    def reminders(self, branch: str, participant_id: str) -> str:
        return self._to(branch, "participants", participant_id, "consents", "reminders")

    def proposals(self, branch: str) -> str:
        return self._to(branch, "proposals")

    def notification(self, branch: str, notification_id: str) -> str:
        return self._to(branch, "notifications", notification_id)
