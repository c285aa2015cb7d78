"""One FastStream publisher per event type a service publishes.

Publisher objects (rather than `broker.publish`) put every event type, with its envelope
schema, into the service's AsyncAPI document and let tests observe publications.
"""
from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker

from shared.events import spec_for
from shared.events.schemas import envelope_model
from shared.messaging.broker import renew_producer_if_broken


class EventPublishers:
    def __init__(self, broker: KafkaBroker, event_types: list[str], topic_prefix: str = "") -> None:
        self._broker = broker
        self._by_type = {}
        for event_type in event_types:
            spec = spec_for(event_type)
            self._by_type[event_type] = broker.publisher(
                topic_prefix + spec.topic,
                title=f"{spec.topic}:{spec.type}:v{spec.version}",
                description=spec.description,
                schema=envelope_model(spec),
            )

    async def send(self, entry: dict[str, Any]) -> None:
        """Publish one outbox entry and wait for Kafka's acknowledgement."""
        publisher = self._by_type[entry["type"]]
        value = entry["value"]
        try:
            await publisher.publish(
                None if value is None else value.encode(),  # None with a key: a tombstone
                key=entry["key"].encode(),
                headers=entry["headers"],
                correlation_id=entry["headers"].get("correlation-id"),
            )
        except Exception as error:
            # A producer broken by a Kafka outage is replaced, so the relay's next try can succeed.
            await renew_producer_if_broken(self._broker, error)
            raise
