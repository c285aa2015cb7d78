"""Open-loop registrations against the whole suite: HTTP latency, event on Kafka, person in matching's pool.

Run: uv run --no-sync python -m bench.load [--rates 30,50] [--seconds 60] [--processes 1]
     uv run --no-sync python -m bench.load --compare-processes   # the suite with 1, then 2 processes
     uv run --no-sync python -m bench.load --seed-participants 1000,10000,50000   # cost against history
     uv run --no-sync python -m bench.load --mongo-url mongodb://host:27017/   # an external MongoDB
     uv run --no-sync python -m bench.load --no-store-sync        # the store without sync on commit

Starts the whole suite itself on free loopback ports (infra.run's LocalStack with the durable
store, and its service processes), then for each rate fires registrations (mentees and mentors
alternately, valid bodies, a distinct e-mail each) on a fixed schedule whatever the answers,
spread over intake's processes. Latencies count from the scheduled time, so a slow answer
cannot hide the requests queued behind it. Per rate:
- HTTP p50/p99 of the answers and how many were accepted (201);
- delay from the HTTP answer to the registered event on Kafka (the record's timestamp, read by
  an outside consumer), matched by participant id = event subject;
- delay until the person is in matching's pool, for a sample of SAMPLE registrations, and when
  all of them were there, counted from the last answer;
- backed up: an accepted registration's event not on Kafka within BACKLOG_S of the last answer;
- end to end: registrations accepted per second, from the first request until all of them are
  in matching's pool;
- CPU: each component's share of one core meanwhile (2 cores, shared with other work), and the
  store's CPU ms per accepted registration (its process's time from /proc);
- store commands per accepted registration, total and per service: the services log every command
  (DUO_STORE_COMMAND_LOG, shared/observability/store_commands.py) and the lines whose time falls
  in the phase are counted (periodic jobs included: they are part of what a registration costs).
Each rate waits up to --drain seconds after its last answer for everything to reach the pool;
what is still missing then (`left`) is carried into the next rate and shown there (`carried`),
since it weighs on that rate's figures. The issue's targets are printed next to the figures.

--seed-participants N,M,...: before each size's phases the stores are filled up to that many
participants with their duos (bench/seed.py: through the services' own use cases and handlers, no
Kafka), then each rate runs at that size; the store CPU per registration is shown next to the
figure at the first size. --mongo-url: the services use that server and no store is started
(its CPU is then not measured); the service databases `duo_<service>` on it must be new.
"""
from __future__ import annotations

import argparse
import asyncio
import math
import os
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from pymongo import AsyncMongoClient

from bench.load_probes import CpuMeter, KafkaWatch, PoolProbe, StoreCommandLog, store_ops
from bench.seed import seed
from infra.proc import free_port
from infra.run import SERVICES, PORT_STEP, start_services, stop_services
from infra.stack import LocalStack
from shared.events import topics
from shared.http.auth import mint
from shared.settings import ServiceSettings
from tests.e2e.people import mentee, mentor

SAMPLE = 50  # registrations per rate followed into matching's pool
BACKLOG_S = 2.0
HTTP_TIMEOUT_S = 10.0
IDLE_S = 5.0  # CPU measured with no load, before the first rate
SETTLE_S = 5.0  # after a seed, before the phase
BASELINE_RATE, BASELINE_SECONDS = 2.0, 10.0  # a first phase far below any limit: a quiet suite's latencies
# The targets (17): at TARGET_RATE for TARGET_SECONDS, all accepted, these p99s, the pool complete
# within TARGET_POOL_S of the last answer, at most TARGET_COMMANDS store commands per registration; AIM_RATE
# with the same bounds; the store CPU per registration at the largest size within TARGET_GROWTH of the first.
TARGET_RATE, TARGET_SECONDS, AIM_RATE = 30.0, 60.0, 50.0
TARGET_HTTP_P99_MS, TARGET_KAFKA_P99_MS, TARGET_POOL_S, TARGET_COMMANDS = 250.0, 1000.0, 5.0, 8.0
TARGET_GROWTH = 1.25
SERVICE_NAMES = ("intake", "matching", "followup", "notify")
COMMAND_LOG_ENV = "DUO_STORE_COMMAND_LOG"


