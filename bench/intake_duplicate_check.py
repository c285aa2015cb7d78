"""What intake's duplicate check costs the local store as the participants collection grows.

Run: uv run --no-sync python -m bench.intake_duplicate_check [--sizes 1000,10000] [--lookups 20]

For each size it starts a fresh SecantusDB (no sync on commit, as in tests), creates intake's
participants collection with its declared indexes, seeds that many records (1 in 100 a deliberate
duplicate holding its keys in `duplicate_keys`), runs intake's start-up job if this version has
one, then sends the check (`ParticipantRepository.holding_keys`) `--lookups` times, half for a
person on record and half for a newcomer. It prints the store process's CPU (utime + stime from
/proc) and the wall time per check. The store is alone on its core only if the machine is quiet:
read the CPU column, not the wall time, when others are working.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import tempfile
import time
from pathlib import Path

from pymongo import AsyncMongoClient

from infra.proc import free_port
from infra.store import LocalStore
from services.intake.adapters.participants import COLLECTION, INDEXES, ParticipantRepository

TICK = os.sysconf("SC_CLK_TCK")
BATCH = 1000


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def record(i: int, keys: list[str], duplicate: bool) -> dict:
    """A registration as intake stores it, with personal data and profile of realistic size."""
    own = {"duplicate_keys" if duplicate else "identity_keys": keys}
    return {"_id": f"p-{i:07d}", "branch": ("brussels", "antwerp", "liege")[i % 3], "role": "mentee",
            "status": "registered", "registered_on": "2026-01-15", "training": {}, "trained": False,
            "rules_version": 1, "deliberate_duplicate": duplicate,
            "personal": {"first_name": f"First{i}", "last_name": f"Last{i}", "email": f"p{i}@example.org",
                         "preferred_language": "fr", "birth_date": "2001-05-06", "postcode": "1030",
                         "country": "BE"},
            "name_keys": [f"first{i}", f"last{i}"],
            "profile": {"age_band": "18-24", "languages": [{"code": "fr", "level": "B2"}],
                        "postcode_area": "BE-10", "availability": ["mon-am", "wed-pm"], "sectors": ["it"],
                        "education_level": "secondary", "support_wanted": ["cv"]},
            "history": [{"at": "2026-01-15T10:00:00+00:00", "by": "bench", "change": "registration",
                         "fields": []}],
            "version": 1, "outbox": [], "outbox_pending": False, **own}


async def measure(size: int, lookups: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="duo-bench-dup-") as tmp:
        store = LocalStore(port=free_port(), data_dir=Path(tmp))
        store.start()
        try:
            store.wait_ready()
            client = AsyncMongoClient(store.url)
            try:
                return await _measure(client, store.process.pid, size, lookups)
            finally:
                await client.close()
        finally:
            store.stop()


async def _measure(client, pid: int, size: int, lookups: int) -> dict[str, float]:
    db = client["duo_intake_bench"]
    await db[COLLECTION].create_indexes(INDEXES)
    on_record = []
    for start in range(0, size, BATCH):
        docs = []
        for i in range(start, min(start + BATCH, size)):
            keys = sorted(secrets.token_hex(32) for _ in range(2))
            docs.append(record(i, keys, duplicate=i % 100 == 99))
            if i % (size // lookups or 1) == 0:
                on_record.append(keys)
        await db[COLLECTION].insert_many(docs)
    result = {"size": size}
    fill = getattr(ParticipantRepository(db), "fill_held_keys", None)  # the start-up job, where there is one
    if fill is not None:
        before, started = cpu_seconds(pid), time.perf_counter()
        await fill()
        result["start_up_cpu_ms"] = (cpu_seconds(pid) - before) * 1000
        result["start_up_wall_ms"] = (time.perf_counter() - started) * 1000
    repository = ParticipantRepository(db)
    wanted = [random.choice(on_record) if n % 2 == 0 else [secrets.token_hex(32), secrets.token_hex(32)]
              for n in range(lookups)]
    await repository.holding_keys(wanted[0])  # warm the connection
    found = 0
    before, started = cpu_seconds(pid), time.perf_counter()
    for hashes in wanted:
        found += bool(await repository.holding_keys(hashes))
    result["cpu_ms"] = (cpu_seconds(pid) - before) * 1000 / lookups
    result["wall_ms"] = (time.perf_counter() - started) * 1000 / lookups
    assert found == (lookups + 1) // 2, f"{found} of {lookups} checks found their person"
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--lookups", type=int, default=20)
    args = parser.parse_args()
    print("| records | store CPU ms per check | wall ms per check | start-up job (CPU ms / wall ms) |")
    print("| ---: | ---: | ---: | ---: |")
    for size in (int(s) for s in args.sizes.split(",")):
        r = asyncio.run(measure(size, args.lookups))
        job = (f"{r['start_up_cpu_ms']:.0f} / {r['start_up_wall_ms']:.0f}" if "start_up_cpu_ms" in r else "none")
        print(f"| {size:,} | {r['cpu_ms']:.1f} | {r['wall_ms']:.1f} | {job} |", flush=True)


if __name__ == "__main__":
    main()
