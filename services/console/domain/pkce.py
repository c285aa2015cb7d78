"""OpenID Connect sign-in state: PKCE (RFC 7636, S256), state and nonce, and the claims' mapping.

Pure functions: the HTTP calls are in adapters/oidc.py.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

ROLES = ("coordinator", "national")


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def code_verifier() -> str:
    """43-128 characters from the unreserved set (RFC 7636 4.1): 64 random bytes give 86."""
    return _b64url(secrets.token_bytes(64))


def code_challenge(verifier: str) -> str:
    """S256: BASE64URL(SHA256(ASCII(code_verifier)))."""
    if not 43 <= len(verifier) <= 128:
        raise ValueError("a code verifier has 43 to 128 characters")
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


@dataclass(frozen=True)
class PendingSignIn:
    """What the console keeps in the session between the redirect and the callback."""

    state: str
    nonce: str
    verifier: str

    @classmethod
    def new(cls) -> "PendingSignIn":
        return cls(secrets.token_urlsafe(32), secrets.token_urlsafe(32), code_verifier())

    def as_dict(self) -> dict[str, str]:
        return {"state": self.state, "nonce": self.nonce, "verifier": self.verifier}

    @classmethod
    def from_dict(cls, data: object) -> "PendingSignIn | None":
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("state", "nonce", "verifier")):
            return None
        return cls(data["state"], data["nonce"], data["verifier"])

    def matches(self, returned_state: str | None) -> bool:
        return returned_state is not None and hmac.compare_digest(self.state, returned_state)


class SignInRefused(Exception):
    """The identity provider's answer does not let this person in; the message says why."""


@dataclass(frozen=True)
class Person:
    """Who is signed in; `token` is the suite's own bearer token for them, once minted."""

    subject: str
    name: str
    role: str
    branches: tuple[str, ...]
    token: str = ""

    def may_see(self, branch: str) -> bool:
        return self.role == "national" or branch in self.branches


def person_from_claims(claims: dict, role_claim: str, branches_claim: str) -> Person:
    """Map the ID token's claims to the suite's role and branches; refuse anything unclear."""
    role = claims.get(role_claim)
    if isinstance(role, list):  # some providers send every role: the widest one wins
        role = "national" if "national" in role else ("coordinator" if "coordinator" in role else None)
    if role not in ROLES:
        raise SignInRefused(f"Your account has no DUO role (claim {role_claim!r}); ask your administrator.")
    raw = claims.get(branches_claim, [])
    branches = raw.replace(",", " ").split() if isinstance(raw, str) else raw
    if not isinstance(branches, list) or not all(isinstance(b, str) for b in branches):
        raise SignInRefused(f"The claim {branches_claim!r} is not a list of branches.")
    if role == "coordinator" and not branches:
        raise SignInRefused("Your account names no branch; ask your administrator.")
    name = claims.get("given_name") or claims.get("name") or claims.get("preferred_username") or ""
    return Person(str(claims["sub"]), str(name), role, tuple(sorted(set(branches))))
