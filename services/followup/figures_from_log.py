"""The programme's figures recomputed from the event log alone: no database, followup's own definitions.

    python -m services.followup.figures_from_log [--output figures.json] [--period 2025-01-01:2025-12-31 ...]

Reads duo.participants, duo.duos and duo.duo-activity from their first offset (to the end they had
when it started), rebuilds the facts followup counts (services/followup/domain/recorded_facts.py)
and computes every figure with services/followup/domain/figures.py, for every branch and for all
branches together, for each period: by default every calendar quarter and year from the first duo's
start to today. Progress goes to stderr, the export (JSON, the shape of GET /figures, one entry per
branch and period) to --output or stdout. National staff get the figures this way, as an export
rather than an endpoint: a read of the whole history takes as long as the history is long, and an
auditor can run it against the broker with no service and no database of the suite's.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import date
from typing import Any

from shared.clock import shifted_today
from pydantic import ValidationError

from shared.events import Envelope, parse_payload, topics
from shared.events.catalog import UnknownEvent
from services.followup.adapters.event_log import read_log
from services.followup.bootstrap import rules_from
from services.followup.domain.duo import Outcome
from services.followup.domain.figures import DEFINITIONS_VERSION, Figures, compute_figures
from services.followup.domain.recorded_facts import RecordedFacts
from services.followup.settings import FollowupSettings

TOPICS = (topics.PARTICIPANTS, topics.DUOS, topics.DUO_ACTIVITY)
Period = tuple[date, date]


def apply(facts: RecordedFacts, envelope: Envelope) -> None:
    """What each recorded event means for the figures (the others change none of them)."""
    kind = envelope.type
    if kind not in APPLIES:
        return
    APPLIES[kind](facts, envelope, parse_payload(envelope))


APPLIES = {
    "mentee-registered": lambda f, e, p: f.registered(p.mentee_id, e.branch, "mentee", p.registered_on),
    "mentor-registered": lambda f, e, p: f.registered(p.mentor_id, e.branch, "mentor", p.registered_on),
    "mentor-trained": lambda f, e, p: f.trained(p.mentor_id, p.completed_on),
    "participant-erased": lambda f, e, p: f.erased(p.participant_id, str(e.id)),
    "duo-formed": lambda f, e, p: f.duo_formed(p.duo_id, e.branch, p.mentee_id, p.mentor_id, p.started_on),
    "duo-ended": lambda f, e, p: f.duo_ended(p.duo_id, p.ended_on, p.completed, p.reason),
    "outcome-recorded": lambda f, e, p: f.outcome_recorded(p.duo_id, str(e.id), Outcome(
        p.moment, p.kind, p.contract_type, p.achieved_on, p.evidence, p.verified_by, p.verified_on, p.recorded_on)),
}


async def recorded_facts(settings: FollowupSettings, progress=lambda read, total: None) -> RecordedFacts:
    """The facts, and in `facts.set_aside` the records followup would have dead-lettered, not applied."""
    facts = RecordedFacts(rules_from(settings))
    async for record in read_log(settings.kafka_bootstrap, [settings.topic_prefix + t for t in TOPICS], progress):
        if record.value is None:
            continue
        try:
            apply(facts, Envelope.from_bytes(record.value))
        except (ValidationError, UnknownEvent):
            facts.set_aside += 1
    return facts


def default_periods(facts: RecordedFacts, today: date) -> list[Period]:
    """Every calendar quarter and year from the first duo's start (or today) to today."""
    first = min((d.started_on for d in facts.duos()), default=today)
    periods: list[Period] = []
    for year in range(first.year, today.year + 1):
        periods.append((date(year, 1, 1), date(year, 12, 31)))
        for quarter in range(4):
            start = date(year, 3 * quarter + 1, 1)
            if start <= today:
                end = date(year + (quarter == 3), (3 * quarter + 3) % 12 + 1, 1)
                periods.append((start, date.fromordinal(end.toordinal() - 1)))
    return periods


def all_figures(facts: RecordedFacts, periods: list[Period]) -> list[Figures]:
    people, duos = facts.participants(), facts.duos()
    return [compute_figures(people, duos, branch, start, end)
            for branch in [*facts.branches(), None] for start, end in periods]


def export(figures: list[Figures], read: int, set_aside: int) -> dict[str, Any]:
    return {"definitions_version": DEFINITIONS_VERSION, "events_read": read, "set_aside": set_aside,
            "figures": [f.as_dict() for f in figures]}


class Progress:
    """One line on the terminal, rewritten: events read, events/s, what is left."""

    def __init__(self, stream=sys.stderr) -> None:
        self.stream, self.started, self.shown, self.read = stream, time.monotonic(), 0.0, 0

    def __call__(self, read: int, total: int) -> None:
        self.read, now = read, time.monotonic()
        if now - self.shown < 0.25 and read < total:
            return
        self.shown, rate = now, read / max(now - self.started, 1e-6)
        self.stream.write(f"\rread {read:,} of {total:,} events, {rate:,.0f} events/s, {total - read:,} left   ")
        if read >= total:
            self.stream.write("\n")
        self.stream.flush()


def parse_period(text: str) -> Period:
    try:
        start, end = (date.fromisoformat(part) for part in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError("a period is START:END, e.g. 2025-01-01:2025-03-31") from None
    if end < start:
        raise argparse.ArgumentTypeError("the period ends before it starts")
    return start, end


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--period", action="append", type=parse_period, default=[],
                        help="START:END (repeatable); default: every quarter and year of the programme")
    parser.add_argument("--output", help="write the JSON export here (default: stdout)")
    args = parser.parse_args(argv)
    settings = FollowupSettings()
    progress = Progress()
    facts = await recorded_facts(settings, progress)
    periods = args.period or default_periods(facts, shifted_today(settings.clock_offset_days)())
    document = json.dumps(export(all_figures(facts, periods), progress.read, facts.set_aside), indent=2)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(document + "\n")
        print(f"{len(periods)} periods x {len(facts.branches()) + 1} scopes written to {args.output}", file=sys.stderr)
    else:
        print(document)


if __name__ == "__main__":
    asyncio.run(main())
