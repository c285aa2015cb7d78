"""The console's HTTP edge without a browser: the four APIs faked with httpx.MockTransport."""
from __future__ import annotations

import re
from contextlib import asynccontextmanager

import httpx
import pytest

from services.console.bootstrap import build_app
from services.console.settings import ConsoleSettings

SECRET = "x" * 40


def settings(**changes) -> ConsoleSettings:
    return ConsoleSettings(intake_url="http://intake", matching_url="http://matching", followup_url="http://followup",
                           notify_url="http://notify", **changes)


LISTS = re.compile(r"/branches/[^/]+/(participants|pool|proposals|duos|notifications)$")


def empty(request: httpx.Request) -> httpx.Response:
    """Every API answers with nothing: an empty page for a list route, an empty list otherwise."""
    return httpx.Response(200, json={"items": [], "next": None} if LISTS.search(request.url.path) else [])


@asynccontextmanager
async def console(handler=empty, **changes):
    app = build_app(settings(**changes), transport=httpx.MockTransport(handler))
    async with app.router.lifespan_context(app):
        base = "https://console" if changes.get("environment") == "production" else "http://console"
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base) as http:
            yield http


def csrf_of(page: httpx.Response) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


async def signed_in(http: httpx.AsyncClient, branches=("brussels",), role="coordinator") -> str:
    csrf = csrf_of(await http.get("/sign-in"))
    r = await http.post("/sign-in/dev", data={"csrf": csrf, "name": "Sofie", "role": role, "branches": list(branches)})
    assert r.status_code == 303, r.text
    return csrf_of(await http.get("/sign-in"))  # a new session: a new token


async def test_the_session_cookie_is_http_only_and_same_site_and_the_pages_allow_no_other_origin():
    async with console() as http:
        r = await http.get("/sign-in")
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie  # local: plain http
        assert "default-src 'self'" in r.headers["content-security-policy"]
        assert not re.search(r"""(src|href)=["']https?://""", r.text)


async def test_outside_local_runs_the_cookie_is_secure_and_the_development_sign_in_is_refused():
    async with console(environment="production", jwt_secret=SECRET, session_secret=SECRET) as http:
        page = await http.get("/sign-in")
        assert "secure" in page.headers["set-cookie"].lower()
        assert 'action="/sign-in/dev"' not in page.text
        r = await http.post("/sign-in/dev", data={"csrf": csrf_of(page) if 'name="csrf"' in page.text else "",
                                                  "name": "Eve", "role": "national"})
        assert r.status_code == 403
        assert (await http.get("/branches/brussels/", follow_redirects=False)).headers["location"] == "/sign-in"


def test_production_needs_its_own_session_secret():
    with pytest.raises(ValueError, match="DUO_SESSION_SECRET"):
        settings(environment="production", jwt_secret=SECRET)


async def test_every_form_needs_the_sessions_csrf_token():
    async with console() as http:
        csrf = await signed_in(http)
        for token in (None, "forged"):
            data = {"first_name": "A"} | ({"csrf": token} if token else {})
            r = await http.post("/branches/brussels/mentees/new", data=data)
            assert r.status_code == 403 and "formulaire a expiré" in r.text
        r = await http.post("/sign-out", headers={"x-csrf-token": csrf})
        assert r.status_code == 303


async def test_a_coordinator_cannot_open_another_branch_and_a_signed_out_person_is_sent_to_sign_in():
    async with console() as http:
        assert (await http.get("/branches/brussels/")).headers["location"] == "/sign-in"
        await signed_in(http, ("antwerp",))
        r = await http.get("/branches/brussels/people")
        assert r.status_code == 403 and "accès" in r.text  # French by default
        assert (await http.get("/figures")).status_code == 403  # national staff only


async def test_a_service_that_is_down_gives_a_banner_naming_it_not_a_stack_trace():
    def down(request):
        raise httpx.ConnectError("refused", request=request)
    async with console(down) as http:
        await signed_in(http)
        r = await http.get("/branches/brussels/", headers={"accept-language": "en"})
        assert r.status_code == 503
        assert re.search(r"The (intake|matching|followup) service is not answering", r.text)
        assert "Traceback" not in r.text


