"""Every route of every service fuzzed with schemathesis, against the four services as processes
(real Kafka and store): no server error, and every response as the OpenAPI document says.

A small budget keeps `make test` short; `make fuzz FUZZ_EXAMPLES=50` runs a bigger one.
"""
from __future__ import annotations

import os

import pytest

from tests.e2e.fuzzing import fuzz
from tests.processes import SERVICES, start_suite
from tests.suite import isolated_env

EXAMPLES = int(os.environ.get("DUO_FUZZ_EXAMPLES", "3"))  # per operation, valid and invalid each


@pytest.fixture(scope="module")
def suite(kafka_bootstrap, mongo_url, smtp_sink, tmp_path_factory):
    env = {**isolated_env(kafka_bootstrap, mongo_url), "DUO_SMTP_HOST": smtp_sink.host}
    running = start_suite(env, tmp_path_factory.mktemp("fuzzed"), smtp_sink.port)
    yield running
    running.stop()


@pytest.mark.parametrize("service", SERVICES)
def test_no_route_answers_a_server_error_or_off_its_documented_schema(suite, service):
    report = fuzz(suite[service].url, EXAMPLES)
    print(f"{service}: {report.operations} operations, {report.requests} requests, {len(report.failures)} failing")
    assert report.operations >= 5 and report.requests >= report.operations
    assert not report.failures, "\n\n".join(report.failures)
