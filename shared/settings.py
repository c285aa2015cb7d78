"""Settings every service extends: read from DUO_* environment variables.

Local defaults are safe for a laptop; in production a service refuses to start while a
secret is missing or still at its local default, so nothing ships with a known key.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOCAL_JWT_SECRET = "local-development-secret-change-me-in-production"


class WebSettings(BaseSettings):
    """What every HTTP process of the suite needs, the console included: no broker, no database."""

    model_config = SettingsConfigDict(env_prefix="DUO_", extra="ignore")

    service_name: str = "duo"
    environment: Literal["local", "production"] = "local"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    jwt_secret: str = LOCAL_JWT_SECRET
    jwt_audience: str = "duo-suite"
    jwt_issuer: str = "duo-suite"
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _secrets(self) -> "WebSettings":
        if self.environment == "production":
            if self.jwt_secret == LOCAL_JWT_SECRET or len(self.jwt_secret) < 32:
                raise ValueError(
                    "DUO_JWT_SECRET must be set to a secret of at least 32 characters "
                    "in production (it is missing or left at its local default)"
                )
        return self


class ServiceSettings(WebSettings):
    """A programme service: Kafka and its own MongoDB database as well."""

    kafka_bootstrap: str = "127.0.0.1:9092"
    topic_partitions: int = Field(default=3, ge=1)
    # Prefix for every topic and consumer group: lets test runs or tenants share one cluster.
    topic_prefix: str = ""
    mongo_url: str = "mongodb://127.0.0.1:27017"
    mongo_db: str = ""
    # Consumers retry a failing handler this many times before dead-lettering the message.
    handler_attempts: int = Field(default=3, ge=1)
    # The relay's first wait after a failed round (doubling to 10 s); an idle relay waits for writes.
    outbox_poll_seconds: float = Field(default=0.5, gt=0)
    outbox_batch: int = Field(default=100, ge=1, le=10_000)  # documents a relay publishes per round
    # How long a woken relay waits for more writes to share its round (as Kafka's linger.ms): under load,
    # fewer store commands per event for a few milliseconds of delay.
    outbox_linger_ms: float = Field(default=25.0, ge=0, le=1000)
    # A process's events not published within this time are taken over by another process's relay:
    # how long events wait after their process died (shared/messaging/relay.py).
    outbox_grace_seconds: float = Field(default=10.0, gt=0)
    # Topic retention (shared/messaging/retention.py): domain topics are the record, kept for
    # good (-1); dead letters for a while; an erased person's contact records gone within the bound.
    topic_retention_ms: int = Field(default=-1, ge=-1)
    dead_letter_retention_days: float = Field(default=30, gt=0)
    erasure_bound_hours: float = Field(default=24, gt=0)
    # Days added to the service's clock (tests and rehearsals only; production refuses it).
    clock_offset_days: int = Field(default=0, ge=-3660, le=3660)

    @model_validator(mode="after")
    def _database_and_clock(self) -> "ServiceSettings":
        if not self.mongo_db:
            self.mongo_db = f"duo_{self.service_name}"
        if self.environment == "production" and self.clock_offset_days:
            raise ValueError("DUO_CLOCK_OFFSET_DAYS must be 0 in production: the programme's dates are real")
        return self
