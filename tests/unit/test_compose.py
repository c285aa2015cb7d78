"""docker-compose.yml, checked without a Docker engine: against the Compose specification's JSON
schema (infra/compose_schema.py) and against the code (every service, its port, its settings).

The checker is tested on broken copies too, so a check that cannot fail is caught.
"""
from __future__ import annotations

import copy
import importlib
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from infra.compose_schema import load_compose, schema_errors
from infra.run import SERVICES as LOCAL_PORTS

REPO = Path(__file__).resolve().parents[2]
INFRASTRUCTURE = {"kafka": "apache/kafka:4.1.1", "mongo": "mongo:8.0"}
EVERY_SERVICE_NEEDS = {"DUO_HTTP_HOST", "DUO_HTTP_PORT", "DUO_ENVIRONMENT", "DUO_JWT_SECRET", "DUO_JWT_AUDIENCE"}
# A programme service also has Kafka and its own database; the console (WebSettings only) has neither.
STORE_AND_BROKER_NEEDS = {"DUO_KAFKA_BOOTSTRAP", "DUO_MONGO_URL", "DUO_MONGO_DB", "DUO_TOPIC_PARTITIONS"}
# Every programme service corrects the topics' configs at start: they must all want the same ones.
RETENTION_NEEDS = ("DUO_TOPIC_RETENTION_MS", "DUO_DEAD_LETTER_RETENTION_DAYS", "DUO_ERASURE_BOUND_HOURS")
SMTP_NEEDS = {"DUO_SMTP_HOST", "DUO_SMTP_PORT", "DUO_SMTP_SENDER"}


def code_services() -> list[str]:
    """Directories under services/ that are services: a __main__.py or a pyproject.toml."""
    return sorted(p.name for p in (REPO / "services").iterdir()
                  if p.is_dir() and ((p / "__main__.py").exists() or (p / "pyproject.toml").exists()))


def settings_class(name: str):
    """The service's settings class (a WebSettings subclass in services/<name>/settings.py)."""
    from shared.settings import ServiceSettings, WebSettings

    try:
        module = importlib.import_module(f"services.{name}.settings")
    except ModuleNotFoundError:
        return None
    found = [c for _, c in inspect.getmembers(module, inspect.isclass)
             if issubclass(c, WebSettings) and c not in (WebSettings, ServiceSettings)]
    return found[0] if found else None


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def healthcheck_text(service: dict[str, Any]) -> str:
    test = (service.get("healthcheck") or {}).get("test") or ""
    return " ".join(test) if isinstance(test, list) else str(test)


def compose_problems(compose: dict[str, Any], services: list[str]) -> list[str]:
    """Everything in `compose` that disagrees with the code or with how we run the suite."""
    problems: list[str] = []
    declared = compose.get("services") or {}
    volumes = compose.get("volumes") or {}

    for name, image in INFRASTRUCTURE.items():
        if (declared.get(name) or {}).get("image") != image:
            problems.append(f"{name}: expected image {image}")

    for name, service in declared.items():
        if not service.get("healthcheck", {}).get("test"):
            problems.append(f"{name}: no healthcheck")
        if service.get("restart") not in ("always", "unless-stopped", "on-failure"):
            problems.append(f"{name}: no restart policy")
        for mount in service.get("volumes") or []:
            source = mount.split(":", 1)[0] if isinstance(mount, str) else mount.get("source", "")
            if source and not source.startswith((".", "/", "$")) and source not in volumes:
                problems.append(f"{name}: volume {source} is not declared under volumes")
        depends = service.get("depends_on") or {}
        if isinstance(depends, list):
            problems.append(f"{name}: depends_on must name a condition (service_healthy)")
            depends = {}
        for other, rule in depends.items():
            if (rule or {}).get("condition") != "service_healthy":
                problems.append(f"{name}: depends_on {other} without condition service_healthy")
            if other not in declared:
                problems.append(f"{name}: depends_on {other}, which compose does not define")
            elif not (declared[other].get("healthcheck") or {}).get("test"):
                problems.append(f"{name}: depends_on {other}, which has no healthcheck")

    databases: dict[str, str] = {}
    retention: dict[tuple[str, ...], str] = {}
    for name in services:
        service = declared.get(name)
        if service is None:
            problems.append(f"{name}: a service in services/ but not in docker-compose.yml")
            continue
        build = service.get("build") or {}
        args = build.get("args") or {} if isinstance(build, dict) else {}
        if isinstance(args, list):
            args = dict(a.split("=", 1) for a in args)
        if not isinstance(build, dict) or build.get("dockerfile") != "services/Dockerfile" \
                or args.get("SERVICE") != name:
            problems.append(f"{name}: must be built from services/Dockerfile with SERVICE={name}")
        env = environment(service)
        settings = settings_class(name)
        with_store = settings is None or "kafka_bootstrap" in settings.model_fields
        for dependency in ("kafka", "mongo") if with_store else ():
            if dependency not in (service.get("depends_on") or {}):
                problems.append(f"{name}: does not depend on {dependency}")
        needed = set(EVERY_SERVICE_NEEDS) | (STORE_AND_BROKER_NEEDS | set(RETENTION_NEEDS) if with_store else set())
        if with_store:
            retention.setdefault(tuple(env.get(v, "") for v in RETENTION_NEEDS), name)
        if settings is not None and "smtp_host" in settings.model_fields:
            needed |= SMTP_NEEDS
        for variable in sorted(needed - set(env)):
            problems.append(f"{name}: {variable} is not set")
        if settings is not None:
            known = {f"DUO_{field.upper()}" for field in settings.model_fields}
            for variable in sorted(v for v in env if v.startswith("DUO_") and v not in known):
                problems.append(f"{name}: {variable} is no setting of {settings.__name__}")
        port = str(settings.model_fields["http_port"].default if settings is not None
                   else LOCAL_PORTS.get(name, ""))
        if env.get("DUO_HTTP_PORT") != port:
            problems.append(f"{name}: DUO_HTTP_PORT should be {port} (the service's port)")
        published = [str(p) for p in service.get("ports") or []]
        if not any(p.endswith(f":{port}") or p == port for p in published):
            problems.append(f"{name}: port {port} is not published")
        if f":{port}/health" not in healthcheck_text(service):
            problems.append(f"{name}: the healthcheck does not call /health on port {port}")
        if env.get("DUO_ENVIRONMENT") != "production":
            problems.append(f"{name}: DUO_ENVIRONMENT must be production")
        if not re.fullmatch(r"\$\{DUO_JWT_SECRET:\?[^}]+\}", env.get("DUO_JWT_SECRET", "")):
            problems.append(f"{name}: DUO_JWT_SECRET must come from ${{DUO_JWT_SECRET:?...}}")
        database = env.get("DUO_MONGO_DB", "")
        if database and database in databases:
            problems.append(f"{name}: DUO_MONGO_DB {database} is also {databases[database]}'s")
        databases[database] = name
    if len(retention) > 1:
        problems.append(f"the topic retention settings disagree between {', '.join(sorted(retention.values()))}")
    return problems


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose(REPO / "docker-compose.yml")


