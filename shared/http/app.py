"""The one factory that builds a service's FastAPI app with the suite's conventions."""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

from shared.http import docs, health, problems
from shared.http.middleware import CorrelationAndLimits
from shared.observability import logging as json_logging
from shared.runtime import ServiceRuntime


def create_app(runtime: ServiceRuntime, routers: list[APIRouter], *, title: str, description: str) -> FastAPI:
    settings = runtime.settings
    json_logging.configure(settings.service_name, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan,
                  docs_url=None, redoc_url=None,  # /docs from shared.http.docs, offline
                  responses=problems.documented(problems.EVERY_ROUTE))
    app.state.settings = settings
    app.state.runtime = runtime
    problems.install(app)
    docs.install(app)
    app.add_middleware(CorrelationAndLimits, service=settings.service_name,
                       max_body_bytes=settings.max_body_bytes)
    app.include_router(health.router({"database": runtime.database_ready, "kafka": runtime.kafka_ready},
                                     before_scrape=runtime.relay.measure_backlog))
    for router in routers:
        app.include_router(router)

    @app.get("/asyncapi.json", tags=["operations"], summary="AsyncAPI document of this service's events")
    async def asyncapi() -> JSONResponse:
        return JSONResponse(runtime.asyncapi().to_specification().to_jsonable())

    problems.document_routes(app)

    return app
