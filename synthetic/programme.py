"""A branch's year of matching, simulated day by day with matching's own domain code.

Mentees register and trained mentors join at Poisson rates; a matching policy proposes pairs
(propose_round, greedy_round or place_newcomer, exactly as the service would); a coordinator
decides on each proposal a few days later and declines some; a formed duo lasts six months,
after which most mentors come back for another. No service, store or broker is involved.

Every policy runs on the same arrivals (same seed), and a given pair is declined or accepted
the same way under every policy, so differences between policies come from the policy alone.
"""
from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from services.matching.domain.assignment import greedy_round, place_newcomer, propose_round
from services.matching.domain.candidates import Mentee, Mentor, mentee_from_facts, mentor_from_facts
from services.matching.domain.scoring import ScoredPair, Weights
from synthetic.branches import generate_branch

START = date(2025, 1, 6)  # a Monday: weekly rounds fall on Mondays
DUO_DAYS = 182  # six months

# Origin country (a protected characteristic, only ever in the synthetic record) -> region,
# as a branch might record it for eligibility; used only by the fairness audit.
ORIGIN_REGIONS = {
    **dict.fromkeys(("Morocco", "Algeria"), "North Africa"),
    **dict.fromkeys(("Syria", "Iraq", "Yemen", "Iran", "Turkey"), "Middle East"),
    **dict.fromkeys(("Afghanistan", "Pakistan", "Bangladesh"), "South and Central Asia"),
    **dict.fromkeys(("Eritrea", "Somalia", "Ethiopia", "Sudan", "Burundi"), "East Africa"),
    **dict.fromkeys(("DR Congo", "Guinea", "Senegal", "Mali", "Angola"), "West and Central Africa"),
    **dict.fromkeys(("Ukraine", "Russia", "Georgia", "Albania"), "Eastern Europe"),
    **dict.fromkeys(("Venezuela", "Colombia", "Brazil"), "Latin America"),
}


@dataclass(frozen=True)
class Settings:
    """One branch. Defaults from the programme's published scale: about 6,000 young people and
    1,800 mentors so far across about ten branches; a branch registers some 15 mentees and
    trains some 5 mentors a month, and starts the year with mentors free to take a duo."""

    branch: str = "brussels"
    months: int = 12
    mentees_per_month: float = 15.0
    mentors_per_month: float = 5.0
    initial_mentors: int = 45
    decline_rate: float = 0.15  # share of proposals the coordinator or the people decline
    decision_days: int = 4  # from proposal to the coordinator's decision (and the first meeting)
    mentor_return_rate: float = 0.8  # mentors who take another duo after one ends
    minimum_score: float = 35.0  # the matching service's default
    seed: int = 2025
    rare_language: str | None = None  # make mentors speaking this language rare ...
    rare_language_share: float = 1.0  # ... keeping only this share of them as speakers


@dataclass
class MenteeLife:
    mentee: Mentee
    record: dict[str, Any] = field(repr=False)
    first_proposal: date | None = None
    duo_formed: date | None = None


@dataclass
class MentorLife:
    mentor: Mentor
    free_since: date | None  # when the mentor last became free to take a duo, None if busy
    waits: list[int] = field(default_factory=list)  # days from free to the next proposal
    load: int = 0  # open proposals and duos
    left: bool = False


@dataclass
class Outcome:
    policy: str
    settings: Settings
    mentees: list[MenteeLife]
    mentors: list[MentorLife]
    duo_scores: list[float]
    proposals: int
    declines: int

    @property
    def end(self) -> date:
        return START + timedelta(days=round(self.settings.months * 365 / 12))


Policy = Callable[["Branch", date, list[MenteeLife]], None]


@dataclass(frozen=True)
class Arrivals:
    """Who registers (mentees) or finishes training (mentors) on which day: the same for every policy."""

    mentees: list[tuple[date, dict[str, Any]]]
    mentors: list[tuple[date, dict[str, Any]]]


def arrivals(settings: Settings) -> Arrivals:
    days = round(settings.months * 365 / 12)
    mentee_days = _poisson_days(random.Random(f"{settings.seed}:mentee-arrivals"),
                                settings.mentees_per_month * 12 / 365, days)
    mentor_days = [START] * settings.initial_mentors + _poisson_days(
        random.Random(f"{settings.seed}:mentor-arrivals"), settings.mentors_per_month * 12 / 365, days)
    pool = generate_branch(settings.branch, mentees=len(mentee_days),
                           mentor_ratio=len(mentor_days) / max(len(mentee_days), 1), seed=settings.seed)
    mentors = pool.mentor_records()[:len(mentor_days)]
    if settings.rare_language:
        mentors = _make_rare(mentors, settings, random.Random(f"{settings.seed}:rare"))
    return Arrivals(list(zip(mentee_days, pool.mentee_records())), list(zip(mentor_days, mentors)))