@dataclass
class Registration:
    index: int
    role: str
    due: float  # epoch seconds it was scheduled for
    status: int | None = None  # None: no answer (timeout, connection error)
    answered: float | None = None
    participant_id: str | None = None
    in_pool: float | None = None  # sampled registrations only


def percentile(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(math.ceil(p * len(ordered)) - 1, 0)]


async def register(client: httpx.AsyncClient, url: str, reg: Registration, tag: str) -> None:
    email = f"load-{tag}-{reg.index}@example.org"
    body = mentee(email=email) if reg.role == "mentee" else mentor(email=email)
    try:
        response = await client.post(f"{url}/branches/brussels/{reg.role}s", json=body)
    except httpx.HTTPError:
        reg.answered = time.time()
        return
    reg.answered, reg.status = time.time(), response.status_code
    if response.status_code == 201:
        reg.participant_id = response.json()["participant_id"]


async def offer(client: httpx.AsyncClient, urls: list[str], rate: float, seconds: float,
                tag: str, regs: list[Registration] | None = None) -> list[Registration]:
    """Fire rate*seconds registrations on schedule (never waiting for answers), each appended to
    `regs` when fired; returns them all answered."""
    count = round(rate * seconds)
    start = time.time() + 0.2
    regs = [] if regs is None else regs
    tasks = []
    for i in range(count):
        reg = Registration(i, "mentee" if i % 2 == 0 else "mentor", start + i / rate)
        await asyncio.sleep(max(reg.due - time.time(), 0))
        regs.append(reg)
        tasks.append(asyncio.create_task(register(client, urls[i % len(urls)], reg, tag)))
    await asyncio.gather(*tasks)
    return regs


async def follow_sample(pool: PoolProbe, regs: list[Registration], every: int, offering: asyncio.Task,
                        until: float) -> None:
    """Note when every `every`-th registration (SAMPLE at most) appears in the pool, polled every 0.25 s."""
    while time.time() < until:
        sample = regs[::every][:SAMPLE]
        waiting = {r.participant_id: r for r in sample if r.participant_id and r.in_pool is None}
        if not waiting and offering.done():
            return
        now = time.time()
        for pid in await pool.present(list(waiting)):
            waiting[pid].in_pool = now
        await asyncio.sleep(0.25)


async def wait_until(probe, until: float, interval: float) -> float | None:
    """Epoch seconds when `probe()` first held, or None at the deadline."""
    while time.time() < until:
        if await probe():
            return time.time()
        await asyncio.sleep(interval)
    return None


