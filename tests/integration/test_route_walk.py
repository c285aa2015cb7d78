"""Walk every route of every service's OpenAPI: no token is 401, another branch's token is 403.

A route added later without the branch scope fails this test, because the walk is driven by
the OpenAPI document rather than a hand-kept list.
"""
from __future__ import annotations

import importlib
import re
from datetime import timedelta

import httpx
import jwt
import pytest

from shared.http.auth import mint
from shared.settings import ServiceSettings
from tests.suite import auth

SERVICES = ("intake", "matching", "followup", "notify")
# Probes and documents for the ops team and other systems; they hold no branch data.
PUBLIC = {"/health", "/ready", "/metrics", "/asyncapi.json"}
# Across branches, for national staff only (a coordinator's token gets 403 like another branch's).
NATIONAL = {"/branches"}


def operations(app):
    for path, methods in app.openapi()["paths"].items():
        for method in methods:
            yield method.upper(), path


def concrete(path: str, branch: str) -> str:
    return re.sub(r"\{[^}]+\}", "some-id", path.replace("{branch}", branch))


@pytest.fixture(scope="module", params=SERVICES)
def app(request):
    return importlib.import_module(f"services.{request.param}.bootstrap").build_app()


async def call(app, method, path, headers=None):
    transport = httpx.ASGITransport(app=app)  # no lifespan: authentication comes before any storage
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        return await client.request(method, path, headers=headers or {}, json={})


async def test_only_ops_routes_are_public_and_every_other_route_is_under_a_branch_or_national(app):
    paths = {path for _, path in operations(app)}
    assert PUBLIC <= paths
    for path in paths - PUBLIC:
        assert path.startswith("/branches/{branch}/") or path.split("/")[1] == "figures" or path in NATIONAL, path


async def test_every_route_refuses_a_request_without_a_token(app):
    walked = 0
    for method, path in operations(app):
        if path in PUBLIC:
            continue
        r = await call(app, method, concrete(path, "brussels"))
        assert r.status_code == 401, (method, path, r.status_code)
        assert r.headers["content-type"] == "application/problem+json" and r.json()["status"] == 401
        walked += 1
    assert walked >= 2


async def test_a_token_of_another_branch_can_neither_read_nor_change(app):
    antwerp = auth("coordinator", ("antwerp",))
    for method, path in operations(app):
        if path in PUBLIC:
            continue
        r = await call(app, method, concrete(path, "brussels"), antwerp)
        assert r.status_code == 403, (method, path, r.status_code, r.text)
        assert r.json()["type"].endswith("/forbidden")


async def test_expired_foreign_and_tampered_tokens_are_401(app):
    settings = ServiceSettings()
    method, path = next((m, p) for m, p in operations(app) if p.startswith("/branches/"))
    expired = mint(settings, "t", "coordinator", ["brussels"], ttl=timedelta(seconds=-5))
    other_audience = settings.model_copy(update={"jwt_audience": "someone-else"})
    foreign = mint(other_audience, "t", "coordinator", ["brussels"])
    good = mint(settings, "t", "coordinator", ["brussels"])
    tampered = jwt.encode(jwt.decode(good, options={"verify_signature": False}) | {"branches": ["antwerp"]},
                          "a-guessed-secret-that-is-long-enough-000", algorithm="HS256")
    for token in (expired, foreign, tampered, "not-a-jwt"):
        r = await call(app, method, concrete(path, "brussels"), {"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, (token[:20], r.status_code)
