"""Signing in and out: development sign-in (local runs only) and OpenID Connect with PKCE."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from services.console.domain.pkce import PendingSignIn, Person, SignInRefused, person_from_claims
from services.console.entrypoints.web import back_to, check_csrf, known_branches, render, signed_in, SignInNeeded
from services.console.i18n import LANGUAGES
from shared.http.auth import mint

router = APIRouter()
Csrf = Depends(check_csrf)


def _start_session(request: Request, person: Person) -> RedirectResponse:
    settings = request.app.state.settings
    token = mint(settings, person.subject, person.role, list(person.branches))
    lang = request.session.get("lang")
    request.session.clear()  # a new session at sign-in: nothing carried over from before (fixation)
    if lang:
        request.session["lang"] = lang
    request.session["person"] = {"subject": person.subject, "name": person.name, "role": person.role,
                                 "branches": list(person.branches), "token": token}
    return back_to("/")


@router.get("/")
async def home(request: Request):
    try:
        person = signed_in(request)
    except SignInNeeded:
        return back_to("/sign-in")
    first = person.branches[0] if person.branches else known_branches(request)[0]
    return back_to(f"/branches/{first}/")


@router.get("/sign-in")
async def sign_in_page(request: Request, error: str | None = None):
    settings = request.app.state.settings
    return render(request, "sign_in.html", dev=settings.dev_sign_in, oidc=bool(settings.oidc_issuer),
                  known_branches=known_branches(request), error=error)


@router.post("/sign-in/dev", dependencies=[Csrf])
async def dev_sign_in(request: Request, name: Annotated[str, Form(min_length=1, max_length=60)],
                      role: Annotated[str, Form(pattern="^(coordinator|national)$")],
                      branches: Annotated[list[str], Form()] = []):  # noqa: B006 - FastAPI copies it
    settings = request.app.state.settings
    if not settings.dev_sign_in:
        return render(request, "sign_in.html", status_code=403, dev=False, oidc=bool(settings.oidc_issuer),
                      known_branches=[], error="The development sign-in is refused in production.")
    chosen = tuple(sorted(b for b in set(branches) if b in known_branches(request)))
    if role == "coordinator" and not chosen:
        return render(request, "sign_in.html", status_code=422, dev=True, oidc=bool(settings.oidc_issuer),
                      known_branches=known_branches(request), error="Pick at least one branch.")
    return _start_session(request, Person(f"dev-{name.strip().lower()}", name.strip(), role, chosen))


@router.get("/sign-in/oidc")
async def oidc_start(request: Request):
    pending = PendingSignIn.new()
    request.session["oidc"] = pending.as_dict()
    return RedirectResponse(await request.app.state.oidc.authorization_url(pending), status_code=303)


@router.get("/sign-in/callback")
async def oidc_callback(request: Request, code: str | None = None, state: str | None = None):
    pending = PendingSignIn.from_dict(request.session.pop("oidc", None))
    settings = request.app.state.settings
    if pending is None or not code or not pending.matches(state):
        return back_to("/sign-in?error=state")
    try:
        claims = await request.app.state.oidc.exchange(pending, code)
        person = person_from_claims(claims, settings.oidc_role_claim, settings.oidc_branches_claim)
    except SignInRefused as refused:
        return render(request, "sign_in.html", status_code=403, dev=settings.dev_sign_in, oidc=True,
                      known_branches=known_branches(request), error=str(refused))
    return _start_session(request, person)


@router.post("/sign-out", dependencies=[Csrf])
async def sign_out(request: Request):
    request.session.clear()
    return back_to("/sign-in")


@router.post("/language", dependencies=[Csrf])
async def choose_language(request: Request, lang: Annotated[str, Form()], back: Annotated[str, Form()] = "/"):
    if lang in LANGUAGES:
        request.session["lang"] = lang
    return back_to(back if back.startswith("/") and not back.startswith("//") else "/")
