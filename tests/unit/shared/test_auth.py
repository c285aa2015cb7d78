"""Bearer JWTs: a bad token is a 401 problem, another branch is a 403 problem, national staff see
every branch (docs/api.md)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import jwt
import pytest
from fastapi import APIRouter

from shared.http.auth import ALGORITHM, Branch, CurrentCaller, mint, verify
from shared.http.problems import MEDIA_TYPE, Problem
from shared.settings import ServiceSettings
from tests.unit.shared import web

SETTINGS = ServiceSettings(service_name="unit", jwt_secret="s" * 40, max_body_bytes=web.MAX_BODY)

router = APIRouter()


@router.get("/branches/{branch}/duos")
async def duos(branch: Branch) -> dict:
    return {"branch": branch}


@router.get("/me")
async def me(caller: CurrentCaller) -> dict:
    return {"subject": caller.subject, "role": caller.role, "branches": sorted(caller.branches)}


def app():
    return web.build(router, settings=SETTINGS)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token(role="coordinator", branches=("brussels",), settings=SETTINGS, **kwargs) -> str:
    return mint(settings, "user-1", role, list(branches), **kwargs)


def assert_401(response) -> dict:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["type"].endswith("/unauthenticated") and body["status"] == 401
    return body


async def get(path: str, headers: dict | None = None):
    async with web.client(app()) as client:
        return await client.get(path, headers=headers or {})


async def test_own_branch_is_allowed():
    response = await get("/branches/brussels/duos", bearer(token()))
    assert response.status_code == 200
    assert response.json() == {"branch": "brussels"}


async def test_missing_token_is_401():
    assert_401(await get("/branches/brussels/duos"))


async def test_not_a_bearer_scheme_is_401():
    assert_401(await get("/branches/brussels/duos", {"Authorization": "Basic dXNlcjpwdw=="}))


async def test_expired_token_is_401_saying_so():
    expired = token(ttl=timedelta(seconds=-30))
    body = assert_401(await get("/branches/brussels/duos", bearer(expired)))
    assert "expired" in body["detail"]


async def test_wrong_audience_is_401():
    other = SETTINGS.model_copy(update={"jwt_audience": "another-system"})
    body = assert_401(await get("/branches/brussels/duos", bearer(token(settings=other))))
    assert "InvalidAudience" in body["detail"]


async def test_wrong_issuer_is_401():
    other = SETTINGS.model_copy(update={"jwt_issuer": "someone-else"})
    assert_401(await get("/branches/brussels/duos", bearer(token(settings=other))))


async def test_bad_signature_is_401():
    forged = token(settings=SETTINGS.model_copy(update={"jwt_secret": "f" * 40}))
    body = assert_401(await get("/branches/brussels/duos", bearer(forged)))
    assert "InvalidSignature" in body["detail"]


async def test_tampered_claims_are_401():
    header, _claims, signature = token().split(".")
    other_claims = token(role="national", branches=()).split(".")[1]
    assert_401(await get("/branches/ghent/duos", bearer(f"{header}.{other_claims}x.{signature}")))
    assert_401(await get("/branches/ghent/duos", bearer(f"{header}.{other_claims}.{signature}")))


async def test_unsigned_token_is_401():
    now = datetime.now(timezone.utc)
    claims = {"sub": "u", "role": "national", "branches": [], "aud": SETTINGS.jwt_audience,
              "iss": SETTINGS.jwt_issuer, "exp": now + timedelta(hours=1)}
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert_401(await get("/branches/brussels/duos", bearer(unsigned)))


async def test_unknown_role_is_401():
    now = datetime.now(timezone.utc)
    claims = {"sub": "u", "role": "admin", "branches": ["brussels"], "aud": SETTINGS.jwt_audience,
              "iss": SETTINGS.jwt_issuer, "exp": now + timedelta(hours=1)}
    forged = jwt.encode(claims, SETTINGS.jwt_secret, algorithm=ALGORITHM)
    assert_401(await get("/branches/brussels/duos", bearer(forged)))


async def test_other_branch_is_403_problem():
    response = await get("/branches/ghent/duos", bearer(token(branches=("brussels",))))
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    body = response.json()
    assert body["type"].endswith("/forbidden") and "ghent" in body["detail"]


async def test_coordinator_of_several_branches_acts_for_each():
    several = bearer(token(branches=("brussels", "ghent")))
    assert (await get("/branches/ghent/duos", several)).status_code == 200
    assert (await get("/branches/brussels/duos", several)).status_code == 200
    assert (await get("/branches/liege/duos", several)).status_code == 403


@pytest.mark.parametrize("branch", ["brussels", "ghent", "liege", "charleroi"])
async def test_national_role_sees_every_branch(branch):
    response = await get(f"/branches/{branch}/duos", bearer(token(role="national", branches=())))
    assert response.status_code == 200, response.text


async def test_malformed_branch_is_a_validation_problem_not_a_403():
    response = await get("/branches/Not%20A%20Branch/duos", bearer(token(role="national", branches=())))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "branch"


async def test_caller_is_read_from_the_token():
    response = await get("/me", bearer(token(branches=("ghent", "brussels"))))
    assert response.json() == {"subject": "user-1", "role": "coordinator", "branches": ["brussels", "ghent"]}


def test_verify_refuses_a_token_of_another_secret():
    with pytest.raises(Problem) as raised:
        verify(SETTINGS, token(settings=SETTINGS.model_copy(update={"jwt_secret": "x" * 40})))
    assert raised.value.status == 401


def test_mint_refuses_an_unknown_role():
    with pytest.raises(ValueError):
        mint(SETTINGS, "u", "admin", [])
