"""Bearer JWTs: who is calling, in which role, for which branches.

Coordinators act only for the branches in their token; national staff for all. Tokens are
HS256-signed with the service's configured secret here; in production an identity provider
issues them with the same claims, and the key comes from settings.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Annotated, Literal

import jwt
from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.http.problems import Problem
from shared.settings import WebSettings

Role = Literal["coordinator", "national", "service"]
ROLES: tuple[str, ...] = ("coordinator", "national", "service")
ALGORITHM = "HS256"
BRANCH_PATTERN = r"^[a-z][a-z0-9-]{1,39}$"

_bearer = HTTPBearer(auto_error=False, description="A JWT from `make token`")


@dataclass(frozen=True)
class Caller:
    subject: str
    role: str
    branches: frozenset[str]

    @property
    def all_branches(self) -> bool:
        return self.role == "national"

    def may_act_for(self, branch: str) -> bool:
        return self.all_branches or branch in self.branches


def mint(settings: WebSettings, subject: str, role: str, branches: list[str],
         ttl: timedelta = timedelta(hours=8)) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    now = datetime.now(timezone.utc)
    claims = {"sub": subject, "role": role, "branches": sorted(branches), "aud": settings.jwt_audience,
              "iss": settings.jwt_issuer, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)


def _unauthenticated(detail: str) -> Problem:
    return Problem(401, "Not authenticated", detail, "unauthenticated")


def verify(settings: WebSettings, token: str) -> Caller:
    try:
        claims = jwt.decode(token, settings.jwt_secret, algorithms=[ALGORITHM],
                            audience=settings.jwt_audience, issuer=settings.jwt_issuer,
                            options={"require": ["exp", "sub", "aud", "iss"]})
    except jwt.ExpiredSignatureError:
        raise _unauthenticated("The token has expired; get a new one.") from None
    except jwt.InvalidTokenError as error:
        raise _unauthenticated(f"The token is not valid here ({type(error).__name__}).") from None
    role, branches = claims.get("role"), claims.get("branches", [])
    if role not in ROLES or not isinstance(branches, list) or not all(isinstance(b, str) for b in branches):
        raise _unauthenticated("The token has no valid role or branch list.")
    return Caller(subject=str(claims["sub"]), role=role, branches=frozenset(branches))


async def authenticated(request: Request,
                        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthenticated("Send a bearer token in the Authorization header.")
    return verify(request.app.state.settings, credentials.credentials)


async def branch_scope(caller: Annotated[Caller, Depends(authenticated)],
                       branch: Annotated[str, Path(pattern=BRANCH_PATTERN, description="Branch id, e.g. brussels")]) -> str:
    """The path's branch, once the caller is allowed to act for it."""
    if not caller.may_act_for(branch):
        raise Problem(403, "Forbidden", f"Your token does not cover branch {branch!r}.", "forbidden")
    return branch


CurrentCaller = Annotated[Caller, Depends(authenticated)]
Branch = Annotated[str, Depends(branch_scope)]
