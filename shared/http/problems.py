"""Every error as RFC 9457 problem details (application/problem+json), never a stack trace."""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pymongo.errors import ConnectionFailure
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.rules import NotFound, RuleBroken
from shared.storage import ConcurrentChange

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://duo-suite.example/problems/"


class Problem(Exception):
    """Raised by route handlers for errors that are not validation or programme rules."""

    def __init__(self, status: int, title: str, detail: str, kind: str,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.kind = status, title, detail, kind
        self.extra = extra or {}


def conflict(detail: str) -> Problem:
    return Problem(409, "Conflict", detail, "conflict")


def problem_response(request: Request, status: int, title: str, detail: str, kind: str,
                     **extra: Any) -> JSONResponse:
    body = {"type": TYPE_BASE + kind, "title": title, "status": status, "detail": detail,
            "instance": request.url.path, **extra}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE,
                        headers={"WWW-Authenticate": "Bearer"} if status == 401 else None)


def _field(loc: tuple) -> str:
    # ("body", "languages", 0, "level") -> "languages[0].level"; the location kind is kept apart.
    parts = [p for p in loc[1:]] if loc and loc[0] in ("body", "query", "path", "header") else list(loc)
    text = ""
    for p in parts:
        text += f"[{p}]" if isinstance(p, int) else (f".{p}" if text else str(p))
    return text or "(body)"


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {"field": _field(tuple(e["loc"])), "in": e["loc"][0] if e["loc"] else "body",
         "rule": e["type"], "message": e["msg"]}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem_response(request, 422, "Invalid request", detail, "validation", errors=errors)


async def _rule_broken(request: Request, exc: RuleBroken) -> JSONResponse:
    errors = [{"field": r.field, "rule": r.rule, "message": r.message} for r in exc.refusals]
    return problem_response(request, 422, "Refused by a programme rule", str(exc), "rule-broken",
                            errors=errors)


async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
    return problem_response(request, 404, "Not found", str(exc), "not-found")


async def _problem(request: Request, exc: Problem) -> JSONResponse:
    return problem_response(request, exc.status, exc.title, exc.detail, exc.kind, **exc.extra)


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    kinds = {400: "bad-request", 401: "unauthenticated", 403: "forbidden", 404: "not-found",
             405: "method-not-allowed", 413: "too-large", 415: "unsupported-media-type"}
    title = {400: "Bad request", 401: "Not authenticated", 403: "Forbidden", 404: "Not found",
             413: "Too large"}.get(exc.status_code, "Error")
    return problem_response(request, exc.status_code, title, str(exc.detail),
                            kinds.get(exc.status_code, "http-error"))


async def _concurrent(request: Request, exc: ConcurrentChange) -> JSONResponse:
    return problem_response(request, 409, "Conflict",
                            "Someone else changed this record at the same time; reload it and try again.",
                            "concurrent-change")


async def _store_unreachable(request: Request, exc: ConnectionFailure) -> JSONResponse:
    log.warning("database unreachable", extra={"route": request.url.path, "error": type(exc).__name__})
    response = problem_response(request, 503, "Temporarily unavailable",
                                "The service cannot reach its database right now; nothing was changed. "
                                "Try again in a moment.", "unavailable")
    response.headers["Retry-After"] = "5"
    return response


# What every problem body holds (RFC 9457), for the OpenAPI documents.
SCHEMA = {"type": "object", "required": ["type", "title", "status", "detail", "instance"], "properties": {
    "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
    "detail": {"type": "string"}, "instance": {"type": "string"},
    "errors": {"type": "array", "description": "Each field at fault and the rule it breaks", "items": {
        "type": "object", "properties": {"field": {"type": ["string", "null"]}, "rule": {"type": "string"},
                                         "message": {"type": "string"}, "in": {"type": "string"}}}}}}
EVERY_ROUTE = {401: "No valid bearer token", 403: "The token does not cover this branch",
               422: "Invalid input or a programme rule refused it",
               503: "The database cannot be reached right now; nothing was changed"}
WITH_AN_ID = {404: "Nothing with this id in this branch"}
WITH_A_BODY = {400: "The body cannot be read", 413: "The body is too large"}
CHANGES = {409: "Someone else changed this at the same time, or it conflicts with what is there"}


def documented(descriptions: dict[int, str]) -> dict[int, dict[str, Any]]:
    return {status: {"description": f"{text} (problem details)", "content": {MEDIA_TYPE: {"schema": SCHEMA}}}
            for status, text in descriptions.items()}


def document_routes(app: FastAPI) -> None:
    """Add to each route the problems it can answer, so its OpenAPI document lists every status it sends."""
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        statuses: dict[int, str] = {}
        if any(name != "branch" for name in route.param_convertors):
            statuses |= WITH_AN_ID
        if route.body_field is not None:
            statuses |= WITH_A_BODY
        if route.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            statuses |= CHANGES
        route.responses = {**documented(statuses), **route.responses}


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(RuleBroken, _rule_broken)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(ConcurrentChange, _concurrent)
    app.add_exception_handler(ConnectionFailure, _store_unreachable)
    app.add_exception_handler(StarletteHTTPException, _http)
    # Unexpected exceptions become a 500 problem in middleware.CorrelationAndLimits, inside the
    # correlation scope, so the response and its log line carry the id.