async def test_the_intake_apis_refusals_are_shown_next_to_the_fields_they_name():
    problem = {"type": "x/rule-broken", "title": "Refused by a programme rule", "status": 422, "detail": "two reasons",
               "errors": [{"field": "birth_date", "rule": "mentee.age_range", "message": "Mentees are 18 to 33."},
                          {"field": "employment_service.registered", "rule": "mentee.employment_service",
                           "message": "Must be registered."}]}
    sent = []

    def intake(request):
        sent.append(request)
        return httpx.Response(422, json=problem, headers={"content-type": "application/problem+json"})
    async with console(intake) as http:
        csrf = await signed_in(http)
        r = await http.post("/branches/brussels/mentees/new", data={
            "csrf": csrf, "first_name": "Amina", "birth_date": "1980-01-01", "availability": ["mon-eve", "wed-pm"],
            "language1": "ar", "level1": "native", "consent": "on"})
        assert r.status_code == 422
        assert re.search(r'id="birth_date-error">Mentees are 18 to 33.<', r.text)
        assert re.search(r'id="employment_service_registered-error">Must be registered.<', r.text)
        assert 'value="Amina"' in r.text  # what was typed stays
        [registration] = [request for request in sent if request.method == "POST"]  # not the branch list's GET
        body = registration.read().decode()
        assert '"availability":["mon-eve","wed-pm"]' in body and '"consent":true' in body
        assert registration.headers["authorization"].startswith("Bearer ")


async def test_the_language_follows_the_browser_then_the_persons_choice():
    async with console() as http:
        assert '<html lang="nl">' in (await http.get("/sign-in", headers={"accept-language": "nl-BE,nl;q=0.9"})).text
        csrf = await signed_in(http)
        await http.post("/language", data={"csrf": csrf, "lang": "en", "back": "//evil.example"})
        assert '<html lang="en">' in (await http.get("/sign-in", headers={"accept-language": "nl"})).text


async def test_people_search_is_intakes_and_a_list_with_a_next_page_makes_the_dashboard_say_at_least():
    asked = []

    def apis(request: httpx.Request) -> httpx.Response:
        asked.append(request.url)
        if request.url.path.endswith("/participants"):
            person = {"participant_id": "p1", "first_name": "Zoë", "role": "mentee", "status": "registered",
                      "registered_on": "2026-03-01", "branch": "brussels", "training_modules": [], "trained": False,
                      "reminders": True}
            return httpx.Response(200, json={"items": [person], "next": "/branches/brussels/participants?cursor=x"})
        return empty(request)
    async with console(apis) as http:
        await signed_in(http)
        r = await http.get("/branches/brussels/people", params={"q": " zoe ", "status": "registered"},
                           headers={"accept-language": "en"})
        assert r.status_code == 200 and "Zoë" in r.text
        search = next(u for u in asked if u.path.endswith("/participants"))
        assert search.params["name"] == "zoe" and search.params["status"] == "registered"
        assert "role" not in search.params
        r = await http.get("/branches/brussels/", headers={"accept-language": "en"})
        assert r.status_code == 200 and "at least" in r.text


async def test_the_matching_page_shows_a_page_of_proposals_and_a_link_to_the_next_one():
    asked = []

    def apis(request: httpx.Request) -> httpx.Response:
        asked.append(request.url)
        if request.url.path.endswith("/proposals"):
            proposal = {"duo_id": "d1", "mentee_id": "p1", "mentor_id": "p2", "status": "proposed", "score": 71.5,
                        "breakdown": {"sector_fit": 30.0}, "reasons": ["Same sector"]}
            return httpx.Response(200, json={"items": [proposal],
                                             "next": "/branches/brussels/proposals?status=proposed&limit=50&cursor=abc_1"})
        return empty(request)
    async with console(apis) as http:
        await signed_in(http)
        r = await http.get("/branches/brussels/matching", headers={"accept-language": "en"})
        assert r.status_code == 200 and 'id="proposal-d1"' in r.text
        assert 'href="/branches/brussels/matching?cursor=abc_1"' in r.text
        first = next(u for u in asked if u.path.endswith("/proposals"))
        assert "cursor" not in first.params and int(first.params["limit"]) <= 50
        asked.clear()
        await http.get("/branches/brussels/matching", params={"cursor": "abc_1"})
        assert next(u for u in asked if u.path.endswith("/proposals")).params["cursor"] == "abc_1"


async def test_the_branches_come_from_intake_so_a_branch_opened_there_can_be_chosen_at_once():
    def intake(request):
        if request.url.path == "/branches":
            assert request.headers["authorization"].startswith("Bearer ")
            return httpx.Response(200, json={"items": [{"branch": "brussels"}, {"branch": "namur"}], "next": None})
        return httpx.Response(200, json=[])
    async with console(intake) as http:
        assert 'value="namur"' in (await http.get("/sign-in")).text
        await signed_in(http, branches=("namur",))
        r = await http.get("/", follow_redirects=False)
        assert r.headers["location"] == "/branches/namur/"