def test_every_service_in_the_code_is_found():
    assert set(code_services()) >= set(LOCAL_PORTS), code_services()


def test_compose_follows_the_compose_specification(compose):
    assert schema_errors(compose) == []


def test_compose_agrees_with_the_code(compose):
    assert compose_problems(compose, code_services()) == []


@pytest.mark.parametrize("breakage, expected", [
    (lambda c: c["services"]["kafka"].update(restart=5), "restart"),
    (lambda c: c["services"]["intake"].update(helthcheck={}), "helthcheck"),
    (lambda c: c["services"]["mongo"]["healthcheck"].update(interval=10), "interval"),
    (lambda c: c.update(servicez={}), "servicez"),
])
def test_the_schema_check_catches_a_broken_file(compose, breakage, expected):
    broken = copy.deepcopy(compose)
    breakage(broken)
    assert any(expected in problem for problem in schema_errors(broken))


def _drop(mapping: dict, key: str) -> None:
    del mapping[key]


@pytest.mark.parametrize("breakage, expected", [
    (lambda c: _drop(c["services"], "followup"), "followup: a service in services/ but not in"),
    (lambda c: c["services"]["matching"]["environment"].update(DUO_MONGO_DB="duo_intake"),
     "DUO_MONGO_DB duo_intake is also intake's"),
    (lambda c: _drop(c["services"]["notify"]["environment"], "DUO_SMTP_HOST"),
     "notify: DUO_SMTP_HOST is not set"),
    (lambda c: _drop(c["services"]["intake"]["environment"], "DUO_KAFKA_BOOTSTRAP"),
     "intake: DUO_KAFKA_BOOTSTRAP is not set"),
    (lambda c: c["services"]["intake"]["environment"].update(DUO_MONGO_URI="x"),
     "intake: DUO_MONGO_URI is no setting"),
    (lambda c: c["services"]["intake"]["environment"].update(DUO_JWT_SECRET="hard-coded"),
     "intake: DUO_JWT_SECRET must come from"),
    (lambda c: c["services"]["followup"]["environment"].update(DUO_HTTP_PORT="9000"),
     "followup: DUO_HTTP_PORT should be 8003"),
    (lambda c: c["services"]["followup"].update(ports=["9000:9000"]), "followup: port 8003 is not published"),
    (lambda c: _drop(c["services"]["mongo"], "healthcheck"), "mongo: no healthcheck"),
    (lambda c: c["services"]["intake"]["depends_on"].update(kafka={"condition": "service_started"}),
     "intake: depends_on kafka without condition service_healthy"),
    (lambda c: c["services"]["notify"]["build"]["args"].update(SERVICE="intake"),
     "notify: must be built from services/Dockerfile with SERVICE=notify"),
    (lambda c: c["services"]["kafka"].update(image="bitnami/kafka:latest"), "kafka: expected image"),
    (lambda c: _drop(c["volumes"], "mongo-data"), "mongo: volume mongo-data is not declared"),
    (lambda c: c["services"]["notify"]["environment"].update(DUO_ERASURE_BOUND_HOURS="48"),
     "the topic retention settings disagree"),
])
def test_the_consistency_check_catches_a_broken_file(compose, breakage, expected):
    broken = copy.deepcopy(compose)
    breakage(broken)
    problems = compose_problems(broken, code_services())
    assert any(expected in problem for problem in problems), problems


def test_the_dockerfile_builds_from_the_lock_file_and_runs_unprivileged():
    dockerfile = (REPO / "services" / "Dockerfile").read_text()
    assert "ARG SERVICE" in dockerfile
    assert 'uv sync --frozen --no-dev --package "duo-${SERVICE}"' in dockerfile
    assert "COPY shared/ shared/" in dockerfile and "COPY services/${SERVICE}/" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    for name in code_services():
        project = (REPO / "services" / name / "pyproject.toml").read_text()
        assert f'name = "duo-{name}"' in project
