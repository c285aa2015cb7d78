"""Test helpers shared by integration and e2e tests: settings for isolated runs, tokens, polling."""
from __future__ import annotations

import asyncio
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, Awaitable, Callable

import httpx

from shared.http.auth import mint
from shared.settings import ServiceSettings


def isolated_env(kafka_bootstrap: str, mongo_url: str, run_id: str | None = None) -> dict[str, str]:
    """DUO_* variables that give a test its own topics, consumer groups and databases."""
    run_id = run_id or uuid.uuid4().hex[:8]
    return {
        "DUO_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "DUO_MONGO_URL": mongo_url,
        "DUO_TOPIC_PREFIX": f"t{run_id}.",
        "DUO_OUTBOX_POLL_SECONDS": "0.2",
        "DUO_RUN_ID": run_id,
    }


def token(role: str = "coordinator", branches: tuple[str, ...] = ("brussels",), subject: str = "test") -> str:
    return mint(ServiceSettings(), subject, role, list(branches))


def auth(role: str = "coordinator", branches: tuple[str, ...] = ("brussels",)) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, branches)}"}


async def eventually(probe: Callable[[], Awaitable[Any]], *, timeout: float = 60.0,
                     interval: float = 0.25, what: str = "condition") -> Any:
    """Poll until `probe` returns something truthy; fail with `what` when it never does."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        try:
            last = await probe()
        except (httpx.HTTPError, AssertionError) as error:
            last = error
        else:
            if last:
                return last
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}; last seen: {last!r}")


@asynccontextmanager
async def in_process(app):
    """Run a service's app (lifespan included) in this process and give an HTTP client to it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client


@dataclass
class SettableDay:
    """A service's clock (shared.clock.Clock) that the test moves: `clock.day` is "today" for the service."""

    day: date

    def __call__(self) -> date:
        return self.day
