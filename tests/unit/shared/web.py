"""A small FastAPI app wired like create_app does (problem details, correlation id and body limit),
without a database or broker, so the HTTP conventions are tested in-process without I/O."""
from __future__ import annotations

import httpx
from fastapi import APIRouter, FastAPI

from shared.http import problems
from shared.http.middleware import CorrelationAndLimits
from shared.settings import ServiceSettings

MAX_BODY = 2048


def build(*routers: APIRouter, settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or ServiceSettings(service_name="unit", max_body_bytes=MAX_BODY)
    app = FastAPI()
    app.state.settings = settings
    problems.install(app)
    app.add_middleware(CorrelationAndLimits, service=settings.service_name,
                       max_body_bytes=settings.max_body_bytes)
    for router in routers:
        app.include_router(router)
    return app


def client(app: FastAPI) -> httpx.AsyncClient:
    # raise_app_exceptions=False: see the 500 response a client would get, as a server sends it.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://unit")
