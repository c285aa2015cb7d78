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
        names: list[str] = []
        url: str | None = "/branches?limit=500"
        try:
            while url:  # every page: the list is short, but it pages like every other
                r = await self.http.get(f"{self.intake_url}{url}", headers={"Authorization": f"Bearer {token}"})
                page = r.json() if r.status_code == 200 else {}
                listed = page.get("items") if isinstance(page, dict) else None
                if not isinstance(listed, list):
                    return self.fallback
                names += [b["branch"] for b in listed if isinstance(b, dict) and "branch" in b]
                url = page.get("next") if isinstance(page.get("next"), str) else None
        except (httpx.HTTPError, ValueError):
            return self.fallback
        return names or self.fallback
