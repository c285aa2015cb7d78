"""Every reach into FastStream's and aiokafka's private attributes, and no other module makes one.

Neither library offers a public way to do what these functions do (read in FastStream 0.7.8 and
aiokafka 0.14.0):
- aiokafka's idempotent producer keeps the sequence numbers it gave a batch that expired during a
  Kafka outage; once Kafka is back every send to that partition is refused with
  OutOfOrderSequenceNumber and its sender stops for good. It has no public reset, and a stopped
  AIOKafkaProducer cannot be started again: only a new producer (a new producer id) recovers.
- FastStream builds that producer itself, from connection settings it keeps private, and connects
  it once: `KafkaBroker.connect()` does nothing while connected, `stop()`/`start()` would stop
  every subscriber too, and publishers have no producer of their own. The producer wrapper's
  `connect`/`disconnect` can swap the producer, but which one is in use is private.
- an aiokafka consumer outside any group knows a topic's partitions only once its client has
  fetched the topic's metadata, which only the private client can be asked to do.

tests/unit/shared/test_kafka_internals.py fails, naming the attribute, when an upgrade of either
library removes or renames one of these.
"""
from __future__ import annotations

from typing import Any, Mapping

import aiokafka
from aiokafka import AIOKafkaConsumer
from faststream.kafka import KafkaBroker


def producer_in_use(broker: KafkaBroker) -> object:
    """The producer a publish goes through now; after a renewal it is another object."""
    return getattr(broker.config.broker_config.producer, "_producer", None)


def has_producer(broker: KafkaBroker) -> bool:
    """False before the broker connected, and after a renewal that could not reach Kafka."""
    return bool(broker.config.broker_config.producer)


def kafka_producer(broker: KafkaBroker) -> aiokafka.AIOKafkaProducer:
    """The aiokafka producer behind a connected broker."""
    return broker.config.broker_config.producer._producer.producer


def producer_settings(broker: KafkaBroker) -> Mapping[str, Any]:
    """What FastStream builds its aiokafka producer from: make_broker's settings, completed by FastStream."""
    return broker._connection_kwargs


async def disconnect_producer(broker: KafkaBroker) -> None:
    await broker.config.broker_config.producer.disconnect()


async def connect_new_producer(broker: KafkaBroker) -> None:
    """Publishing goes through a new aiokafka producer, built as FastStream built the first one."""
    wrapper = broker.config.broker_config.producer
    await wrapper.connect(aiokafka.AIOKafkaProducer(**producer_settings(broker)),
                          serializer=wrapper.serializer, codec=wrapper.codec)


async def fetch_partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    """The topic's partitions, asking Kafka (partitions_for_topic alone answers None until then)."""
    await consumer._client.force_metadata_update()
    return consumer.partitions_for_topic(topic) or set()
