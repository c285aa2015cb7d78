"""The scan check: no command a service sends on a request or event path makes the store read a whole collection.

Every service process the tests start (in-process apps and subprocesses alike) records its
store commands (shared/observability/store_commands.py) into one directory per pytest process;
`tests/conftest.py` reads what was added during each test and fails the test at teardown on any
scanning command (tests/store_plan.py) that ALLOWED below does not name. The indexes each
filter is judged against are the ones the services created (their recorded createIndexes).

DUO_SCAN_CHECK=off records and checks nothing: only for running the suite before the fixes land.
"""
from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from tests.store_plan import Index, command_plans

SWITCH = "DUO_SCAN_CHECK"


@dataclass(frozen=True)
class Allowed:
    """A whole-collection job that may scan, and why. Each given field must match the command's."""

    reason: str
    sender: str | None = None  # "path function" of the innermost frame, without the line
    job: str | None = None  # a periodic job's name (ServiceRuntime.every)
    origin: str | None = None  # "path function" of the outermost frame of the suite's code
    collection: str | None = None

    def covers(self, record: Mapping[str, Any]) -> bool:
        return ((self.sender is None or function_of(record.get("sender")) == self.sender)
                and (self.job is None or record.get("job") == self.job)
                and (self.origin is None or function_of(record.get("origin")) == self.origin)
                and (self.collection is None or record.get("collection") == self.collection))


# Every scan allowed, in one place. Not a request or an event path; each runs rarely or once.
ALLOWED: tuple[Allowed, ...] = (
    Allowed("start-up: a process creates its collections and indexes and its initial data before it "
            "serves, once per start", origin="shared/http/app.py lifespan"),
    Allowed("a rebuild prepares a fresh database, offline, with the service stopped",
            origin="shared/rebuild.py rebuild"),
    Allowed("a rebuild replays the log through the live handlers into a fresh database, offline",
            origin="shared/messaging/replay.py _lane"),
    Allowed("followup's at-risk scan is a periodic whole-collection job (hourly by default): every branch's "
            "rules, then the active duos without a recent session", job="at-risk-scan"),
    Allowed("a coordinator's 'scan now' (POST .../at-risk-scans) runs the periodic at-risk scan once by hand; "
            "it reads every branch's rules, one document per branch",
            sender="shared/branch_directory.py all_rules_on", origin="services/followup/entrypoints/api.py scan"),
    Allowed("national staff's list of branches: every branch is the answer, a few dozen documents that "
            "do not grow with the programme's history", sender="services/intake/adapters/branches.py all",
            origin="services/intake/entrypoints/branches_api.py list_branches"),
    Allowed("national staff's figures across the programme (GET /figures) read every branch's facts, duos "
            "and rules: a funder's report on the whole record, not a coordinator's page (each branch's own "
            "figures are read through its index and kept between readings)",
            origin="services/followup/entrypoints/api.py all_figures"),
    Allowed("the metrics scrape counts the events waiting in the outbox",
            sender="shared/messaging/relay.py measure_backlog"),
)


def enabled() -> bool:
    return os.environ.get(SWITCH, "on").strip().lower() not in ("off", "0", "false", "no")


def function_of(where: str | None) -> str | None:
    """"path:line function" -> "path function": lines move with every edit, functions stay."""
    if not where:
        return where
    path, _, function = where.partition(" ")
    return f"{path.rsplit(':', 1)[0]} {function}"


@dataclass
class Scan:
    record: Mapping[str, Any]
    why: str

    def __str__(self) -> str:
        r = self.record
        shape = r.get("filter", r.get("filters"))
        return (f"{r.get('service')} {r['command']} on {r.get('db')}.{r.get('collection')} "
                f"filter {json.dumps(shape)} ({self.why}); sent by {r.get('sender')}"
                f" from {r.get('origin')}" + (f" (job {r['job']})" if r.get("job") else ""))


class CommandLog:
    """Reads the services' command files as they grow: each call returns the lines added since the last."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.read_to: dict[Path, int] = {}

    def new_records(self) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        if not self.directory.is_dir():
            return records
        for path in sorted(self.directory.glob("*.jsonl")):
            start = self.read_to.get(path, 0)
            if path.stat().st_size <= start:
                continue
            with path.open("rb") as file:
                file.seek(start)
                data = file.read()
            complete = data.rfind(b"\n") + 1  # a line being written stays for the next call
            self.read_to[path] = start + complete
            records.extend(json.loads(line) for line in data[:complete].splitlines() if line.strip())
        return records


class DeclaredIndexes:
    """Each collection's indexes, from the createIndexes commands the services sent."""

    def __init__(self) -> None:
        self.by_collection: dict[tuple[str, str], set[Index]] = defaultdict(set)
        self.by_name: dict[str, set[Index]] = defaultdict(set)

    def learn(self, records: Iterable[Mapping[str, Any]]) -> None:
        for record in records:
            if record["command"] == "createIndexes" and record.get("collection"):
                indexes = {Index.from_record(spec) for spec in record.get("indexes", [])}
                self.by_collection[(record["db"], record["collection"])] |= indexes
                self.by_name[record["collection"]] |= indexes

    def of(self, db: str, collection: str) -> set[Index]:
        # A database whose start-up this log did not see: the same collection elsewhere is the same code's.
        return self.by_collection.get((db, collection)) or self.by_name.get(collection, set())


def scans(records: list[Mapping[str, Any]], indexes: DeclaredIndexes,
          allowed: tuple[Allowed, ...] = ALLOWED) -> list[Scan]:
    indexes.learn(records)
    found: list[Scan] = []
    for record in records:
        if not record.get("collection") or any(entry.covers(record) for entry in allowed):
            continue
        for plan in command_plans(record, indexes.of(record["db"], record["collection"])):
            if plan.scans:
                found.append(Scan(record, plan.why))
                break
    return found


def report(found: list[Scan]) -> str:
    """Each distinct scan once, with how often it was sent."""
    counted: dict[str, int] = {}
    for scan in found:
        text = str(scan)
        counted[text] = counted.get(text, 0) + 1
    lines = [f"{len(found)} store command(s) scanned a whole collection on a request or event path "
             f"(tests/store_scans.py; a whole-collection job that may scan belongs in ALLOWED, with its reason):"]
    lines += [f"  {n}x {text}" for text, n in counted.items()]
    return "\n".join(lines)