async def run_rate(client, urls, watch: KafkaWatch, pool: PoolProbe, cpu: CpuMeter, mongo,
                   rate: float, seconds: float, drain: float, commands: StoreCommandLog | None = None) -> dict:
    tag = f"{rate:g}-{time.time_ns()}"
    every = max(round(rate * seconds) // SAMPLE, 1)
    before, ops_before = cpu.read(), await store_ops(mongo)
    began = time.time()
    regs: list[Registration] = []
    offering = asyncio.create_task(offer(client, urls, rate, seconds, tag, regs))
    sampling = asyncio.create_task(follow_sample(pool, regs, every, offering, time.time() + seconds + drain + 15))
    await offering
    last_answer = max(r.answered for r in regs)
    accepted = [r for r in regs if r.status == 201]
    ids = [r.participant_id for r in accepted]
    say = _progress(regs[0].due)
    say(f"last answer ({len(accepted)} of {len(regs)} accepted)")
    on_kafka = await wait_until(lambda: _all_seen(watch, ids), last_answer + drain, 0.1)
    say("all on Kafka" if on_kafka else f"{len(ids) - sum(i in watch.seen for i in ids)} not on Kafka")
    all_in_pool = await wait_until(lambda: _all_present(pool, ids), last_answer + drain, 0.5)
    say("all in the pool" if all_in_pool else "not all in the pool: moving on")
    await sampling
    after, ops_after = cpu.read(), await store_ops(mongo)
    ended = time.time()
    left = 0 if all_in_pool else len(ids) - len(await pool.present(ids))
    checked = time.time()
    first = regs[0].due
    http_ms = [(r.answered - r.due) * 1000 for r in regs if r.status is not None]
    kafka_ms = [(watch.seen[r.participant_id] - r.answered) * 1000 for r in accepted if r.participant_id in watch.seen]
    pool_ms = [(r.in_pool - r.answered) * 1000 for r in regs[::every][:SAMPLE] if r.in_pool]
    last_on_kafka = max((watch.seen[i] for i in ids if i in watch.seen), default=last_answer)
    return {
        "rate": rate, "offered": len(regs), "accepted": len(accepted),
        "refused": sum(1 for r in regs if r.status not in (None, 201)), "unanswered": sum(1 for r in regs if r.status is None),
        "http_p50": percentile(http_ms, 0.5), "http_p99": percentile(http_ms, 0.99),
        "kafka_p50": percentile(kafka_ms, 0.5), "kafka_p99": percentile(kafka_ms, 0.99),
        "missing_on_kafka": len(ids) - len(kafka_ms),
        "pool_p50": percentile(pool_ms, 0.5), "pool_p99": percentile(pool_ms, 0.99), "pool_n": len(pool_ms),
        "backed_up": on_kafka is None or last_on_kafka - last_answer > BACKLOG_S,
        # Not all through by the deadline: the rate of those that were, shown with a "~".
        "end_to_end": (len(accepted) - left) / ((all_in_pool or checked) - first),
        "drained": all_in_pool is not None, "left": left,
        "cpu": cpu.shares(before, after), "wall": after["wall"] - before["wall"],
        "store_ops": {k: ops_after[k] - ops_before[k] for k in ops_before},
        # When the last accepted one was in the pool, from the last answer (None: not within --drain).
        "pool_after_s": None if all_in_pool is None else max(all_in_pool - last_answer, 0.0),
        # The store's own CPU over the phase, in all and per accepted registration (NaN: none accepted);
        # None: no store process of ours.
        "store_cpu_s": after["store"] - before["store"] if "store" in before else None,
        "store_cpu_ms": (((after["store"] - before["store"]) * 1000 / len(accepted) if accepted else math.nan)
                         if "store" in before else None),
        "commands": None if commands is None else commands.between(began, ended),
    }


def _progress(began: float):
    return lambda what: print(f"    {time.time() - began:6.1f}s  {what}", flush=True)


async def _all_seen(watch: KafkaWatch, ids: list[str]) -> bool:
    return all(i in watch.seen for i in ids)


async def _all_present(pool: PoolProbe, ids: list[str]) -> bool:
    return len(await pool.present(ids)) == len(ids)


async def warm_up(client, urls, pool: PoolProbe, deadline_s: float = 120.0) -> None:
    """A few registrations through to the pool first: consumer groups joined, connections open."""
    regs = await offer(client, urls, 4.0, 1.0, f"warm-{time.time_ns()}")
    ids = [r.participant_id for r in regs if r.status == 201]
    if not ids or await wait_until(lambda: _all_present(pool, ids), time.time() + deadline_s, 0.5) is None:
        raise RuntimeError(f"warm-up: {len(ids)} of {len(regs)} accepted, not all in matching's pool "
                           f"within {deadline_s:.0f}s")


async def load(stack: LocalStack, intake_urls: list[str], cpu: CpuMeter, rates: list[float], seconds: float,
               drain: float, sizes: list[int] | None = None, commands: StoreCommandLog | None = None) -> list[dict]:
    settings = ServiceSettings()
    headers = {"Authorization": f"Bearer {mint(settings, 'bench-load', 'coordinator', ['brussels'])}"}
    prefix = os.environ.get("DUO_TOPIC_PREFIX", "")
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=200)
    mongo = AsyncMongoClient(stack.mongo_url)
    watch = KafkaWatch(stack.kafka_bootstrap, prefix + topics.PARTICIPANTS)
    results = []
    try:
        async with httpx.AsyncClient(headers=headers, limits=limits, timeout=HTTP_TIMEOUT_S) as client:
            pool = PoolProbe(mongo["duo_matching"]["pool"])
            await warm_up(client, intake_urls, pool)
            await watch.start()
            idle = cpu.read()
            await asyncio.sleep(IDLE_S)
            results.append({"rate": 0, "cpu": cpu.shares(idle, cpu.read())})  # what the suite costs doing nothing
            # (size or None, rate, seconds): the baseline first, then every rate at every size
            phases = [(None, BASELINE_RATE, BASELINE_SECONDS)] + [(size, rate, seconds) for size in (sizes or [None])
                                                                  for rate in rates]
            for number, (size, rate, length) in enumerate(phases):
                participants = None
                if size is not None:
                    participants = await participants_now(mongo)
                    if participants < size:
                        print(f"  seeding {size - participants:,} participants (to {size:,}) ...", flush=True)
                        seeded = await seed(stack.mongo_url, size - participants, first=participants, prefix=prefix,
                                            progress=lambda line: print(line, flush=True))
                        print(f"  {seeded.line()}", flush=True)
                        participants = await participants_now(mongo)
                        # the store's own work after the bulk (its checkpoint) is not the phase's
                        await asyncio.sleep(SETTLE_S)
                carried = results[-1].get("left", 0)
                print(f"  offering {rate:g}/s for {length:g}s" + (f" with {participants:,} participants in intake"
                                                                  if participants is not None else "") + " ...",
                      flush=True)
                results.append(await run_rate(client, intake_urls, watch, pool, cpu, mongo, rate, length, drain,
                                              commands))
                results[-1].update(carried=carried, size=size, participants=participants, baseline=number == 0)
    finally:
        await watch.stop()
        await mongo.close()
    return results


