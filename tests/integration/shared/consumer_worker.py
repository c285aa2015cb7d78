"""A consuming service reduced to one view, run as its own process so a test can kill it.

    python -m tests.integration.shared.consumer_worker      (settings from DUO_* variables)

Applies session-logged events once per duo (apply_once) and prints, after each write,
`applied <event id>` or `repeat <event id>` (a redelivery that changed nothing). Runs until killed.
CONSUMER_WORKER_HOLD_AFTER=N makes it wait after the N-th applied write, before the handler
returns and the offset is committed: a kill then falls exactly between the two.
"""
from __future__ import annotations

import asyncio
import os
import signal

from shared.settings import ServiceSettings
from tests.integration.shared.kit import ViewConsumer


HOLD_AFTER = int(os.environ.get("CONSUMER_WORKER_HOLD_AFTER", "0"))


class TellingConsumer(ViewConsumer):
    async def handle(self, envelope, payload) -> None:
        applied_before = len(self.applied)
        await super().handle(envelope, payload)
        word = "applied" if len(self.applied) > applied_before else "repeat"
        print(f"{word} {envelope.id}", flush=True)
        if len(self.applied) == HOLD_AFTER and word == "applied":
            await asyncio.sleep(600)


async def main() -> None:
    consumer = TellingConsumer(ServiceSettings())
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await consumer.start()
    await asyncio.wait_for(consumer.runtime.kafka_connected.wait(), timeout=60)
    print("started", flush=True)
    try:
        await stop.wait()
    finally:
        await consumer.stop()


if __name__ == "__main__":
    asyncio.run(main())
