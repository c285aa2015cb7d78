"""Every private attribute of FastStream and aiokafka that shared/messaging/kafka_internals.py relies
on is still there, on the installed classes and on a real broker: an upgrade that removes or renames
one fails here, naming it, instead of silently switching off the producer's renewal after an outage.

No network: the only thing kept from running is AIOKafkaProducer.start(), which would dial Kafka."""
from __future__ import annotations

import inspect
from importlib.metadata import version

import aiokafka
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from shared.messaging import kafka_internals
from shared.messaging.broker import make_broker
from shared.messaging.log_reader import log_reader
from shared.settings import ServiceSettings

VERSIONS = f"FastStream {version('faststream')}, aiokafka {aiokafka.__version__}"


def relied_on(owner: object, name: str) -> object:
    where = owner.__qualname__ if isinstance(owner, type) else f"{type(owner).__module__}.{type(owner).__qualname__}"
    assert hasattr(owner, name), (
        f"{where} has no attribute `{name}` any more ({VERSIONS}): shared/messaging/kafka_internals.py "
        f"relies on it to renew a stuck idempotent producer or read a topic's partitions; find the new way "
        f"in the upgraded library and adapt that module")
    return getattr(owner, name)


@pytest.fixture
def broker():
    return make_broker(ServiceSettings(service_name="guard", kafka_bootstrap="127.0.0.1:9"))


@pytest.fixture
def offline_start(monkeypatch):
    """A producer 'started' without dialling Kafka: everything else about it is real."""
    async def start_offline(producer: AIOKafkaProducer) -> None:
        return None

    monkeypatch.setattr(AIOKafkaProducer, "start", start_offline)


def wrapper_of(broker) -> object:
    config = relied_on(broker, "config")
    return relied_on(relied_on(config, "broker_config"), "producer")


def test_the_broker_keeps_its_producer_wrapper_where_the_adapter_looks(broker):
    wrapper = wrapper_of(broker)
    for name in ("connect", "disconnect", "serializer", "codec"):
        relied_on(wrapper, name)
    parameters = inspect.signature(wrapper.connect).parameters
    assert list(parameters)[:3] == ["producer", "serializer", "codec"], (
        f"{type(wrapper).__qualname__}.connect now takes {list(parameters)} ({VERSIONS}): "
        f"kafka_internals.connect_new_producer calls it as connect(producer, serializer=, codec=)")


def test_the_producer_in_use_is_readable_before_the_broker_connects(broker):
    # Without `_producer`, producer_in_use would answer None and a batch failing at once would
    # renew the producer once per event instead of once.
    state = relied_on(wrapper_of(broker), "_producer")
    assert kafka_internals.producer_in_use(broker) is state is not None
    assert not kafka_internals.has_producer(broker)


async def test_the_settings_faststream_builds_its_producer_from_still_build_an_idempotent_one(broker):
    settings = relied_on(broker, "_connection_kwargs")
    assert kafka_internals.producer_settings(broker) is settings
    assert settings["enable_idempotence"] is True and settings["acks"] == "all"
    producer = AIOKafkaProducer(**settings)
    await producer.stop()


async def test_a_producer_is_swapped_through_the_wrapper_and_found_behind_it(broker, offline_start):
    await kafka_internals.connect_new_producer(broker)
    first, first_state = kafka_internals.kafka_producer(broker), kafka_internals.producer_in_use(broker)
    assert isinstance(first, AIOKafkaProducer), (
        f"{type(first_state).__qualname__} no longer holds the aiokafka producer in `producer` ({VERSIONS})")
    assert kafka_internals.has_producer(broker)

    await kafka_internals.disconnect_producer(broker)
    assert not kafka_internals.has_producer(broker)
    assert kafka_internals.producer_in_use(broker) is not first_state

    await kafka_internals.connect_new_producer(broker)
    renewed = kafka_internals.kafka_producer(broker)
    assert isinstance(renewed, AIOKafkaProducer) and renewed is not first
    assert kafka_internals.producer_in_use(broker) is not first_state
    await kafka_internals.disconnect_producer(broker)


async def test_a_reader_outside_any_group_can_still_be_asked_to_fetch_metadata():
    reader = log_reader("127.0.0.1:9", "duo-guard")
    try:
        client = relied_on(reader, "_client")
        assert callable(relied_on(client, "force_metadata_update")), (
            f"{type(client).__qualname__}.force_metadata_update is no longer callable ({VERSIONS})")
        assert isinstance(reader, AIOKafkaConsumer)
    finally:
        await reader.stop()