async def participants_now(mongo) -> int:
    """Intake's records (the collection's count from its metadata: no scan)."""
    return await mongo["duo_intake"]["participants"].estimated_document_count()


def _free_base_ports(processes: int, tries: int = 20) -> dict[str, int]:
    """A free port per service whose later processes' ports (+100 each) are free too."""
    def free(port: int) -> bool:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return False
            return True

    ports: dict[str, int] = {}
    for name in SERVICES:
        for _ in range(tries):
            base = free_port()
            if base + PORT_STEP * processes < 65536 and all(free(base + PORT_STEP * k) for k in range(processes)) \
                    and base not in ports.values():
                ports[name] = base
                break
        else:
            raise RuntimeError(f"no free ports for {processes} processes of {name}")
    return ports


class Stack(LocalStack):
    """The local stack, or Kafka and the SMTP sink only when the services are given an external MongoDB."""

    def __init__(self, external_mongo_url: str | None = None, **kwargs) -> None:
        parts = ("kafka", "smtp") if external_mongo_url else ("kafka", "mongo", "smtp")
        super().__init__(parts=parts, **kwargs)
        self.external_mongo_url = external_mongo_url

    @property
    def mongo_url(self) -> str:
        return self.external_mongo_url or super().mongo_url


def run_suite(processes: int, rates: list[float], seconds: float, drain: float, durable: bool = True,
              sizes: list[int] | None = None, mongo_url: str | None = None) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="duo-load-") as tmp:
        stack = Stack(mongo_url, data_dir=Path(tmp), kafka_port=free_port(), kafka_controller_port=free_port(),
                      mongo_port=free_port(), smtp_port=free_port(), durable_store=durable,
                      progress=lambda line: print(line, flush=True))
        command_dir = Path(tmp) / "store-commands"
        command_dir.mkdir()
        with stack:
            ports = _free_base_ports(processes)
            # The services inherit the bench's environment (infra.run.service_env): each logs its store commands.
            previous = os.environ.get(COMMAND_LOG_ENV)
            os.environ[COMMAND_LOG_ENV] = str(command_dir)
            try:
                services = start_services(stack, ports, Path(tmp) / "logs", processes)
            finally:
                if previous is None:
                    os.environ.pop(COMMAND_LOG_ENV, None)
                else:
                    os.environ[COMMAND_LOG_ENV] = previous
            try:
                pids: dict[str, list[int]] = {"bench": [os.getpid()], "kafka": [stack.kafka.process.pid]}
                if mongo_url is None:
                    pids["store"] = [stack.store.process.pid]
                for s in services:
                    pids.setdefault(s.name, []).append(s.process.pid)
                intake = [s.url for s in services if s.name == "intake"]
                commands = StoreCommandLog(command_dir, exclude_pids=[os.getpid()])
                return asyncio.run(load(stack, intake, CpuMeter(pids), rates, seconds, drain, sizes, commands))
            finally:
                stop_services(services)


