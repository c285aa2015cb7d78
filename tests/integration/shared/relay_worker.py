"""A publishing service reduced to its outbox relay, run as its own process so a test can kill it.

    python -m tests.integration.shared.relay_worker      (settings from DUO_* variables)

Prints `published <event id>` after Kafka acknowledged each event (before the relay removes it
from the outbox), and `drained` once the outbox is empty; then it exits 0.
RELAY_WORKER_HOLD_AFTER=N makes it wait after the N-th acknowledgement, before the removal: a
kill then falls exactly between the two. DUO_OUTBOX_BATCH bounds the documents in flight.
"""
from __future__ import annotations

import asyncio
import os
import sys

from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from tests.integration.shared.kit import COLLECTION, EVENT, backlog


async def main() -> int:
    runtime = ServiceRuntime(ServiceSettings(), publishes=[EVENT], outbox_collections=[COLLECTION])
    send = runtime.relay.send
    hold_after = int(os.environ.get("RELAY_WORKER_HOLD_AFTER", "0"))
    acknowledged = 0

    async def send_and_tell(entry):
        acknowledgement = await send(entry)

        async def tell():
            nonlocal acknowledged
            result = await acknowledgement
            acknowledged += 1
            print(f"published {entry['id']}", flush=True)
            if acknowledged == hold_after:
                await asyncio.sleep(600)
            return result
        return tell()

    runtime.relay.send = send_and_tell
    await runtime.start()
    try:
        await asyncio.wait_for(runtime.kafka_connected.wait(), timeout=60)
        while await backlog(runtime.db[COLLECTION]):
            await asyncio.sleep(0.1)
        print("drained", flush=True)
    finally:
        await runtime.stop()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
