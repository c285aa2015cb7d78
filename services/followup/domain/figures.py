"""The programme's figures for a branch (or all) and a period, from recorded facts only.

Funders pay on these numbers, so they are exact (integer counts, Fraction rates; rounding only
when presented), reproducible (the same facts in any order give the same figures) and
explained: each figure carries its definition, versioned by DEFINITIONS_VERSION.

Conventions shared by every definition:
- A duo is active on day d when started_on <= d and either it has not ended or d <= ended_on
  (its last day counts). It is active in a period when that holds for at least one day.
- A person's "first duo" is their earliest duo (by start date, then duo id) in all branches;
  figures about first duos count in the branch of that first duo, so branches add up.
- Outcomes count whenever they were recorded: a rate may rise as follow-up outcomes arrive.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Callable, Iterable

from services.followup.domain.duo import POSITIVE_OUTCOMES, Duo, DuoStatus, OutcomeKind
from services.followup.domain.rules import add_months
from shared.rules import RuleBroken

DEFINITIONS_VERSION = "2026.1"
EMPLOYMENT_HORIZON_MONTHS = 12
NO_DENOMINATOR = "None: this figure is a count."


@dataclass(frozen=True)
class Definition:
    name: str
    numerator: str
    denominator: str
    notes: str
    unit: str = "rate"  # "people", "mentors", "duos", "days" or "rate": how to present the value


def _definitions(*items: Definition) -> dict[str, Definition]:
    return {d.name: d for d in items}


DEFINITIONS: dict[str, Definition] = _definitions(
    Definition("young_people_supported", "Distinct mentees with a duo active on at least one day of the period.",
               NO_DENOMINATOR, "A count. A mentee with two duos in the period counts once.", "people"),
    Definition("trained_mentors", "Distinct mentors of the branch whose initial training is recorded as "
               "completed on or before the period's last day.", NO_DENOMINATOR,
               "A count, cumulative: it includes mentors trained before the period.", "mentors"),
    Definition("active_mentors", "Distinct mentors with a duo active on at least one day of the period.",
               NO_DENOMINATOR,
               "A count. A mentor with two duos in the period counts once.", "mentors"),
    Definition("active_duos", "Duos active on the period's last day.", NO_DENOMINATOR,
               "A count. A duo ending on that day still counts.", "duos"),
    Definition("days_registration_to_match_median", "Median of the days from the mentee's registration to "
               "the start of their first duo.", "Mentees whose first duo started in the period and whose "
               "registration is recorded.", "Rematches are left out: they measure a second wait, not the "
               "newcomer's. A half day appears when the count is even.", "days"),
    Definition("days_registration_to_match_mean", "Sum of the days from the mentee's registration to the start "
               "of their first duo.", "Mentees whose first duo started in the period and whose registration "
               "is recorded.", "Rematches are left out, as for the median.", "days"),
    Definition("completion_rate", "Of those duos: completed ones, plus those ended early because the mentee "
               "found a job.", "Duos whose planned end (start + 6 months) falls in the period.",
               "Finding a job early is the programme's aim reached, so it counts as reaching the end. A duo "
               "still open after its planned end counts as not completed until it is closed."),
    Definition("positive_outcome_rate", "Of those mentees: those with a job, work placement or training "
               "recorded as the end or follow-up outcome of such a duo.",
               "Distinct mentees with a duo that ended (completed or early) in the period.",
               "A mentee with no outcome recorded counts as no positive outcome."),
    Definition("verified_positive_outcome_rate", "Of those mentees: those with a positive outcome (as above) "
               "whose proof was verified by a named person on a recorded date.",
               "Distinct mentees with a duo that ended (completed or early) in the period.",
               "The figure an outcome-based funder can audit; self-declared, unverified outcomes do not count."),
    Definition("employment_rate", "Of those mentees: those with a job outcome (any duo, end or follow-up) "
               "achieved within 12 months of their first duo's start.",
               "Distinct mentees whose first duo's start + 12 months falls in the period.",
               "Each mentee is counted once, in the period where their 12 months run out, so every cohort "
               "has had the full 12 months to find a job."),
    Definition("mentor_repeat_rate", "Of those mentors: those who started a second duo on or before the "
               "period's last day.", "Distinct mentors whose first duo ended on or before the period's last day.",
               "Cumulative up to the period's end; a second duo may run alongside the first or in another "
               "branch."),
)


@dataclass(frozen=True)
class ParticipantFact:
    participant_id: str
    branch: str
    role: str  # "mentee" or "mentor"
    registered_on: date
    trained_on: date | None = None


def percent(value: Fraction) -> float:
    """A rate as a percentage, rounded half-even to 1 decimal (round() on a Fraction is exact)."""
    return round(value * 1000) / 10


@dataclass(frozen=True)
class Figure:
    name: str
    numerator: int | None
    denominator: int | None
    value: Fraction | int | None
    definition: Definition

    def as_dict(self) -> dict[str, object]:
        shown: dict[str, object] = {"numerator": self.numerator, "denominator": self.denominator,
                                    "unit": self.definition.unit}
        exact = isinstance(self.value, Fraction)
        shown["value"] = f"{self.value.numerator}/{self.value.denominator}" if exact else self.value
        if self.definition.unit == "rate":
            shown["percent"] = percent(self.value) if exact else None
        elif self.definition.unit == "days":
            shown["rounded"] = round(self.value * 10) / 10 if exact else None
        return shown


@dataclass(frozen=True)
class Figures:
    branch: str | None
    period_start: date
    period_end: date
    definitions_version: str
    figures: dict[str, Figure]

    def as_dict(self) -> dict[str, object]:
        return {"branch": self.branch, "period_start": self.period_start.isoformat(),
                "period_end": self.period_end.isoformat(), "definitions_version": self.definitions_version,
                "figures": {name: figure.as_dict() for name, figure in self.figures.items()},
                "definitions": {name: {"numerator": d.numerator, "denominator": d.denominator, "notes": d.notes}
                                for name, d in DEFINITIONS.items()}}


InPeriod = Callable[[date | None], bool]


def _count(name: str, value: int) -> Figure:
    return Figure(name, None, None, value, DEFINITIONS[name])


def _rate(name: str, numerator: int, denominator: int) -> Figure:
    value = Fraction(numerator, denominator) if denominator else None
    return Figure(name, numerator, denominator, value, DEFINITIONS[name])


def _median(values: list[int]) -> Fraction | None:
    if not values:
        return None
    ordered, middle = sorted(values), len(values) // 2
    if len(ordered) % 2:
        return Fraction(ordered[middle])
    return Fraction(ordered[middle - 1] + ordered[middle], 2)


def _active_between(duo: Duo, start: date, end: date) -> bool:
    return duo.started_on <= end and (duo.ended_on is None or duo.ended_on >= start)


def _first_duos(duos: list[Duo], person: str) -> dict[str, Duo]:
    """Each mentee's (or mentor's) earliest duo; ties broken by duo id so input order never matters."""
    first: dict[str, Duo] = {}
    for duo in sorted(duos, key=lambda d: (d.started_on, d.duo_id)):
        first.setdefault(getattr(duo, person), duo)
    return first


def _unique_duos(duos: Iterable[Duo]) -> list[Duo]:
    by_id: dict[str, Duo] = {}
    for duo in duos:
        if by_id.setdefault(duo.duo_id, duo) != duo:
            raise RuleBroken.single("figures.duo_conflict", f"Duo {duo.duo_id} appears twice with different facts.")
    return sorted(by_id.values(), key=lambda d: d.duo_id)


def compute_figures(participants: Iterable[ParticipantFact], duos: Iterable[Duo], branch: str | None,
                    period_start: date, period_end: date) -> Figures:
    if period_end < period_start:
        raise RuleBroken.single("figures.period_reversed", "The period ends before it starts.", "period_end")
    people = list(participants)
    every_duo = _unique_duos(duos)

    def here(item_branch: str) -> bool:
        return branch is None or item_branch == branch

    def in_period(day: date | None) -> bool:
        return day is not None and period_start <= day <= period_end

    mine = [d for d in every_duo if here(d.branch)]
    active = [d for d in mine if _active_between(d, period_start, period_end)]
    first_of_mentee = {m: d for m, d in _first_duos(every_duo, "mentee_id").items() if here(d.branch)}
    first_of_mentor = {m: d for m, d in _first_duos(every_duo, "mentor_id").items() if here(d.branch)}

    figures = [
        _count("young_people_supported", len({d.mentee_id for d in active})),
        _count("trained_mentors", len({p.participant_id for p in people if p.role == "mentor" and here(p.branch)
                                       and p.trained_on is not None and p.trained_on <= period_end})),
        _count("active_mentors", len({d.mentor_id for d in active})),
        _count("active_duos", sum(1 for d in mine if _active_between(d, period_end, period_end))),
        *_waiting_figures(people, first_of_mentee, in_period),
        _completion(mine, in_period),
        *_outcome_figures(mine, in_period),
        _employment(every_duo, first_of_mentee, in_period),
        _mentor_repeat(every_duo, first_of_mentor, period_end),
    ]
    return Figures(branch, period_start, period_end, DEFINITIONS_VERSION, {f.name: f for f in figures})


def _waiting_figures(people: list[ParticipantFact], first_of_mentee: dict[str, Duo],
                     in_period: InPeriod) -> list[Figure]:
    registered: dict[str, date] = {}
    for p in people:
        if p.role == "mentee":  # duplicates resolve to the earliest registration, whatever their order
            registered[p.participant_id] = min(p.registered_on, registered.get(p.participant_id, p.registered_on))
    waits = [(duo.started_on - registered[mentee]).days for mentee, duo in first_of_mentee.items()
             if in_period(duo.started_on) and mentee in registered]
    median = _median(waits)
    mean = Fraction(sum(waits), len(waits)) if waits else None
    return [Figure("days_registration_to_match_median", None, len(waits), median,
                   DEFINITIONS["days_registration_to_match_median"]),
            Figure("days_registration_to_match_mean", sum(waits), len(waits), mean,
                   DEFINITIONS["days_registration_to_match_mean"])]


def _completion(mine: list[Duo], in_period: InPeriod) -> Figure:
    due = [d for d in mine if in_period(d.planned_end_on)]
    reached = [d for d in due if d.status == DuoStatus.COMPLETED
               or (d.status == DuoStatus.ENDED_EARLY and d.end_reason == "mentee_found_job")]
    return _rate("completion_rate", len(reached), len(due))


def _outcome_figures(mine: list[Duo], in_period: InPeriod) -> list[Figure]:
    ended = [d for d in mine if in_period(d.ended_on)]
    mentees = {d.mentee_id for d in ended}
    positive = {d.mentee_id for d in ended if any(o.kind in POSITIVE_OUTCOMES for o in d.outcomes)}
    verified = {d.mentee_id for d in ended
                if any(o.kind in POSITIVE_OUTCOMES and o.verified_on is not None for o in d.outcomes)}
    return [_rate("positive_outcome_rate", len(positive), len(mentees)),
            _rate("verified_positive_outcome_rate", len(verified), len(mentees))]


def _employment(every_duo: list[Duo], first_of_mentee: dict[str, Duo], in_period: InPeriod) -> Figure:
    horizon = {m: (d.started_on, add_months(d.started_on, EMPLOYMENT_HORIZON_MONTHS))
               for m, d in first_of_mentee.items()}
    cohort = {m for m, (_, until) in horizon.items() if in_period(until)}
    employed = {d.mentee_id for d in every_duo if d.mentee_id in cohort
                for o in d.outcomes if o.kind == OutcomeKind.JOB
                and horizon[d.mentee_id][0] <= o.achieved_on <= horizon[d.mentee_id][1]}
    return _rate("employment_rate", len(employed), len(cohort))


def _mentor_repeat(every_duo: list[Duo], first_of_mentor: dict[str, Duo], period_end: date) -> Figure:
    cohort = {m for m, d in first_of_mentor.items() if d.ended_on is not None and d.ended_on <= period_end}
    repeated = {d.mentor_id for d in every_duo if d.mentor_id in cohort
                and d.duo_id != first_of_mentor[d.mentor_id].duo_id and d.started_on <= period_end}
    return _rate("mentor_repeat_rate", len(repeated), len(cohort))
