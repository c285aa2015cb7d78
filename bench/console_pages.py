"""How long each console page takes with a big branch, next to the API calls beneath it.

Seeds one branch through the intake API (synthetic/branches.py: 2,000 mentees and 1,200
mentors by default, each mentor's 8 training modules), waits until matching's pool has them,
runs a proposal round and accepts some proposals, then times each console page (signed in as
the branch's coordinator) and, as the baseline measured in the same run, the same API calls
made directly with the same token, concurrently as the page makes them.

    python -m bench.console_pages [--mentees 2000] [--mentor-ratio 0.6] [--repeat 5] [--accept 200]
"""
from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx

from infra.proc import free_port
from infra.stack import LocalStack
from services.console.domain.figures import month_periods
from services.console.entrypoints.matching import PROPOSALS_PER_PAGE
from services.console.entrypoints.web import PAGE_LIMIT
from shared.vocabulary import TRAINING_MODULES
from synthetic.branches import REFERENCE_DAY, generate_branch
from tests.processes import start_suite_with_console
from tests.suite import auth, isolated_env

BRANCH = "brussels"
LIMIT = {"limit": 500}  # seeding's own reads
PAGE = {"limit": PAGE_LIMIT}  # what a page asks for, so the baseline is the calls it makes


def mentee_body(record: dict, shift) -> dict:
    return {**_person(record, shift), "target_sectors": record["sectors"], "education_level": record["education_level"],
            "employment_service": {"name": "Actiris", "registered": True}, "migration_background": "self",
            "right_to_work": True, "support_wanted": record["support_wanted"]}


def mentor_body(record: dict, shift) -> dict:
    return {**_person(record, shift), "experience": record["experience"], "volunteer": True,
            "support_offered": record["support_offered"]}


def _person(record: dict, shift) -> dict:
    area = record["postcode_area"].split("-")[1]
    # The last name carries the id: two synthetic people may share a first name and a birth date,
    # and intake refuses the same person twice.
    return {"first_name": record["name"], "last_name": f"Bench {record['_id']}", "email": f"{record['_id']}@bench.example",
            "birth_date": (date.fromisoformat(record["birth_date"]) + shift).isoformat(),  # same age today
            "country": "BE", "postcode": f"{area}00"[:4], "languages": record["languages"],
            "availability": record["availability"], "consent": True}


async def bounded(calls, concurrency: int = 8) -> list:
    gate = asyncio.Semaphore(concurrency)

    async def one(call):
        async with gate:
            return await call()
    return await asyncio.gather(*(one(c) for c in calls))


async def seed(http: httpx.AsyncClient, urls: dict[str, str], mentees: int, ratio: float, accept: int,
               args_wait: float = 600) -> dict:
    branch = generate_branch(BRANCH, mentees=mentees, mentor_ratio=ratio)
    shift = date.today() - REFERENCE_DAY
    intake = f"{urls['intake']}/branches/{BRANCH}"
    started = time.perf_counter()
    refused: list[str] = []

    async def register(role: str, body: dict):
        r = await http.post(f"{intake}/{role}s", json=body)
        if r.status_code != 201:
            refused.append(r.json().get("detail", r.text[:200]))
            return None
        return r.json()["participant_id"]
    mentee_ids = await bounded([lambda r=r: register("mentee", mentee_body(r, shift)) for r in branch.mentee_records()])
    mentor_ids = [m for m in await bounded([lambda r=r: register("mentor", mentor_body(r, shift))
                                            for r in branch.mentor_records()]) if m]
    if not mentor_ids or not any(mentee_ids):
        raise SystemExit(f"intake refused every registration, e.g. {refused[:3]}")
    today = date.today().isoformat()

    async def train(mentor_id: str) -> None:  # one module after the other: each is a change of the same record
        for module in TRAINING_MODULES:
            r = await http.post(f"{intake}/mentors/{mentor_id}/training-modules",
                                json={"module": module, "completed_on": today})
            if r.status_code != 200:
                refused.append(r.json().get("detail", r.text[:200]))
    await bounded([lambda m=m: train(m) for m in mentor_ids])
    seeded = time.perf_counter() - started
    # matching learns of them through Kafka: wait until a round can propose pairs
    matching = f"{urls['matching']}/branches/{BRANCH}"
    deadline = time.monotonic() + args_wait
    while True:
        r = await http.get(f"{matching}/pool", params={"role": "mentor", **LIMIT})
        pool = r.json()["items"] if r.status_code == 200 else []
        if len(pool) >= min(500, len(mentor_ids)) and all(p.get("trained") for p in pool):
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"matching's pool did not fill within 10 minutes ({r.status_code}, {len(pool)} mentors, "
                             f"{sum(1 for p in pool if p.get('trained'))} trained)")
        await asyncio.sleep(2)
    await asyncio.sleep(5)  # the last events of the stream
    round_started = time.perf_counter()
    # a whole branch's round is the heaviest call here: no client time limit on it
    proposals = (await http.post(f"{matching}/proposal-rounds", timeout=None)).json()["proposals"]
    round_seconds = time.perf_counter() - round_started
    await bounded([lambda p=p: http.post(f"{matching}/proposals/{p['duo_id']}/acceptance", json={})
                   for p in proposals[:accept]])
    followup = f"{urls['followup']}/branches/{BRANCH}"
    while len((await http.get(f"{followup}/duos", params=LIMIT)).json()["items"]) < min(accept, len(proposals)):
        await asyncio.sleep(1)
    duo_id = proposals[0]["duo_id"] if proposals else None
    return {"refused": len(refused), "refusal": refused[0] if refused else "", "mentees": sum(1 for m in mentee_ids if m), "mentors": len(mentor_ids), "seconds": seeded,
            "proposals": len(proposals), "round_seconds": round_seconds, "duo_id": duo_id,
            "mentor_id": mentor_ids[0]}


