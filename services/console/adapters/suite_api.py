"""The four services' HTTP APIs, called with the signed-in person's token.

A service that answers with problem details raises ApiProblem (its own message and the
fields it names); one that does not answer raises ServiceDown. Nothing else leaks to a page.
"""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit
from dataclasses import dataclass, field
from typing import Any

import httpx


class ServiceDown(Exception):
    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.service = service


@dataclass
class ApiProblem(Exception):
    status: int
    title: str
    detail: str
    errors: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        return self.detail or self.title

    def by_field(self, aliases: dict[str, str] | None = None) -> dict[str, str]:
        """Each named field's messages, keyed by the form field they belong to (`languages[0].level` -> `languages`,
        unless `aliases` names the form field for the API's)."""
        found: dict[str, str] = {}
        for error in self.errors:
            given = str(error.get("field") or "")
            name = (aliases or {}).get(given) or given.split("[")[0].split(".")[0]
            if name:
                found[name] = f"{found[name]} {error.get('message', '')}".strip() if name in found \
                    else str(error.get("message", ""))
        return found


@dataclass(frozen=True)
class Listing:
    """One page of a list route: its items, and whether the API has more after them."""

    items: list[dict[str, Any]]
    more: bool
    cursor: str | None = None  # to pass back for the page after this one


class SuiteApi:
    def __init__(self, http: httpx.AsyncClient, urls: dict[str, str], token: str) -> None:
        self.http, self.urls = http, urls
        self.headers = {"Authorization": f"Bearer {token}"}
        self.timings: list[tuple[str, float]] = []  # (call, seconds): read by the bench

    async def request(self, method: str, service: str, path: str, *, params: dict | None = None,
                      json: Any = None) -> Any:
        started = time.perf_counter()
        try:
            r = await self.http.request(method, f"{self.urls[service]}{path}", params=params, json=json,
                                        headers=self.headers)
        except httpx.TransportError:
            raise ServiceDown(service) from None
        finally:
            self.timings.append((f"{method} {service}{path}", time.perf_counter() - started))
        if r.status_code >= 500 and not r.headers.get("content-type", "").startswith("application/problem"):
            raise ServiceDown(service)
        if r.status_code >= 400:
            body = _json(r)
            raise ApiProblem(r.status_code, str(body.get("title", "Error")), str(body.get("detail", r.text[:200])),
                             list(body.get("errors") or []))
        return None if r.status_code == 204 else r.json()

    async def get(self, service: str, path: str, **params: Any) -> Any:
        return await self.request("GET", service, path, params={k: v for k, v in params.items() if v is not None})

    async def listing(self, service: str, path: str, **params: Any) -> Listing:
        """The first page of a list route (every list route answers {"items": [...], "next": ...})."""
        page = await self.get(service, path, **params)
        following = page.get("next")
        cursor = parse_qs(urlsplit(following).query).get("cursor", [None])[0] if isinstance(following, str) else None
        return Listing(list(page["items"]), following is not None, cursor)

    async def post(self, service: str, path: str, json: Any = None) -> Any:
        return await self.request("POST", service, path, json=json)

    async def delete(self, service: str, path: str) -> Any:
        return await self.request("DELETE", service, path)


def _json(r: httpx.Response) -> dict:
    try:
        body = r.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
