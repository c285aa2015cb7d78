"""One FastStream publisher per event type a service publishes.

Publisher objects (rather than `broker.publish`) put every event type, with its envelope
schema, into the service's AsyncAPI document and let tests observe publications.
"""
from __future__ import annotations

from typing import Any, Awaitable, Coroutine

from faststream.kafka import KafkaBroker

from shared.events import spec_for
from shared.events.schemas import envelope_model
from shared.messaging.broker import renew_producer_if_broken
from shared.messaging.kafka_internals import producer_in_use


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

    async def send(self, entry: dict[str, Any]) -> Coroutine[Any, Any, object]:
        """Put one outbox entry on the wire; returns what to await for Kafka's acknowledgement.

        Not waiting here lets the relay have a whole batch in flight; the idempotent producer
        keeps the order of one partition's records.
        """
        publisher = self._by_type[entry["type"]]
        value = entry["value"]
        producer = producer_in_use(self._broker)
        try:
            sending = await publisher.publish(
                None if value is None else value.encode(),  # None with a key: a tombstone
                key=entry["key"].encode(),
                headers=entry["headers"],
                correlation_id=entry["headers"].get("correlation-id"),
                no_confirm=True,
            )
        except Exception as error:
            await renew_producer_if_broken(self._broker, error, producer)
            raise
        return self._acknowledged(sending, producer)

    async def _acknowledged(self, sending: Awaitable[object], producer: object) -> object:
        try:
            return await sending
        except Exception as error:
            # A producer broken by a Kafka outage is replaced, so the relay's next try can succeed.
            await renew_producer_if_broken(self._broker, error, producer)
            raise
