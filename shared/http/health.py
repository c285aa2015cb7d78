"""Liveness, readiness and Prometheus metrics: what the ops team watches."""
from __future__ import annotations

from typing import Awaitable, Callable

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

Check = Callable[[], Awaitable[bool]]


def router(checks: dict[str, Check], before_scrape: Callable[[], Awaitable[None]] | None = None) -> APIRouter:
    api = APIRouter(tags=["operations"])

    @api.get("/health", summary="The process is alive")
    async def health(request: Request) -> dict:
        return {"status": "alive", "service": request.app.state.settings.service_name}

    @api.get("/ready", summary="Kafka and the database are reachable",
             responses={503: {"description": "Kafka or the database is not reachable (the same body)"}})
    async def ready() -> JSONResponse:
        results = {}
        for name, check in checks.items():
            try:
                results[name] = bool(await check())
            except Exception:
                results[name] = False
        ok = all(results.values())
        return JSONResponse({"status": "ready" if ok else "not ready", "checks": results},
                            status_code=200 if ok else 503)

    @api.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse,
             responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}})
    async def scrape() -> Response:
        if before_scrape is not None:
            try:
                await before_scrape()
            except Exception:
                pass  # stale gauges beat a failed scrape
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return api
