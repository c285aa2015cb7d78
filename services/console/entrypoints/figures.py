"""A branch's figures for a period with their definitions, six months as a chart, and a CSV export;
national staff see every branch side by side."""
from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.console.adapters.suite_api import ApiProblem
from services.console.domain.figures import HEADLINE, as_csv, chart, month_periods
from services.console.entrypoints.web import Api, BranchForbidden, SignedIn, branch_of, render, visible_branches

router = APIRouter()
Branch = Annotated[str, Depends(branch_of)]


def _period(period_start: date | None, period_end: date | None) -> dict[str, str]:
    today = date.today()
    return {"period_start": (period_start or date(today.year, 1, 1)).isoformat(),
            "period_end": (period_end or today).isoformat()}


@router.get("/branches/{branch}/figures")
async def figures(request: Request, branch: Branch, api: Api, period_start: date | None = None,
                  period_end: date | None = None):
    path = f"/branches/{branch}/figures"
    try:
        current = await api.get("followup", path, **_period(period_start, period_end))
    except ApiProblem as problem:  # e.g. the end before the start: the service's own words
        return render(request, "figures.html", status_code=problem.status, problem=problem, figures=None,
                      chart=None, headline=HEADLINE)
    months = month_periods(date.today())
    monthly = await asyncio.gather(*(api.get("followup", path, period_start=s.isoformat(), period_end=e.isoformat())
                                     for s, e in months))
    drawn = chart([(start, m["figures"]) for (start, _), m in zip(months, monthly)])
    return render(request, "figures.html", figures=current, chart=drawn, headline=HEADLINE)


@router.get("/branches/{branch}/figures.csv")
async def figures_csv(branch: Branch, api: Api, period_start: date | None = None, period_end: date | None = None):
    current = await api.get("followup", f"/branches/{branch}/figures", **_period(period_start, period_end))
    return _csv(as_csv([(branch, current)], current["definitions"]), f"duo-figures-{branch}.csv")


async def _every_branch(request: Request, person, api, period: dict[str, str]):
    if person.role != "national":
        raise BranchForbidden()
    branches = visible_branches(request, person)
    listed = await asyncio.gather(*(api.get("followup", f"/branches/{b}/figures", **period) for b in branches))
    return list(zip(branches, listed))


@router.get("/figures")
async def national(request: Request, person: SignedIn, api: Api, period_start: date | None = None,
                   period_end: date | None = None):
    rows = await _every_branch(request, person, api, _period(period_start, period_end))
    return render(request, "national.html", rows=rows, headline=HEADLINE,
                  definitions=rows[0][1]["definitions"] if rows else {}, period=_period(period_start, period_end))


@router.get("/figures.csv")
async def national_csv(request: Request, person: SignedIn, api: Api, period_start: date | None = None,
                       period_end: date | None = None):
    rows = await _every_branch(request, person, api, _period(period_start, period_end))
    return _csv(as_csv(rows, rows[0][1]["definitions"] if rows else {}), "duo-figures-all-branches.csv")


def _csv(text: str, filename: str) -> Response:
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
