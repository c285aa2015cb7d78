"""The branch dashboard: who waits, who can mentor, what needs a decision or a look today."""
from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.console.domain.dashboard import summarise
from services.console.entrypoints.web import PAGE_LIMIT, Api, branch_of, render

router = APIRouter(prefix="/branches/{branch}")
Branch = Annotated[str, Depends(branch_of)]


@router.get("/")
async def dashboard(request: Request, branch: Branch, api: Api):
    base = f"/branches/{branch}"
    participants, pool, proposals, duos = await asyncio.gather(
        api.listing("intake", f"{base}/participants", role="mentee", limit=PAGE_LIMIT),
        api.listing("matching", f"{base}/pool", limit=PAGE_LIMIT),
        api.listing("matching", f"{base}/proposals", limit=PAGE_LIMIT),
        # followup reads the active duos by their own index, without the duos that ended
        api.listing("followup", f"{base}/duos", status="active", limit=PAGE_LIMIT))
    summary = summarise(participants.items, pool.items, proposals.items, duos.items, date.today(),
                        truncated=any(listing.more for listing in (participants, pool, proposals, duos)))
    return render(request, "dashboard.html", summary=summary)
