"""Schemathesis over one service's OpenAPI document, with a coordinator's token for the branch it allows.

Each operation gets `examples` valid requests and `examples` invalid ones (derandomized: the same
requests every run), each checked for no server error, a documented status and content type, and a
body that matches the documented schema.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                                status_code_conformance)

from tests.suite import auth

BRANCH = "brussels"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@dataclass
class Report:
    operations: int = 0
    requests: int = 0
    failures: list[str] = field(default_factory=list)


def fuzz(base_url: str, examples: int) -> Report:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    headers = auth("coordinator", (BRANCH,))
    report = Report()
    for result in schema.get_all_operations():
        operation = result.ok()
        report.operations += 1
        fixed = {"branch": BRANCH} if "{branch}" in operation.path else None
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            # Generation only, no shrinking: a failure is reported as found, and the budget stays fixed.
            @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
            def check(case) -> None:
                report.requests += 1
                case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)

            try:
                check()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, operation.label
                continue  # no parameter and no body: nothing invalid to send
            except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - every operation is tried, all reported
                report.failures.append(f"{operation.label} [{mode.value}]: {str(failure)[:1500]}")
    return report
