"""How long a branch opened through intake's API takes to reach every service, next to a registration.

Run: uv run --no-sync python -m bench.branch_rules [--branches 10]

The four services run as processes on the project's own local Kafka and SecantusDB (started here
on free ports). Each round, national staff open a new branch (POST /branches/{b}/opening) and the
time is taken until matching, followup and notify all show its rules (GET /branches/{b}/rules,
polled every 10 ms). The baseline, in the same run and over the same path (intake's outbox,
Kafka, a consumer's view): a mentee registered in that branch until matching's pool shows them.
Also the registration request itself, whose rules now come from the store (one read by id).
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from infra.proc import free_port
from infra.stack import LocalStack
from tests.e2e.people import mentee
from tests.processes import start_suite
from tests.suite import auth, isolated_env

POLL = 0.01


async def until(probe) -> None:
    while not await probe():
        await asyncio.sleep(POLL)


async def measure(urls: dict[str, str], rounds: int) -> None:
    national = auth("national", ())
    opened_s, registered_s, request_s = [], [], []
    async with httpx.AsyncClient(timeout=30) as http:
        for k in range(rounds):
            branch = f"bench-{k:03d}"
            started = time.perf_counter()
            r = await http.post(f"{urls['intake']}/branches/{branch}/opening", headers=national,
                                json={"country": "BE", "working_languages": ["fr"]})
            r.raise_for_status()

            async def known_everywhere() -> bool:
                answers = await asyncio.gather(*(http.get(f"{urls[s]}/branches/{branch}/rules", headers=national)
                                                 for s in ("matching", "followup", "notify")))
                return all(a.status_code == 200 for a in answers)
            await until(known_everywhere)
            opened_s.append(time.perf_counter() - started)

            coordinator = auth("coordinator", (branch,))
            started = time.perf_counter()
            r = await http.post(f"{urls['intake']}/branches/{branch}/mentees", headers=coordinator,
                                json=mentee(email=f"bench.{k}@example.org"))
            r.raise_for_status()
            request_s.append(time.perf_counter() - started)
            mentee_id = r.json()["participant_id"]

            async def in_pool() -> bool:
                pool = (await http.get(f"{urls['matching']}/branches/{branch}/pool", headers=coordinator)).json()
                return any(p["participant_id"] == mentee_id for p in pool)
            await until(in_pool)
            registered_s.append(time.perf_counter() - started)

    def ms(values: list[float]) -> str:
        return f"median {statistics.median(values) * 1000:7.0f} ms, max {max(values) * 1000:7.0f} ms"
    print(f"{rounds} branches opened through intake's API")
    print(f"  branch opened -> rules shown by matching, followup and notify: {ms(opened_s)}")
    print(f"  baseline: mentee registered -> in matching's pool:            {ms(registered_s)}")
    print(f"  the registration request itself (rules read from the store):  {ms(request_s)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="duo-bench-") as tmp:
        ports = {"kafka_port": free_port(), "kafka_controller_port": free_port(), "mongo_port": free_port(),
                 "smtp_port": free_port()}
        with LocalStack(data_dir=Path(tmp), progress=lambda line: None, **ports) as stack:
            env = isolated_env(stack.kafka_bootstrap, stack.mongo_url)
            env["DUO_SMTP_HOST"] = stack.smtp.host
            suite = start_suite(env, Path(tmp) / "logs", stack.smtp.port)
            try:
                asyncio.run(measure({n: s.url for n, s in suite.services.items()}, args.branches))
            finally:
                suite.stop()


if __name__ == "__main__":
    main()
