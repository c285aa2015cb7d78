"""Which branches exist, from intake's `GET /branches`: a branch opened there appears here within
`ttl` seconds, with no restart and no setting. The console mints a short national token of its own
for this one read (it signs the suite's tokens anyway); when intake does not answer, the branches
it started with (the setting) keep the sign-in page usable."""
from __future__ import annotations

import time
from datetime import timedelta

import httpx

from shared.http.auth import mint
from shared.settings import WebSettings


class BranchList:
    def __init__(self, http: httpx.AsyncClient, intake_url: str, settings: WebSettings, fallback: list[str],
                 ttl: float = 30.0) -> None:
        self.http, self.intake_url, self.settings = http, intake_url, settings
        self.fallback, self.ttl = list(fallback), ttl
        self._names: list[str] | None = None
        self._read_at = 0.0

    async def names(self) -> list[str]:
        if self._names is None or time.monotonic() - self._read_at > self.ttl:
            self._names, self._read_at = await self._read(), time.monotonic()
        return self._names

    async def _read(self) -> list[str]:
        token = mint(self.settings, "console", "national", [], ttl=timedelta(minutes=1))
        try:
            r = await self.http.get(f"{self.intake_url}/branches", headers={"Authorization": f"Bearer {token}"})
            listed = r.json() if r.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            listed = None
        names = [b["branch"] for b in listed if isinstance(b, dict) and "branch" in b] if isinstance(listed, list) \
            else []
        return names or self.fallback
