"""Whatever a client sends, no service answers 500: every route gets a corpus of bad requests.

Driven by each service's OpenAPI document, with a valid token for the branch, against the
real store and broker, so a route added later is covered without touching this file.
"""
from __future__ import annotations

import importlib
import re

import pytest

from tests.suite import auth, in_process, isolated_env

SERVICES = ("intake", "matching", "followup", "notify")
PUBLIC = {"/health", "/ready", "/metrics", "/asyncapi.json"}
WRONG = {"string": 12345, "integer": "twelve", "number": "lots", "boolean": "maybe", "array": {"a": 1},
         "object": ["x"]}
IDS = ("does-not-exist", "x" * 300, "%C3%A9%2F..%2F", "0")
QUERIES = ("", "?limit=-1", "?limit=abc", "?limit=100000", "?status=bogus&role=ghost",
           "?period_start=2026-13-45", "?period_start=2027-01-01&period_end=2026-01-01")


def resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in schema:  # Optional[Model]: take the model
        schema = next((s for s in schema["anyOf"] if s.get("type") != "null"), schema["anyOf"][0])
        return resolve(spec, schema)
    return schema


def bodies(spec: dict, operation: dict) -> list:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return [None, {"unexpected": True}]
    schema = resolve(spec, content["schema"])
    properties = schema.get("properties", {})
    wrong_types = {name: WRONG.get(resolve(spec, p).get("type", "string"), None) for name, p in properties.items()}
    nulls = {name: None for name in properties}
    bad_dates = {name: "2026-02-30" for name, p in properties.items() if resolve(spec, p).get("format") == "date"}
    huge = {name: "x" * 5000 for name, p in properties.items() if resolve(spec, p).get("type") == "string"}
    return [None, "not json", [], {}, {"unknown_field": 1}, wrong_types, nulls, bad_dates, huge,
            {name: -10**12 for name in properties}]


@pytest.fixture(params=SERVICES)
async def service(request, kafka_bootstrap, mongo_url, fresh_db_name, monkeypatch, smtp_sink):
    for name, value in {**isolated_env(kafka_bootstrap, mongo_url), "DUO_MONGO_DB": fresh_db_name,
                        "DUO_SMTP_HOST": smtp_sink.host, "DUO_SMTP_PORT": str(smtp_sink.port)}.items():
        monkeypatch.setenv(name, value)
    app = importlib.import_module(f"services.{request.param}.bootstrap").build_app()
    async with in_process(app) as http:
        http.headers.update(auth("coordinator", ("brussels",)))
        yield app, http


async def test_no_request_a_client_can_send_gets_a_500(service):
    app, http = service
    spec = app.openapi()
    tried, failures = 0, []
    for path, methods in spec["paths"].items():
        if path in PUBLIC:
            continue
        for method, operation in methods.items():
            for some_id in IDS:
                url = re.sub(r"\{(?!branch)[^}]+\}", some_id, path).replace("{branch}", "brussels")
                for query in QUERIES:
                    for body in bodies(spec, operation):
                        kwargs = {"content": body} if isinstance(body, str) else (
                            {} if body is None else {"json": body})
                        if isinstance(body, str):
                            kwargs["headers"] = {"content-type": "application/json"}
                        r = await http.request(method.upper(), url + query, **kwargs)
                        tried += 1
                        if r.status_code >= 500 or (r.status_code >= 400 and
                                                    r.headers.get("content-type") != "application/problem+json"):
                            failures.append((method, url[:60], query, str(body)[:60], r.status_code, r.text[:200]))
                        if "{" not in path.replace("{branch}", ""):
                            break  # no id in the path: one pass over the ids is enough
    print(f"{app.title}: {tried} bad requests, {len(failures)} answered with 5xx or without problem details")
    assert not failures, failures[:5]
