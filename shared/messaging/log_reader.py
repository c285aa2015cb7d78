"""A consumer that reads topics from their first offset, outside any consumer group (a rebuild,
figures from the log).

`auto_offset_reset="earliest"` as well as the readers' own seek_to_beginning: with aiokafka
0.14.0's default ("latest"), a seek_to_beginning that follows end_offsets is overridden by the
reset to the end, and nothing is read (reproduced in the closing note of issue 9).
"""
from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer


def log_reader(bootstrap: str, client_id: str, **options: Any) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(bootstrap_servers=bootstrap, client_id=client_id, group_id=None,
                            enable_auto_commit=False, auto_offset_reset="earliest", **options)
