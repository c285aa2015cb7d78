"""The one place a service's Kafka broker is built, with the suite's delivery guarantees.

- producer: idempotent, acks=all (aiokafka's defaults are acks=1 and no idempotence);
- consumers: offsets committed only after the handler finished (never auto-commit first).
"""
from __future__ import annotations

import logging

from faststream import AckPolicy
from faststream.kafka import KafkaBroker

from shared.settings import ServiceSettings

ACK_POLICY = AckPolicy.NACK_ON_ERROR


def make_broker(settings: ServiceSettings) -> KafkaBroker:
    return KafkaBroker(
        settings.kafka_bootstrap,
        client_id=f"duo-{settings.service_name}",
        enable_idempotence=True,
        acks="all",
        ack_policy=ACK_POLICY,
        request_timeout_ms=10_000,
        logger=logging.getLogger(f"faststream.{settings.service_name}"),
        log_level=logging.DEBUG,
        description=f"DUO suite: {settings.service_name} service",
    )