def _label(row: dict) -> str:
    return f"{row['rate']:5g}*" if row.get("baseline") else f"{row['rate']:6g}"


def _rate(row: dict) -> str:
    return f"{row['end_to_end']:.1f}" + ("" if row["drained"] else "~")


def _ms(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.0f}"


def _size(row: dict) -> str:
    return "-" if row.get("participants") is None else f"{row['participants']:,}"


def shortfalls(row: dict) -> list[str]:
    """Why a phase misses the issue's bounds (empty: it holds them)."""
    missed = []
    if row["accepted"] < row["offered"]:
        missed.append(f"{row['offered'] - row['accepted']} not accepted")
    if not row["http_p99"] < TARGET_HTTP_P99_MS:
        missed.append(f"HTTP p99 {_ms(row['http_p99'])} ms")
    if not row["kafka_p99"] < TARGET_KAFKA_P99_MS:
        missed.append(f"Kafka p99 {_ms(row['kafka_p99'])} ms")
    if row["pool_after_s"] is None or row["pool_after_s"] > TARGET_POOL_S:
        missed.append("pool not complete" if row["pool_after_s"] is None else f"pool complete after "
                                                                            f"{row['pool_after_s']:.1f} s")
    return missed


def highest_holding(rows: list[dict]) -> float | None:
    """The highest rate of these phases that held every bound."""
    held = [r["rate"] for r in rows if not r.get("baseline") and not shortfalls(r)]
    return max(held) if held else None


def commands_per_registration(row: dict) -> dict[str, float] | None:
    """Store commands per accepted registration, total and per service; None: nothing logged, or none accepted."""
    counted = row.get("commands")
    if not counted or not row["accepted"]:
        return None
    n = row["accepted"]
    per = {name: counted.get(name, 0) / n for name in SERVICE_NAMES}
    per.update({name: count / n for name, count in counted.items() if name not in per})
    per["total"] = sum(counted.values()) / n
    return per


