"""Cross-cutting HTTP concerns: correlation id, body size limit, request metrics."""
from __future__ import annotations

import json
import logging
import time

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.problems import TYPE_BASE
from shared.observability import correlation, metrics

log = logging.getLogger(__name__)

HEADER = "x-correlation-id"


class CorrelationAndLimits:
    """Pure ASGI middleware (no BaseHTTPMiddleware: it would buffer and break streaming)."""

    def __init__(self, app: ASGIApp, service: str, max_body_bytes: int) -> None:
        self.app = app
        self.service = service
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(HEADER.encode(), b"").decode("latin-1").strip()
        value = given if given and len(given) <= 128 and given.isprintable() else correlation.new()
        token = correlation.bind(value)
        started = time.perf_counter()
        status_holder = {"status": 500}

        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(scope, send, value)
            correlation.reset(token)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _BodyTooLarge()
            return message

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["sent"] = True
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [(HEADER.encode(), value.encode())]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_header)
        except _BodyTooLarge:
            await self._too_large(scope, send, value)
            status_holder["status"] = 413
        except Exception as error:
            # Handled here, inside the correlation scope, so the 500 and its log line carry the id
            # (Starlette's outermost error middleware would answer after this scope ended).
            log.error("unexpected error", extra={"route": scope.get("path", ""), "error": type(error).__name__})
            if "sent" not in status_holder:  # nothing sent yet: the client still gets a problem
                await self._problem(send, scope, value, 500, "Internal error",
                                    "Something went wrong on our side. Quote the X-Correlation-ID header "
                                    "when you report it.", "internal")
            status_holder["status"] = 500
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            metrics.HTTP_REQUESTS.labels(self.service, scope["method"], path, str(status_holder["status"])).inc()
            metrics.HTTP_LATENCY.labels(self.service, path).observe(time.perf_counter() - started)
            correlation.reset(token)

    async def _too_large(self, scope: Scope, send: Send, value: str) -> None:
        await self._problem(send, scope, value, 413, "Request too large",
                            f"The body is larger than {self.max_body_bytes} bytes.", "too-large")

    @staticmethod
    async def _problem(send: Send, scope: Scope, value: str, status: int, title: str, detail: str,
                       kind: str) -> None:
        body = json.dumps({"type": TYPE_BASE + kind, "title": title, "status": status, "detail": detail,
                           "instance": scope.get("path", "")}).encode()
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode()),
            (HEADER.encode(), value.encode())]})
        await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(HTTPException):
    # An HTTPException, so FastAPI's body parsing re-raises it instead of turning it into a 400.
    def __init__(self) -> None:
        super().__init__(413, "The request body is too large.")