def simulate(settings: Settings, policy: str, known: Arrivals | None = None) -> Outcome:
    """One policy over the settings' months: see POLICIES."""
    known = known or arrivals(settings)
    branch = Branch(settings)
    run = POLICIES[policy]
    days = round(settings.months * 365 / 12)
    mentees, mentors = list(known.mentees), list(known.mentors)
    for offset in range(days):
        today = START + timedelta(days=offset)
        branch.end_duos(today)
        branch.decide(today)
        while mentors and mentors[0][0] <= today:
            branch.mentor_joins(mentors.pop(0)[1], today)
        newcomers = []
        while mentees and mentees[0][0] <= today:
            newcomers.append(branch.mentee_registers(mentees.pop(0)[1], today))
        run(branch, today, newcomers)
    return Outcome(policy, settings, list(branch.mentees.values()), list(branch.mentors.values()),
                   branch.duo_scores, branch.proposals, branch.declines)


class Branch:
    """The branch's state as matching sees it, and what the coordinator decides."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.weights = Weights()
        self.mentees: dict[str, MenteeLife] = {}
        self.mentors: dict[str, MentorLife] = {}
        self.waiting: dict[str, MenteeLife] = {}  # no open proposal or duo
        self.pending: list[tuple[date, ScoredPair]] = []  # decision day, proposal
        self.duos: list[tuple[date, ScoredPair]] = []  # end day, duo
        self.declined: set[tuple[str, str]] = set()
        self.duo_scores: list[float] = []
        self.proposals = self.declines = 0

    def mentee_registers(self, record: dict[str, Any], today: date) -> MenteeLife:
        record = {**record, "registered_on": today.isoformat()}
        life = MenteeLife(mentee_from_facts(record), record)
        self.mentees[life.mentee.mentee_id] = self.waiting[life.mentee.mentee_id] = life
        return life

    def mentor_joins(self, record: dict[str, Any], today: date) -> None:
        mentor = mentor_from_facts(record, capacity=int(record["max_active_duos"]))
        self.mentors[mentor.mentor_id] = MentorLife(mentor, free_since=today)

    def free_mentors(self) -> list[Mentor]:
        return [replace(life.mentor, capacity=life.mentor.capacity - life.load)
                for life in self.mentors.values() if not life.left and life.load < life.mentor.capacity]

    def run_round(self, today: date, assign: Callable[..., list[ScoredPair]]) -> None:
        pairs = assign([life.mentee for life in self.waiting.values()], self.free_mentors(), self.weights,
                       self.settings.minimum_score, self.declined)
        for pair in pairs:
            self.propose(pair, today)

    def place(self, life: MenteeLife, today: date) -> None:
        if life.mentee.mentee_id in self.waiting:
            pair = place_newcomer(life.mentee, self.free_mentors(), self.weights, self.settings.minimum_score,
                                  self.declined)
            if pair is not None:
                self.propose(pair, today)

    def propose(self, pair: ScoredPair, today: date) -> None:
        life, mentor = self.waiting.pop(pair.mentee_id), self.mentors[pair.mentor_id]
        life.first_proposal = life.first_proposal or today
        mentor.load += 1
        if mentor.free_since is not None:
            mentor.waits.append((today - mentor.free_since).days)
        mentor.free_since = today if mentor.load < mentor.mentor.capacity else None
        self.proposals += 1
        self.pending.append((today + timedelta(days=self.settings.decision_days), pair))

    def decide(self, today: date) -> None:
        due = [p for day, p in self.pending if day <= today]
        self.pending = [(day, p) for day, p in self.pending if day > today]
        for pair in due:
            if _declines(self.settings, pair):
                self.declines += 1
                self.declined.add((pair.mentee_id, pair.mentor_id))
                self.waiting[pair.mentee_id] = self.mentees[pair.mentee_id]
                self._release(pair.mentor_id, today, stays=True)
            else:
                self.mentees[pair.mentee_id].duo_formed = today
                self.duo_scores.append(pair.score)
                self.duos.append((today + timedelta(days=DUO_DAYS), pair))

    def end_duos(self, today: date) -> None:
        ending = [p for day, p in self.duos if day <= today]
        self.duos = [(day, p) for day, p in self.duos if day > today]
        for pair in ending:
            # The mentee's path ends with the duo; most mentors come back for another.
            stays = random.Random(f"{self.settings.seed}:returns:{pair.mentor_id}:{today}").random() \
                < self.settings.mentor_return_rate
            self._release(pair.mentor_id, today, stays)

    def _release(self, mentor_id: str, today: date, stays: bool) -> None:
        life = self.mentors[mentor_id]
        life.load -= 1
        if not stays:
            life.left = True
            life.free_since = None
        elif life.free_since is None:
            life.free_since = today


def _declines(settings: Settings, pair: ScoredPair) -> bool:
    """The same pair gets the same answer under every policy."""
    return random.Random(f"{settings.seed}:declines:{pair.mentee_id}:{pair.mentor_id}").random() < settings.decline_rate


def _weekly(assign: Callable[..., list[ScoredPair]], weekdays: Sequence[int], place: bool = False) -> Policy:
    def policy(branch: Branch, today: date, newcomers: list[MenteeLife]) -> None:
        if place:
            for life in newcomers:
                branch.place(life, today)
        if today.weekday() in weekdays:
            branch.run_round(today, assign)
    return policy


POLICIES: dict[str, Policy] = {
    "weekly round": _weekly(propose_round, (0,)),
    "two rounds a week": _weekly(propose_round, (0, 3)),
    "newcomer placement + weekly round": _weekly(propose_round, (0,), place=True),
    "weekly greedy round": _weekly(greedy_round, (0,)),
}


def _poisson_days(rng: random.Random, per_day: float, days: int) -> list[date]:
    found = []
    for offset in range(days):
        # Knuth's method: rates here are a few a day at most.
        limit, k, product = math.exp(-per_day), 0, rng.random()
        while product > limit:
            k += 1
            product *= rng.random()
        found += [START + timedelta(days=offset)] * k
    return found


def _make_rare(records: list[dict[str, Any]], settings: Settings, rng: random.Random) -> list[dict[str, Any]]:
    """Keep only `rare_language_share` of the mentors who speak the rare language as speakers of it;
    the others speak the branch's main working language instead (so nobody is left without one)."""
    fallback = "nl" if settings.rare_language == "fr" else "fr"
    changed = []
    for record in records:
        languages = record["languages"]
        if any(lang["code"] == settings.rare_language for lang in languages) and rng.random() >= settings.rare_language_share:
            kept = [lang for lang in languages if lang["code"] != settings.rare_language]
            if not any(lang["code"] == fallback for lang in kept):
                kept.append({"code": fallback, "level": "native"})
            record = {**record, "languages": kept}
        changed.append(record)
    return changed


