"""The correlation id: taken from X-Correlation-ID or made, echoed back, present in every JSON log
line of the request, and carried from a consumed event into its handler."""
from __future__ import annotations

import json
import logging
import re
from types import SimpleNamespace

import pytest
from fastapi import APIRouter

from shared.events import new_envelope
from shared.events.followup import SessionLogged
from shared.messaging.consumer import EventConsumer
from shared.observability import correlation
from shared.observability.logging import JsonFormatter
from tests.unit.shared import web

log = logging.getLogger("tests.unit.correlation")
router = APIRouter()


@router.get("/work")
async def work() -> dict:
    log.info("doing the work", extra={"duo_id": "duo-1", "count": 3})
    return {"correlation_id": correlation.current()}


@router.get("/crash")
async def crash() -> dict:
    raise RuntimeError("boom for alice@example.org")


class Lines(logging.Handler):
    """Collects what the suite's JSON formatter writes, one string per log line."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter("unit"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines():
    handler = Lines()
    watched = [logging.getLogger(name) for name in ("tests.unit.correlation", "shared")]
    levels = [logger.level for logger in watched]
    for logger in watched:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield handler.lines
    for logger, level in zip(watched, levels):
        logger.removeHandler(handler)
        logger.setLevel(level)


async def test_given_header_is_used_echoed_and_logged(log_lines):
    async with web.client(web.build(router)) as client:
        response = await client.get("/work", headers={"X-Correlation-ID": "req-abc-123"})
    assert response.json() == {"correlation_id": "req-abc-123"}
    assert response.headers["x-correlation-id"] == "req-abc-123"
    entries = [json.loads(line) for line in log_lines]
    work = [e for e in entries if e["message"] == "doing the work"]
    assert len(work) == 1
    assert work[0]["correlation_id"] == "req-abc-123"
    assert work[0]["service"] == "unit" and work[0]["level"] == "INFO"
    assert work[0]["duo_id"] == "duo-1" and work[0]["count"] == 3


async def test_missing_header_gets_a_fresh_id_per_request(log_lines):
    async with web.client(web.build(router)) as client:
        first = await client.get("/work")
        second = await client.get("/work")
    ids = [first.headers["x-correlation-id"], second.headers["x-correlation-id"]]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert ids[0] != ids[1]
    assert [r.json()["correlation_id"] for r in (first, second)] == ids
    logged = [json.loads(line)["correlation_id"] for line in log_lines]
    assert logged == ids


@pytest.mark.parametrize("given", ["x" * 200, "   ", "bad\u0007bell"])
async def test_unusable_header_is_replaced(given):
    async with web.client(web.build(router)) as client:
        response = await client.get("/work", headers={"X-Correlation-ID": given.encode("latin-1")})
    made = response.headers["x-correlation-id"]
    assert made != given and re.fullmatch(r"[0-9a-f]{32}", made)


async def test_the_id_does_not_leak_out_of_the_request():
    token = correlation.bind("outside")
    try:
        async with web.client(web.build(router)) as client:
            await client.get("/work", headers={"X-Correlation-ID": "inside"})
        assert correlation.current() == "outside"
    finally:
        correlation.reset(token)


async def test_error_responses_carry_the_id_too():
    async with web.client(web.build(router)) as client:
        too_large = await client.post("/work", content=b"x" * (web.MAX_BODY + 1),
                                      headers={"X-Correlation-ID": "req-413"})
        missing = await client.get("/nowhere", headers={"X-Correlation-ID": "req-404"})
    assert too_large.status_code == 413 and too_large.headers["x-correlation-id"] == "req-413"
    assert missing.status_code == 404 and missing.headers["x-correlation-id"] == "req-404"


async def test_the_500_response_and_its_log_line_carry_the_id(log_lines):
    async with web.client(web.build(router)) as client:
        response = await client.get("/crash", headers={"X-Correlation-ID": "req-500"})
    assert response.status_code == 500
    assert "X-Correlation-ID" in response.json()["detail"]
    errors = [json.loads(line) for line in log_lines if "unexpected error" in line]
    assert errors and "alice" not in str(errors)
    assert response.headers.get("x-correlation-id") == "req-500"
    assert errors[0]["correlation_id"] == "req-500"


def test_log_lines_are_json_with_the_correlation_id_and_no_exception_text(log_lines):
    token = correlation.bind("job-7")
    try:
        try:
            raise ValueError("secret text about alice@example.org")
        except ValueError:
            log.exception("failed")
    finally:
        correlation.reset(token)
    entry = json.loads(log_lines[-1])
    assert entry["correlation_id"] == "job-7"
    assert entry["error"] == "ValueError"
    assert "alice" not in log_lines[-1] and "Traceback" not in log_lines[-1]


async def test_a_consumed_event_binds_its_correlation_id_for_the_handler():
    seen = []

    async def handler(envelope, payload):
        log.info("applying")
        seen.append(correlation.current())

    envelope = new_envelope(SessionLogged(duo_id="duo-1", session_id="s-1", held_on="2025-03-20", hours=1),
                            branch="brussels", subject="duo-1", correlation_id="req-from-http")
    record = SimpleNamespace(value=envelope.to_bytes(), key=b"duo-1", headers=[], topic="t", partition=0, offset=0)
    consumer = EventConsumer("unit", broker=None, dead_letters=None)
    assert correlation.current() is None
    await consumer.process(record, {"session-logged": handler})
    assert seen == ["req-from-http"]
    assert correlation.current() is None


def test_a_flood_from_aiokafka_is_cut_to_one_line_per_interval_with_a_count():
    from shared.observability.logging import RepeatLimiter

    limiter = RepeatLimiter(("aiokafka",), interval=10.0)

    def record(name: str, at: float) -> logging.LogRecord:
        entry = logging.LogRecord(name, logging.ERROR, __file__, 1, "Unable connect to %s", ("node 1",), None)
        entry.created = at
        return entry

    passed = [r for r in (record("aiokafka.conn", 100 + i * 0.01) for i in range(1000)) if limiter.filter(r)]
    assert len(passed) == 1
    later = record("aiokafka.conn", 111.0)
    assert limiter.filter(later) and later.suppressed_repeats == 999
    assert all(limiter.filter(record("shared.messaging.consumer", 100 + i * 0.01)) for i in range(50))