def report(processes: int, results: list[dict], seconds: float) -> None:
    idle, rated = results[0]["cpu"], results[1:]
    print(f"\nregistrations, {seconds:g}s per rate, {processes} process(es) per service, "
          f"latencies from the scheduled send (ms); pool done: seconds from the last answer until all are in the pool")
    print(f"{'size':>7} | {'rate/s':>6} | {'offered':>7} | {'accepted':>8} | {'HTTP p50':>8} | {'p99':>6} | "
          f"{'Kafka p50':>9} | {'p99':>6} | {'pool p50':>8} | {'p99':>6} | {'pool done':>9} | {'backed up':>9} | "
          f"{'e2e/s':>6} | holds")
    print(f"{'target':>7} | {TARGET_RATE:6g} | {'':>7} | {'all':>8} | {'':>8} | {f'<{TARGET_HTTP_P99_MS:g}':>6} | "
          f"{'':>9} | {f'<{TARGET_KAFKA_P99_MS:g}':>6} | {'':>8} | {'':>6} | {f'<={TARGET_POOL_S:g}s':>9} | "
          f"{'no':>9} | {'':>6} | (aim: {AIM_RATE:g}/s)")
    print("-" * 140)
    for r in rated:
        done = "-" if r["pool_after_s"] is None else f"{r['pool_after_s']:.1f}s"
        holds = "" if r.get("baseline") else ("yes" if not shortfalls(r) else "no")
        print(f"{_size(r):>7} | {_label(r)} | {r['offered']:7} | {r['accepted']:8} | {_ms(r['http_p50']):>8} | "
              f"{_ms(r['http_p99']):>6} | {_ms(r['kafka_p50']):>9} | {_ms(r['kafka_p99']):>6} | "
              f"{_ms(r['pool_p50']):>8} | {_ms(r['pool_p99']):>6} | {done:>9} | "
              f"{'yes' if r['backed_up'] else 'no':>9} | {_rate(r):>6} | {holds}")
        odd = {k.replace("_", " "): r[k] for k in ("refused", "unanswered", "missing_on_kafka", "left", "carried")
               if r[k]}
        if odd:
            print(f"{'':17}{', '.join(f'{k} {v}' for k, v in odd.items())}")
    steady = [r["rate"] for r in rated if not r.get("baseline") and not r["backed_up"]]
    print(f"highest rate with nothing backed up (all events on Kafka within {BACKLOG_S:g}s of the last answer): "
          + (f"{max(steady):g}/s" if steady else "none"))
    for size in dict.fromkeys(r.get("size") for r in rated if not r.get("baseline")):
        group = [r for r in rated if not r.get("baseline") and r.get("size") == size]
        best = highest_holding(group)
        where = "" if size is None else f" at {group[0]['participants']:,} participants"
        print(f"highest rate that holds every bound{where} (all accepted, HTTP p99 < {TARGET_HTTP_P99_MS:g} ms, Kafka "
              f"p99 < {TARGET_KAFKA_P99_MS:g} ms, pool <= {TARGET_POOL_S:g} s): "
              + (f"{best:g}/s" if best is not None else "none")
              + f" (must: {TARGET_RATE:g}/s for {TARGET_SECONDS:g}s; aim: {AIM_RATE:g}/s)")
        for r in group:
            if r["rate"] == TARGET_RATE:
                missed = shortfalls(r)
                short = ("" if seconds >= TARGET_SECONDS
                         else f" (a {seconds:g}s phase: the target's is {TARGET_SECONDS:g}s)")
                verdict = "met" if not missed else "NOT met: " + ", ".join(missed)
                print(f"  must at {TARGET_RATE:g}/s{where}: {verdict}{short}")
    print(f"* baseline: {BASELINE_RATE:g}/s, far below any limit, in the same run; ~: not all in the pool "
          f"within --drain, the rate of those that were")
    report_commands(rated)
    report_sizes(rated)
    names = list(idle)
    print("\nCPU, share of one core per component (2 cores; `others`: the rest of the machine, other work)")
    print(f"{'rate/s':>6} | " + " | ".join(f"{n:>8}" for n in names))
    for label, shares in [("idle", idle)] + [(_label(r).strip(), r["cpu"]) for r in rated]:
        print(f"{label:>6} | " + " | ".join(f"{shares[n]:8.0%}" for n in names))
    ours = [n for n in names if n not in ("bench", "others")]
    print("\nwhere the time goes: CPU ms per accepted registration above idle (noisy: below zero means under the idle "
          "reading); the store's operations per registration (serverStatus opcounters)")
    print(f"{'rate/s':>6} | " + " | ".join(f"{n:>8}" for n in ours) + " | store ops/reg (ins/query/upd/cmd) | store ms/op")
    for r in rated:
        n = max(r["accepted"], 1)
        ms = {k: (r["cpu"][k] - idle[k]) * r["wall"] * 1000 / n for k in ours}
        ops = r["store_ops"]
        total_ops = max(sum(ops.values()), 1)
        kinds = "/".join(f"{ops.get(k, 0) / n:.1f}" for k in ("insert", "query", "update", "command"))
        per_op = f"{r['cpu']['store'] * r['wall'] * 1000 / total_ops:11.2f}" if "store" in r["cpu"] else f"{'-':>11}"
        print(f"{_label(r)} | " + " | ".join(f"{ms[k]:8.1f}" for k in ours) + f" | {kinds:>34} | {per_op}")


