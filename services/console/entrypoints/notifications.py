"""What was sent to whom (by first name) and its delivery state."""
from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.console.entrypoints.web import PAGE_LIMIT, Api, branch_of, render

router = APIRouter(prefix="/branches/{branch}")
Branch = Annotated[str, Depends(branch_of)]


@router.get("/notifications")
async def notifications(request: Request, branch: Branch, api: Api):
    sent, people = await asyncio.gather(
        api.listing("notify", f"/branches/{branch}/notifications", limit=PAGE_LIMIT),
        api.listing("intake", f"/branches/{branch}/participants", limit=PAGE_LIMIT))
    names = {p["participant_id"]: p.get("first_name") or "—" for p in people.items}
    return render(request, "notifications.html", sent=sent.items, names=names)
