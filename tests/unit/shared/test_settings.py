"""Settings from DUO_* variables; production refuses a missing, default or short JWT secret."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.settings import LOCAL_JWT_SECRET, ServiceSettings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    import os

    for name in list(os.environ):
        if name.startswith("DUO_"):
            monkeypatch.delenv(name)


def refusal(error: ValidationError) -> str:
    return " ".join(e["msg"] for e in error.errors())


def test_local_defaults_work_without_any_variable():
    settings = ServiceSettings(service_name="intake")
    assert settings.environment == "local"
    assert settings.jwt_secret == LOCAL_JWT_SECRET
    assert settings.mongo_db == "duo_intake"


def test_production_refuses_the_local_default_secret(monkeypatch):
    monkeypatch.setenv("DUO_ENVIRONMENT", "production")
    with pytest.raises(ValidationError) as raised:
        ServiceSettings()
    message = refusal(raised.value)
    assert "DUO_JWT_SECRET" in message and "32 characters" in message and "production" in message


def test_production_refuses_a_short_secret(monkeypatch):
    monkeypatch.setenv("DUO_ENVIRONMENT", "production")
    monkeypatch.setenv("DUO_JWT_SECRET", "too-short-but-not-empty")
    with pytest.raises(ValidationError) as raised:
        ServiceSettings()
    assert "DUO_JWT_SECRET" in refusal(raised.value)
    assert "too-short-but-not-empty" not in str(raised.value), "the secret must not be echoed"


def test_production_refuses_an_empty_secret(monkeypatch):
    monkeypatch.setenv("DUO_ENVIRONMENT", "production")
    monkeypatch.setenv("DUO_JWT_SECRET", "")
    with pytest.raises(ValidationError):
        ServiceSettings()


def test_production_accepts_a_long_secret(monkeypatch):
    monkeypatch.setenv("DUO_ENVIRONMENT", "production")
    monkeypatch.setenv("DUO_JWT_SECRET", "k" * 32)
    settings = ServiceSettings()
    assert settings.environment == "production" and settings.jwt_secret == "k" * 32


def test_variables_are_read_with_the_duo_prefix(monkeypatch):
    monkeypatch.setenv("DUO_SERVICE_NAME", "matching")
    monkeypatch.setenv("DUO_TOPIC_PREFIX", "t123.")
    monkeypatch.setenv("DUO_TOPIC_PARTITIONS", "6")
    monkeypatch.setenv("DUO_HANDLER_ATTEMPTS", "5")
    settings = ServiceSettings()
    assert (settings.service_name, settings.topic_prefix, settings.topic_partitions,
            settings.handler_attempts, settings.mongo_db) == ("matching", "t123.", 6, 5, "duo_matching")


@pytest.mark.parametrize("name, value", [
    ("DUO_ENVIRONMENT", "staging"),
    ("DUO_TOPIC_PARTITIONS", "0"),
    ("DUO_HANDLER_ATTEMPTS", "0"),
    ("DUO_MAX_BODY_BYTES", "10"),
])
def test_nonsense_values_are_refused(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        ServiceSettings()
