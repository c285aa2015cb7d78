"""What every page shares: the signed-in person, their branches, CSRF, language, rendering."""
from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from services.console.adapters.suite_api import SuiteApi
from services.console.domain.figures import shown
from services.console.domain.pkce import Person
from services.console.i18n import LANGUAGES, negotiate, translator
from shared.vocabulary import LANGUAGE_NAMES, SUPPORT_LABELS

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parents[1] / "templates"))
TEMPLATES.env.globals.update(shown=shown, LANGUAGE_NAMES=LANGUAGE_NAMES, SUPPORT_LABELS=SUPPORT_LABELS)
# Items per page of a list: enough to work through, small enough that a page is read and sent at once
# (a 500-proposal matching page was 1 MiB of HTML).
PAGE_LIMIT = 50


class SignInNeeded(Exception):
    """No one is signed in (or their token expired): the page sends them to the sign-in."""


class CsrfFailed(Exception):
    pass


class BranchForbidden(Exception):
    pass


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def language(request: Request) -> str:
    chosen = request.session.get("lang")
    return chosen if chosen in LANGUAGES else negotiate(request.headers.get("accept-language"))


def signed_in(request: Request) -> Person:
    data = request.session.get("person")
    if not isinstance(data, dict) or not data.get("token"):
        raise SignInNeeded()
    return Person(data["subject"], data.get("name", ""), data["role"], tuple(data.get("branches", ())), data["token"])


SignedIn = Annotated[Person, Depends(signed_in)]


async def check_csrf(request: Request) -> None:
    """Every state-changing request carries the session's token, as a form field or an htmx header."""
    expected = request.session.get("csrf")
    given = request.headers.get("x-csrf-token")
    if given is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        given = (await request.form()).get("csrf")
    if not expected or not isinstance(given, str) or not secrets.compare_digest(expected, given):
        raise CsrfFailed()


def branch_of(person: SignedIn, branch: str) -> str:
    if not person.may_see(branch):
        raise BranchForbidden()
    return branch


def api(request: Request, person: SignedIn) -> SuiteApi:
    return SuiteApi(request.app.state.http, request.app.state.settings.api_urls, person.token)


Api = Annotated[SuiteApi, Depends(api)]


def known_branches(request: Request) -> list[str]:
    """Every branch intake knows (read before the page by the app's middleware)."""
    return list(getattr(request.state, "known_branches", None) or request.app.state.settings.branches)


def visible_branches(request: Request, person: Person) -> list[str]:
    return known_branches(request) if person.role == "national" else list(person.branches)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    person = None
    try:
        person = signed_in(request)
    except SignInNeeded:
        pass
    lang = language(request)
    context.setdefault("branch", request.path_params.get("branch"))
    base = {"request": request, "t": translator(lang), "lang": lang, "languages": LANGUAGES, "person": person,
            "csrf": csrf_token(request), "today": date.today().isoformat(), "limit": PAGE_LIMIT,
            "branches": visible_branches(request, person) if person else [],
            "partial": request.headers.get("hx-request") == "true"}
    return TEMPLATES.TemplateResponse(request, template, {**base, **context}, status_code=status_code)


def back_to(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