def report_commands(rated: list[dict]) -> None:
    print(f"\nstore commands per accepted registration, from the services' command log (lines timed within the phase, "
          f"periodic jobs included); target at {TARGET_RATE:g}/s: <= {TARGET_COMMANDS:g}")
    if all(commands_per_registration(r) is None for r in rated):
        print(f"  not recorded: no service wrote a line to {COMMAND_LOG_ENV} (it needs "
              "shared/observability/store_commands.py, which this checkout may not have yet)")
        return
    print(f"{'size':>7} | {'rate/s':>6} | {'total':>6} | " + " | ".join(f"{n:>8}" for n in SERVICE_NAMES) + " | target")
    for r in rated:
        per = commands_per_registration(r)
        if per is None:
            print(f"{_size(r):>7} | {_label(r)} | {'-':>6} |")
            continue
        target = ("" if r["rate"] != TARGET_RATE else
                  f"<= {TARGET_COMMANDS:g}: {'met' if per['total'] <= TARGET_COMMANDS else 'NOT met'}")
        print(f"{_size(r):>7} | {_label(r)} | {per['total']:6.1f} | "
              + " | ".join(f"{per[n]:8.1f}" for n in SERVICE_NAMES) + f" | {target}")


def report_sizes(rated: list[dict]) -> None:
    sized = [r for r in rated if r.get("size") is not None]
    if not sized:
        return
    print(f"\ncost against history: each rate at each pre-seeded size; target: the store CPU per registration at the "
          f"largest size within {TARGET_GROWTH - 1:.0%} of the figure at the first size")
    if all(r["store_cpu_ms"] is None for r in sized):
        print("  store CPU: not measured (an external MongoDB: no store process of ours to read /proc from)")
    print(f"{'participants':>12} | {'rate/s':>6} | {'accepted':>8} | {'store CPU s':>11} | {'store CPU ms/reg':>16} | "
          f"{'at the first size':>17} | {'ratio':>6} | {'HTTP p99 ms':>11} | {'at the first size':>17} | "
          f"{'commands/reg':>12}")
    first_size = sized[0]["size"]
    for r in sized:
        first = next(f for f in sized if f["size"] == first_size and f["rate"] == r["rate"])
        cpu, base = r["store_cpu_ms"], first["store_cpu_ms"]
        ratio = "-" if cpu is None or not base or math.isnan(cpu) or math.isnan(base) else f"{cpu / base:.2f}"
        spent = "-" if r["store_cpu_s"] is None else f"{r['store_cpu_s']:.1f}"
        per = commands_per_registration(r)
        commands = "-" if per is None else f"{per['total']:.1f}"
        print(f"{_size(r):>12} | {_label(r)} | {r['accepted']:8} | {spent:>11} | {_ms(cpu):>16} | {_ms(base):>17} | "
              f"{ratio:>6} | {_ms(r['http_p99']):>11} | {_ms(first['http_p99']):>17} | {commands:>12}")
    largest = [r for r in sized if r["size"] == sized[-1]["size"] and r["size"] != first_size]
    for r in largest:
        first = next(f for f in sized if f["size"] == first_size and f["rate"] == r["rate"])
        if r["store_cpu_ms"] is None or first["store_cpu_ms"] is None:
            continue
        if math.isnan(r["store_cpu_ms"]) or math.isnan(first["store_cpu_ms"]) or not first["store_cpu_ms"]:
            print(f"  at {r['rate']:g}/s, {_size(r)} participants: no figure to compare (none accepted at one size): "
                  f"NOT met")
        else:
            ratio = r["store_cpu_ms"] / first["store_cpu_ms"]
            print(f"  at {r['rate']:g}/s, {_size(r)} participants: {ratio:.2f} x the figure at {_size(first)} "
                  f"({'met' if ratio <= TARGET_GROWTH else 'NOT met'}: target <= {TARGET_GROWTH:g} x)")