# --- figures -------------------------------------------------------------------------------------

def days_between(start: date, end: date | None) -> float:
    return math.inf if end is None else (end - start).days


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile; inf (never, within the run) counts as the longest wait."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def observable(outcome: Outcome, window: int = 30) -> list[MenteeLife]:
    """Mentees registered at least `window` days before the end: each had the whole window."""
    return [m for m in outcome.mentees if (outcome.end - m.mentee.registered_on).days >= window]


def figures(outcome: Outcome) -> dict[str, float]:
    seen = observable(outcome)
    to_proposal = [days_between(m.mentee.registered_on, m.first_proposal) for m in seen]
    to_duo = [days_between(m.mentee.registered_on, m.duo_formed) for m in seen]
    mentor_waits = [w for life in outcome.mentors for w in life.waits]
    return {
        "mentees": len(seen),
        "proposal_median": percentile(to_proposal, 50), "proposal_p90": percentile(to_proposal, 90),
        "duo_median": percentile(to_duo, 50), "duo_p90": percentile(to_duo, 90),
        "within_15": sum(d <= 15 for d in to_duo) / len(seen) if seen else math.nan,
        "within_30": sum(d <= 30 for d in to_duo) / len(seen) if seen else math.nan,
        "mentor_wait_median": percentile(mentor_waits, 50), "mentor_wait_p90": percentile(mentor_waits, 90),
        "mentors_idle_at_end": sum(1 for life in outcome.mentors if not life.left and life.load == 0),
        "duo_score_mean": statistics.fmean(outcome.duo_scores) if outcome.duo_scores else math.nan,
        "duos": len(outcome.duo_scores), "proposals": outcome.proposals, "declines": outcome.declines,
    }
