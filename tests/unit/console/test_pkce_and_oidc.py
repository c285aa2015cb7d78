"""OpenID Connect sign-in: PKCE, state, nonce, the ID token's checks and the claims' mapping."""
from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from services.console.adapters.oidc import OidcClient
from services.console.domain.pkce import (PendingSignIn, SignInRefused, code_challenge, code_verifier,
                                          person_from_claims)

ISSUER = "https://id.example.org/realms/duo"


def test_the_challenge_is_rfc_7636s_example():
    # RFC 7636, appendix B
    assert code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_verifiers_are_long_unreserved_and_never_repeat():
    verifiers = {code_verifier() for _ in range(200)}
    assert len(verifiers) == 200
    for verifier in verifiers:
        assert 43 <= len(verifier) <= 128
        assert set(verifier) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    with pytest.raises(ValueError):
        code_challenge("too-short")


def test_state_must_come_back_unchanged_and_the_pending_sign_in_survives_the_session():
    pending = PendingSignIn.new()
    again = PendingSignIn.from_dict(json.loads(json.dumps(pending.as_dict())))
    assert again == pending and again.matches(pending.state)
    assert not again.matches(None) and not again.matches(pending.state + "x") and not again.matches("")
    assert PendingSignIn.from_dict(None) is None and PendingSignIn.from_dict({"state": 1}) is None
    assert PendingSignIn.new().state != pending.state


@pytest.mark.parametrize("claims, expected", [
    ({"sub": "a", "duo_role": "coordinator", "duo_branches": ["brussels"], "given_name": "Sofie"},
     ("coordinator", ("brussels",), "Sofie")),
    ({"sub": "a", "duo_role": "coordinator", "duo_branches": "liege, brussels"}, ("coordinator", ("brussels", "liege"), "")),
    ({"sub": "a", "duo_role": ["coordinator", "national"]}, ("national", (), "")),
])
def test_claims_map_to_a_role_and_branches(claims, expected):
    person = person_from_claims(claims, "duo_role", "duo_branches")
    assert (person.role, person.branches, person.name) == expected


@pytest.mark.parametrize("claims", [
    {"sub": "a"}, {"sub": "a", "duo_role": "service", "duo_branches": ["brussels"]},
    {"sub": "a", "duo_role": "coordinator"}, {"sub": "a", "duo_role": "coordinator", "duo_branches": [1]},
])
def test_unclear_claims_are_refused(claims):
    with pytest.raises(SignInRefused):
        person_from_claims(claims, "duo_role", "duo_branches")


class FakeProvider:
    """An identity provider over httpx.MockTransport: discovery, JWKS, token endpoint checking PKCE."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.challenges: dict[str, str] = {}
        self.nonce_override: str | None = None
        self.token_requests: list[dict] = []

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": "duo-console", "sub": "u-1", "iat": now, "exp": now + 300,
                  "nonce": self.nonce_override or nonce, "duo_role": "coordinator", "duo_branches": ["brussels"]}
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "k1"})

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(200, json={"issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/auth",
                                             "token_endpoint": f"{ISSUER}/token", "jwks_uri": f"{ISSUER}/certs"})
        if request.url.path.endswith("/certs"):
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
            return httpx.Response(200, json={"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]})
        if request.url.path.endswith("/token"):
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            self.token_requests.append(form)
            challenge, nonce = self.challenges.get(form.get("code"), (None, None))
            if challenge is None or code_challenge(form.get("code_verifier", "x" * 43)) != challenge:
                return httpx.Response(400, json={"error": "invalid_grant"})
            return httpx.Response(200, json={"id_token": self.id_token(nonce), "token_type": "Bearer"})
        return httpx.Response(404)

    def authorise(self, url: str) -> str:
        """What the provider does after the person signed in: remember the challenge, hand out a code."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        assert query["code_challenge_method"] == "S256" and query["response_type"] == "code"
        code = f"code-{len(self.challenges)}"
        self.challenges[code] = (query["code_challenge"], query["nonce"])
        return code


@pytest.fixture
def provider():
    return FakeProvider()


def client(provider: FakeProvider) -> OidcClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(provider.handle))
    return OidcClient(http, ISSUER, "duo-console", "secret", "https://console.example.org/sign-in/callback", "openid")


async def test_the_code_and_the_verifier_are_exchanged_for_a_verified_id_token(provider):
    oidc, pending = client(provider), PendingSignIn.new()
    url = await oidc.authorization_url(pending)
    query = parse_qs(urlsplit(url).query)
    assert query["state"] == [pending.state] and query["client_id"] == ["duo-console"]
    assert pending.verifier not in url  # only the challenge leaves the console
    claims = await oidc.exchange(pending, provider.authorise(url))
    assert claims["sub"] == "u-1" and claims["nonce"] == pending.nonce
    assert provider.token_requests[0]["code_verifier"] == pending.verifier


async def test_a_wrong_verifier_or_a_replayed_nonce_is_refused(provider):
    oidc, pending = client(provider), PendingSignIn.new()
    code = provider.authorise(await oidc.authorization_url(pending))
    with pytest.raises(SignInRefused, match="refused"):
        await oidc.exchange(PendingSignIn(pending.state, pending.nonce, code_verifier()), code)
    provider.nonce_override = "someone-elses-nonce"
    with pytest.raises(SignInRefused, match="nonce"):
        await oidc.exchange(pending, code)


async def test_a_token_signed_by_another_key_is_refused(provider):
    oidc, pending = client(provider), PendingSignIn.new()
    code = provider.authorise(await oidc.authorization_url(pending))
    provider.key, published = rsa.generate_private_key(public_exponent=65537, key_size=2048), provider.key
    original = provider.handle

    def handle(request):  # the provider still publishes the old key
        if request.url.path.endswith("/certs"):
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(published.public_key()))
            return httpx.Response(200, json={"keys": [{**jwk, "kid": "k1"}]})
        return original(request)
    provider.handle = handle
    oidc.http = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    with pytest.raises(SignInRefused, match="not valid"):
        await oidc.exchange(pending, code)