def pages(urls: dict[str, str], seeded: dict) -> dict[str, tuple[str, list[tuple[str, str, dict]]]]:
    """Console page -> the API calls it makes (service, path, query), made concurrently."""
    b = f"/branches/{BRANCH}"
    today = date.today()
    year = {"period_start": date(today.year, 1, 1).isoformat(), "period_end": today.isoformat()}
    months = [("followup", f"{b}/figures", {"period_start": s.isoformat(), "period_end": e.isoformat()})
              for s, e in month_periods(today)]
    return {
        "dashboard": (f"{b}/", [("intake", f"{b}/participants", {"role": "mentee", **PAGE}),
                                ("matching", f"{b}/pool", PAGE), ("matching", f"{b}/proposals", PAGE),
                                ("followup", f"{b}/duos", {"status": "active", **PAGE})]),
        "register mentee": (f"{b}/mentees/new", []),
        "training": (f"{b}/mentors/{seeded['mentor_id']}/training",
                     [("intake", f"{b}/participants/{seeded['mentor_id']}", {})]),
        "matching": (f"{b}/matching", [("matching", f"{b}/proposals",
                                        {"status": "proposed", "limit": PROPOSALS_PER_PAGE}),
                                       ("intake", f"{b}/participants", PAGE),
                                       ("matching", f"{b}/pool", {"role": "mentee", "status": "waiting", **PAGE})]),
        "duos": (f"{b}/duos", [("followup", f"{b}/duos", PAGE)]),
        "duo": (f"{b}/duos/{seeded['duo_id']}", [("followup", f"{b}/duos/{seeded['duo_id']}", {})]),
        "figures (+6 months chart)": (f"{b}/figures", [("followup", f"{b}/figures", year)] + months),
        "notifications": (f"{b}/notifications", [("notify", f"{b}/notifications", PAGE),
                                                 ("intake", f"{b}/participants", PAGE)]),
        "people": (f"{b}/people", [("intake", f"{b}/participants", PAGE)]),
        "people, a name searched": (f"{b}/people?q=a", [("intake", f"{b}/participants", {"name": "a", **PAGE})]),
    }


async def median_seconds(call, repeat: int) -> float:
    await call()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def measure(urls: dict[str, str], console: str, args) -> None:
    async with httpx.AsyncClient(headers=auth("coordinator", (BRANCH,)), timeout=120) as http:
        seeded = await seed(http, urls, args.mentees, args.mentor_ratio, args.accept)
        print(f"seeded {seeded['mentees']} mentees and {seeded['mentors']} trained mentors through intake's API "
              f"in {seeded['seconds']:.0f}s; a round proposed {seeded['proposals']} pairs in "
              f"{seeded['round_seconds']:.1f}s; {args.accept} accepted; intake refused {seeded['refused']} "
              f"(e.g. {seeded['refusal'][:80]!r})")
        async with httpx.AsyncClient(base_url=console, timeout=120, follow_redirects=False) as browser:
            page = await browser.get("/sign-in")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
            await browser.post("/sign-in/dev", data={"csrf": csrf, "name": "Bench", "role": "coordinator",
                                                     "branches": [BRANCH]})
            print(f"{'page':28} | {'first ms':>8} | {'page ms':>8} | {'its API calls ms':>16} | {'console adds ms':>15} "
                  f"| {'KiB':>5}")
            print("-" * 97)
            for name, (path, calls) in pages(urls, seeded).items():
                started = time.perf_counter()  # the first load after seeding: caches empty, e.g. figures computed
                first = await browser.get(path)
                first_s = time.perf_counter() - started
                if first.status_code != 200:  # said, and the other pages still measured
                    print(f"{name:28} | failed: {first.status_code} {first.text[:60]!r}")
                    continue

                async def get_page(path=path):
                    r = await browser.get(path)
                    assert r.status_code == 200, (path, r.status_code, r.text[:300])
                    return r

                async def call_apis(calls=calls):
                    responses = await asyncio.gather(*(http.get(f"{urls[s]}{p}", params=q) for s, p, q in calls))
                    assert all(r.status_code == 200 for r in responses)
                page_s = await median_seconds(get_page, args.repeat)
                api_s = await median_seconds(call_apis, args.repeat) if calls else 0.0
                size = len((await get_page()).content) / 1024
                print(f"{name:28} | {first_s * 1000:8.0f} | {page_s * 1000:8.0f} | {api_s * 1000:16.0f} "
                      f"| {(page_s - api_s) * 1000:15.0f} | {size:5.0f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentees", type=int, default=2000)
    parser.add_argument("--mentor-ratio", type=float, default=0.6)
    parser.add_argument("--accept", type=int, default=200, help="proposals accepted, to have duos")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page (median)")
    parser.add_argument("--logs", type=Path, help="keep the services' logs in this folder (a failed page's cause)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="duo-bench-") as tmp:
        with LocalStack(data_dir=Path(tmp), progress=lambda line: None, **_free_ports()) as stack:
            env = isolated_env(stack.kafka_bootstrap, stack.mongo_url)
            env["DUO_SMTP_HOST"] = stack.smtp.host
            suite = start_suite_with_console(env, args.logs or Path(tmp) / "logs", stack.smtp.port)
            try:
                urls = {n: s.url for n, s in suite.services.items() if n != "console"}
                asyncio.run(measure(urls, suite["console"].url, args))
            finally:
                suite.stop()


def _free_ports() -> dict[str, int]:
    return {"kafka_port": free_port(), "kafka_controller_port": free_port(), "mongo_port": free_port(),
            "smtp_port": free_port()}


if __name__ == "__main__":
    main()
