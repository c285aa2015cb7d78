"""Prometheus metrics, defined once per process and labelled by service."""
from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "duo_http_requests_total", "HTTP requests by route and status", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram("duo_http_request_seconds", "HTTP request duration", ["service", "route"])
EVENTS_PUBLISHED = Counter("duo_events_published_total", "Events published to Kafka", ["service", "type"])
EVENTS_CONSUMED = Counter(
    "duo_events_consumed_total", "Events consumed, by result", ["service", "type", "result"]
)
EVENTS_FAILED = Counter("duo_events_failed_total", "Handler attempts that failed", ["service", "type"])
EVENTS_DEAD_LETTERED = Counter(
    "duo_events_dead_lettered_total", "Messages sent to the dead-letter topic", ["service", "topic"]
)
OUTBOX_BACKLOG = Gauge("duo_outbox_backlog", "Events waiting in the outbox", ["service"])
CONSUMER_LAG = Gauge("duo_consumer_lag", "Messages behind the end of the partition", ["service", "topic", "partition"])
