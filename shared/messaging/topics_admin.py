"""Create the suite's topics with their partition counts and configs, and correct existing ones.

aiokafka's admin client has no incrementalAlterConfigs, only AlterConfigs, which *replaces* a
topic's whole set of overrides: a config left out reverts to the broker's default (shown on
Kafka 4.1: altering only retention.ms dropped a topic's max.message.bytes override). So a
correction sends the topic's current overrides merged with ours, and nothing an operator
set on a config we do not own is lost.
"""
from __future__ import annotations

import asyncio
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import UnknownTopicOrPartitionError, for_code

from shared.events import topics
from shared.messaging.retention import Retention

log = logging.getLogger(__name__)
DYNAMIC_TOPIC_CONFIG = 1  # DescribeConfigs' config_source for a topic-level override


async def ensure_topics(bootstrap: str, partitions: int, prefix: str = "", names=topics.ALL,
                        retention: Retention | None = None) -> None:
    retention = retention or Retention()
    wanted = {prefix + name: retention.configs(name) for name in names}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(topic, num_partitions=partitions, replication_factor=1, topic_configs=configs)
                   for topic, configs in wanted.items() if topic not in existing]
        if missing:
            try:
                await admin.create_topics(missing)
            except Exception as error:  # another service created it first: corrected below
                if "TopicAlreadyExists" not in type(error).__name__ + str(error):
                    raise
            log.info("topics created", extra={"topics": [t.name for t in missing]})
        await correct_configs(admin, wanted)  # also those another process created just before us
    finally:
        await admin.close()


async def topic_overrides(admin: AIOKafkaAdminClient, names: list[str],
                          attempts: int = 20) -> dict[str, dict[str, str]]:
    """Each topic's topic-level overrides (not the broker's defaults).

    A topic just created may be listed before the broker answers for its configs: asked again.
    """
    for _ in range(attempts - 1):
        try:
            return await _overrides(admin, names)
        except UnknownTopicOrPartitionError:
            await asyncio.sleep(0.5)
    return await _overrides(admin, names)


async def _overrides(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, dict[str, str]]:
    if not names:
        return {}
    responses = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n) for n in names])
    found: dict[str, dict[str, str]] = {}
    for response in responses:
        for error_code, error_message, _type, name, entries in response.resources:
            if error_code:
                raise for_code(error_code)(f"describing the configs of {name}: {error_message}")
            found[name] = {entry[0]: entry[1] for entry in entries if entry[3] == DYNAMIC_TOPIC_CONFIG}
    return found


async def correct_configs(admin: AIOKafkaAdminClient, wanted: dict[str, dict[str, str]]) -> None:
    current = await topic_overrides(admin, sorted(wanted))
    wrong = {name: {**current.get(name, {}), **configs} for name, configs in wanted.items()
             if any(current.get(name, {}).get(key) != value for key, value in configs.items())}
    if not wrong:
        return
    responses = await admin.alter_configs(
        [ConfigResource(ConfigResourceType.TOPIC, name, merged) for name, merged in wrong.items()])
    for response in responses:
        for error_code, error_message, _type, name in response.resources:
            if error_code:
                raise for_code(error_code)(f"correcting the configs of {name}: {error_message}")
    log.info("topic configs corrected", extra={"topics": sorted(wrong)})
