"""The one place that builds the console from its settings."""
from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from services.console.adapters.branch_list import BranchList
from services.console.adapters.oidc import OidcClient
from services.console.adapters.suite_api import ApiProblem, ServiceDown
from services.console.entrypoints import dashboard, duos, figures, matching, notifications, people, registration, signin
from services.console.entrypoints.web import BranchForbidden, CsrfFailed, SignInNeeded, back_to, render
from services.console.settings import ConsoleSettings
from shared.http import health
from shared.http.middleware import CorrelationAndLimits
from shared.observability import logging as json_logging

STATIC = Path(__file__).resolve().parent / "static"
# Everything from this origin: no CDN, no inline script; htmx's own indicator style is off (see base.html).
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def build_app(settings: ConsoleSettings | None = None, transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    settings = settings or ConsoleSettings()
    json_logging.configure(settings.service_name, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with httpx.AsyncClient(timeout=settings.api_timeout_seconds, transport=transport) as http:
            app.state.http = http
            app.state.oidc = OidcClient(http, settings.oidc_issuer, settings.oidc_client_id,
                                        settings.oidc_client_secret, settings.oidc_redirect_url, settings.oidc_scopes)
            app.state.branch_list = BranchList(http, settings.intake_url, settings, settings.branches)
            yield

    app = FastAPI(title="DUO console", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.add_middleware(SessionMiddleware, secret_key=settings.session_secret, session_cookie="duo_console",
                       max_age=settings.session_hours * 3600, same_site="lax",
                       https_only=settings.environment != "local")
    app.add_middleware(CorrelationAndLimits, service=settings.service_name, max_body_bytes=settings.max_body_bytes)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.middleware("http")
    async def known_branches(request: Request, call_next):
        # Pages render synchronously: the branch list (intake's, cached briefly) is read before.
        if not request.url.path.startswith(("/static", "/health", "/ready", "/metrics")):
            request.state.known_branches = await app.state.branch_list.names()
        return await call_next(request)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(health.router({}))
    for module in (signin, dashboard, registration, matching, duos, figures, notifications, people):
        app.include_router(module.router)
    _install_error_pages(app)
    return app


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(SignInNeeded)
    async def sign_in_needed(request: Request, exc: SignInNeeded):
        return back_to("/sign-in")

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed):
        return render(request, "error.html", status_code=403, message_key="csrf_failed")

    @app.exception_handler(BranchForbidden)
    async def forbidden(request: Request, exc: BranchForbidden):
        return render(request, "error.html", status_code=403, message_key="forbidden_branch")

    @app.exception_handler(ServiceDown)
    async def service_down(request: Request, exc: ServiceDown):
        return render(request, "error.html", status_code=503, down=exc.service)

    @app.exception_handler(ApiProblem)
    async def api_problem(request: Request, exc: ApiProblem):
        if exc.status == 401:  # the token expired: sign in again
            request.session.pop("person", None)
            return back_to("/sign-in")
        return render(request, "error.html", status_code=exc.status, problem=exc)
