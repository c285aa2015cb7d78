"""OpenID Connect, authorization code flow with PKCE, over httpx: discovery, the redirect, the
code exchange and the ID token's checks (signature from the provider's JWKS, issuer, audience,
expiry, nonce)."""
from __future__ import annotations

from urllib.parse import urlencode

import httpx
import jwt

from services.console.domain.pkce import PendingSignIn, SignInRefused, code_challenge


class OidcClient:
    def __init__(self, http: httpx.AsyncClient, issuer: str, client_id: str, client_secret: str,
                 redirect_url: str, scopes: str) -> None:
        self.http, self.issuer = http, issuer.rstrip("/")
        self.client_id, self.client_secret = client_id, client_secret
        self.redirect_url, self.scopes = redirect_url, scopes
        self._metadata: dict | None = None

    async def metadata(self) -> dict:
        if self._metadata is None:
            r = await self.http.get(f"{self.issuer}/.well-known/openid-configuration")
            r.raise_for_status()
            self._metadata = r.json()
        return self._metadata

    async def authorization_url(self, pending: PendingSignIn) -> str:
        endpoint = (await self.metadata())["authorization_endpoint"]
        query = {"response_type": "code", "client_id": self.client_id, "redirect_uri": self.redirect_url,
                 "scope": self.scopes, "state": pending.state, "nonce": pending.nonce,
                 "code_challenge": code_challenge(pending.verifier), "code_challenge_method": "S256"}
        return f"{endpoint}?{urlencode(query)}"

    async def exchange(self, pending: PendingSignIn, code: str) -> dict:
        """The code and the verifier for tokens; returns the verified ID token's claims."""
        metadata = await self.metadata()
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_url,
                "client_id": self.client_id, "code_verifier": pending.verifier}
        auth = (self.client_id, self.client_secret) if self.client_secret else None
        r = await self.http.post(metadata["token_endpoint"], data=form, auth=auth)
        if r.status_code != 200:
            raise SignInRefused(f"The identity provider refused the sign-in ({r.status_code}).")
        id_token = r.json().get("id_token")
        if not isinstance(id_token, str):
            raise SignInRefused("The identity provider sent no ID token.")
        keys = await self.http.get(metadata["jwks_uri"])
        keys.raise_for_status()
        return verify_id_token(id_token, jwt.PyJWKSet.from_dict(keys.json()), self.issuer, self.client_id,
                               pending.nonce)


def verify_id_token(id_token: str, keys: jwt.PyJWKSet, issuer: str, client_id: str, nonce: str) -> dict:
    try:
        kid = jwt.get_unverified_header(id_token).get("kid")
        candidates = [k for k in keys.keys if kid is None or k.key_id == kid]
        if not candidates:
            raise SignInRefused("The ID token is signed with a key the provider does not publish.")
        claims = jwt.decode(id_token, candidates[0].key, algorithms=["RS256", "ES256", "PS256"],
                            audience=client_id, issuer=issuer, options={"require": ["exp", "iat", "sub", "aud", "iss"]})
    except jwt.InvalidTokenError as error:
        raise SignInRefused(f"The ID token is not valid ({type(error).__name__}).") from None
    if claims.get("nonce") != nonce:
        raise SignInRefused("The ID token does not answer this sign-in (nonce).")
    return claims