def compare(by_processes: dict[int, list[dict]]) -> None:
    counts = sorted(by_processes)
    print("\nend to end: registrations accepted per second until all are in matching's pool")
    print(f"{'rate/s':>6} | " + " | ".join(f"{f'{p} process(es)':>14}" for p in counts))
    rates = sorted({r["rate"] for results in by_processes.values() for r in results[1:] if not r.get("baseline")})
    for rate in rates:
        cells = []
        for p in counts:
            row = next((r for r in by_processes[p][1:] if r["rate"] == rate and not r.get("baseline")), None)
            cells.append(f"{'skipped':>14}" if row is None else f"{_rate(row):>14}")
        print(f"{rate:6g} | " + " | ".join(cells))
    for p in counts:
        best = highest_holding(by_processes[p][1:])
        print(f"highest rate that holds every bound with {p} process(es) per service: "
              + (f"{best:g}/s" if best is not None else "none of those offered"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", help=f"registrations per second, one phase each (default: {TARGET_RATE:g},"
                                        f"{AIM_RATE:g}; with --seed-participants: {TARGET_RATE:g})")
    parser.add_argument("--seconds", type=float, default=TARGET_SECONDS, help="length of each phase")
    parser.add_argument("--processes", type=int, default=1, help="processes per service")
    parser.add_argument("--drain", type=float, default=30.0,
                        help="seconds after a phase's last answer for everything to reach matching's pool")
    parser.add_argument("--compare-processes", action="store_true", help="run with 1 and with 2 processes")
    parser.add_argument("--seed-participants", metavar="N,M,...",
                        help="before each size's phases, fill the stores up to that many participants with their "
                             "duos (bench/seed.py), e.g. 1000,10000,50000")
    parser.add_argument("--mongo-url", help="run against this MongoDB instead of starting the local store (its "
                                            "duo_<service> databases must be new; its CPU is not measured)")
    parser.add_argument("--no-store-sync", action="store_true",
                        help="the store without --sync-on-commit (as in the tests), to see the limit past its fsyncs")
    args = parser.parse_args(argv)
    sizes = sorted(int(n) for n in args.seed_participants.split(",")) if args.seed_participants else None
    default = f"{TARGET_RATE:g}" if sizes else f"{TARGET_RATE:g},{AIM_RATE:g}"
    rates = [float(r) for r in (args.rates or default).split(",")]
    counts = [1, 2] if args.compare_processes else [args.processes]
    if args.mongo_url:
        print(f"external MongoDB {args.mongo_url.split('@')[-1]}: no store started, its CPU is not measured",
              flush=True)
    by_processes = {}
    for processes in counts:
        print(f"suite with {processes} process(es) per service", flush=True)
        by_processes[processes] = run_suite(processes, rates, args.seconds, args.drain,
                                            durable=not args.no_store_sync, sizes=sizes, mongo_url=args.mongo_url)
        report(processes, by_processes[processes], args.seconds)
    if len(counts) > 1:
        compare(by_processes)


if __name__ == "__main__":
    main()
