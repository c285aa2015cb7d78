"""Every error is an RFC 9457 problem (application/problem+json) naming field and rule; never a
stack trace, never the input echoed back."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import Field

from shared.http.models import RequestBody
from shared.http.problems import MEDIA_TYPE, TYPE_BASE, Problem
from shared.rules import Refusal, RuleBroken
from shared.storage import ConcurrentChange
from tests.unit.shared import web

PERSONAL = "alice.dupont@example.org"


class Skill(RequestBody):
    code: str = Field(pattern=r"^[a-z]{2}$")
    level: Literal["A1", "A2", "B1", "B2", "C1", "C2", "native"]


class Registration(RequestBody):
    first_name: str = Field(min_length=1, max_length=40)
    age: int = Field(ge=16, le=30)
    languages: list[Skill] = Field(min_length=1)


router = APIRouter()


@router.post("/mentees")
async def register(body: Registration) -> dict:
    if body.age < 18:
        raise RuleBroken(Refusal(rule="mentee.age_range", message="A mentee is 18 to 30 years old.",
                                 field="age"),
                         Refusal(rule="mentee.consent", message="A minor needs a guardian's consent."))
    return {"ok": True}


@router.get("/problem")
async def custom_problem() -> dict:
    raise Problem(409, "Conflict", "This duo already ended.", "duo-ended", {"duo_id": "duo-1"})


@router.post("/concurrent")
async def concurrent() -> dict:
    raise ConcurrentChange()


@router.get("/crash")
async def crash() -> dict:
    raise RuntimeError(f"database said no for {PERSONAL} at line 42")


def valid(**overrides) -> dict:
    return {"first_name": "Alice", "age": 22, "languages": [{"code": "fr", "level": "B2"}], **overrides}


def assert_problem(response, status: int, kind: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    body = response.json()
    assert body["type"] == TYPE_BASE + kind
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert body["instance"] == response.request.url.path
    return body


async def test_a_valid_request_passes():
    async with web.client(web.build(router)) as client:
        response = await client.post("/mentees", json=valid())
    assert response.status_code == 200, response.text


async def test_rule_broken_is_422_with_field_and_rule_of_every_refusal():
    async with web.client(web.build(router)) as client:
        response = await client.post("/mentees", json=valid(age=17))
    body = assert_problem(response, 422, "rule-broken")
    assert body["errors"] == [
        {"field": "age", "rule": "mentee.age_range", "message": "A mentee is 18 to 30 years old."},
        {"field": None, "rule": "mentee.consent", "message": "A minor needs a guardian's consent."},
    ]
    assert "18 to 30" in body["detail"]


async def test_validation_errors_name_field_and_rule():
    async with web.client(web.build(router)) as client:
        response = await client.post("/mentees", json=valid(age=40, languages=[{"code": "fr", "level": "Z9"}]))
    body = assert_problem(response, 422, "validation")
    found = {(e["field"], e["rule"], e["in"]) for e in body["errors"]}
    assert ("age", "less_than_equal", "body") in found
    assert ("languages[0].level", "literal_error", "body") in found
    assert "languages[0].level" in body["detail"]


async def test_a_missing_field_is_named():
    async with web.client(web.build(router)) as client:
        body = {k: v for k, v in valid().items() if k != "languages"}
        response = await client.post("/mentees", json=body)
    problem = assert_problem(response, 422, "validation")
    assert [(e["field"], e["rule"]) for e in problem["errors"]] == [("languages", "missing")]


async def test_unknown_field_is_refused():
    async with web.client(web.build(router)) as client:
        response = await client.post("/mentees", json=valid(nickname="Al"))
    problem = assert_problem(response, 422, "validation")
    assert [(e["field"], e["rule"]) for e in problem["errors"]] == [("nickname", "extra_forbidden")]


async def test_validation_does_not_echo_the_input():
    async with web.client(web.build(router)) as client:
        response = await client.post("/mentees", json=valid(first_name=PERSONAL * 3))
    assert_problem(response, 422, "validation")
    assert PERSONAL not in response.text


async def test_malformed_json_is_a_problem_not_a_crash():
    async with web.client(web.build(router)) as client:
        response = await client.post("/mentees", content=b"{not json", headers={"content-type": "application/json"})
    assert_problem(response, 422, "validation")


async def test_body_too_large_is_413_by_declared_length():
    async with web.client(web.build(router)) as client:
        response = await client.post("/mentees", json=valid(first_name="x" * (web.MAX_BODY * 2)))
    body = assert_problem(response, 413, "too-large")
    assert str(web.MAX_BODY) in body["detail"]
    assert response.headers.get("x-correlation-id")


async def test_body_too_large_is_413_when_streamed_without_length():
    async def chunks():
        yield b'{"first_name": "'
        for _ in range(10):
            yield b"x" * 512
        yield b'", "age": 22, "languages": []}'

    async with web.client(web.build(router)) as client:
        response = await client.post("/mentees", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "too-large")


async def test_problem_and_concurrent_change_keep_their_status():
    async with web.client(web.build(router)) as client:
        custom = await client.get("/problem")
        concurrent = await client.post("/concurrent")
    assert assert_problem(custom, 409, "duo-ended")["duo_id"] == "duo-1"
    assert_problem(concurrent, 409, "concurrent-change")


async def test_unknown_route_and_method_are_problems():
    async with web.client(web.build(router)) as client:
        missing = await client.get("/nowhere")
        wrong_method = await client.delete("/mentees")
    assert_problem(missing, 404, "not-found")
    assert_problem(wrong_method, 405, "method-not-allowed")


async def test_an_unexpected_error_is_500_without_stack_trace_or_details():
    async with web.client(web.build(router)) as client:
        response = await client.get("/crash")
    body = assert_problem(response, 500, "internal")
    text = response.text
    for leak in ("Traceback", "RuntimeError", "line 42", PERSONAL, "database said no"):
        assert leak not in text
    assert "X-Correlation-ID" in body["detail"]
