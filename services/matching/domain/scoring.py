"""How well a mentor suits a mentee: five components, each 0..1, weighted to a 0..100 score.

Every score comes with its breakdown (points per component) and reasons in plain English, so
a coordinator can see why a pair was proposed. Only SCORED_ATTRIBUTES reach this module.

Components:
- sector: the mentor's years in a sector the mentee targets, min(years, 20) / 20 for the best
  such sector: two decades saturate, fewer years earn partial credit, no overlap earns 0;
- language: 1 when they share a language both speak at B1 or above, else 0. The brief also
  asked for partial credit at lower levels, but it says a duo with no shared language at B1+
  must score 0, and that rule wins: below B1 on one side a language cannot carry a weekly
  conversation, so it is only named in the reasons;
- distance: 1 at 0 km, falling linearly to 0 at 60 km (about an hour by public transport);
- availability: min(shared weekly slots, 2) / 2; two shared slots leave room to reschedule
  the 2-hour weekly meeting, so more do not count;
- preferences: the share of the support the mentee asks for that the mentor offers; 1 when
  the mentee asks for nothing specific.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

from services.matching.domain.candidates import Mentee, Mentor
from shared.rules import Refusal, RuleBroken
from shared.vocabulary import (
    CEFR_LEVELS, SLOTS, SUPPORT_LABELS, area_distance_km, known_area, language_name, level_rank,
)

COMPONENTS = ("sector", "language", "distance", "availability", "preferences")
SECTOR_SATURATION_YEARS = 20
CONVERSATION_LEVEL = level_rank("B1")
DISTANCE_LIMIT_KM = 60.0
ENOUGH_SLOTS = 2


@dataclass(frozen=True)
class Weights:
    sector: float = 35
    language: float = 25
    distance: float = 15
    availability: float = 15
    preferences: float = 10

    def __post_init__(self) -> None:
        refusals = [Refusal("matching.weights", f"The weight of {f.name} cannot be negative.", f.name)
                    for f in fields(self) if getattr(self, f.name) < 0]
        if not refusals and sum(getattr(self, f.name) for f in fields(self)) <= 0:
            refusals.append(Refusal("matching.weights", "At least one weight must be above zero."))
        if refusals:
            raise RuleBroken(*refusals)

    def points(self) -> dict[str, float]:
        """Points each component is worth at full fit; they add up to 100."""
        total = sum(getattr(self, name) for name in COMPONENTS)
        return {name: getattr(self, name) * 100 / total for name in COMPONENTS}


@dataclass(frozen=True)
class ScoredPair:
    mentee_id: str
    mentor_id: str
    score: float  # 0..100, one decimal
    breakdown: dict[str, float] = field(hash=False)  # points per component
    reasons: tuple[str, ...]


def round_score(value: float) -> float:
    """Half-up to one decimal; score_matrix applies the same arithmetic, so both agree."""
    return math.floor(value * 10 + 0.5) / 10


def component_fits(mentee: Mentee, mentor: Mentor) -> dict[str, tuple[float, str]]:
    """Each component's fit (0..1) with its reason in words."""
    return {
        "sector": _sector(mentee, mentor),
        "language": _language(mentee, mentor),
        "distance": _distance(mentee, mentor),
        "availability": _availability(mentee, mentor),
        "preferences": _preferences(mentee, mentor),
    }


def score_pair(mentee: Mentee, mentor: Mentor, weights: Weights) -> ScoredPair:
    fits = component_fits(mentee, mentor)
    points = weights.points()
    total = 0.0
    for name in COMPONENTS:  # fixed order: score_matrix adds in the same order
        total += points[name] * fits[name][0]
    return ScoredPair(
        mentee_id=mentee.mentee_id,
        mentor_id=mentor.mentor_id,
        score=round_score(total),
        breakdown={name: round(points[name] * fits[name][0], 2) for name in COMPONENTS},
        reasons=tuple(fits[name][1] for name in COMPONENTS),
    )


# --- the components, one pair at a time, each with its reason ------------------------------

def sector_label(sector: str) -> str:
    return "IT" if sector == "it" else sector.replace("_", " ")


def sector_fit(years: float) -> float:
    return min(years, SECTOR_SATURATION_YEARS) / SECTOR_SATURATION_YEARS


def distance_fit(km: float) -> float:
    return max(0.0, 1 - km / DISTANCE_LIMIT_KM)


def _sector(mentee: Mentee, mentor: Mentor) -> tuple[float, str]:
    shared = [s for s in mentee.sectors if s in mentor.experience]
    if not shared:
        targets = ", ".join(sector_label(s) for s in mentee.sectors) or "none given"
        return 0.0, f"no experience in the sectors targeted ({targets})"
    best = max(shared, key=lambda s: (mentor.experience[s], -mentee.sectors.index(s)))
    years = mentor.experience[best]
    unit = "year" if years == 1 else "years"
    return sector_fit(years), f"{years} {unit} in {sector_label(best)}; targets {sector_label(best)}"


_CONVERSATIONAL = frozenset(level for level in CEFR_LEVELS if level_rank(level) >= CONVERSATION_LEVEL)


def conversation_languages(person: Mentee | Mentor) -> set[str]:
    """Languages spoken at B1 or above: enough to carry a weekly conversation."""
    return {code for code, level in person.languages.items() if level in _CONVERSATIONAL}


def _language(mentee: Mentee, mentor: Mentor) -> tuple[float, str]:
    shared = sorted(set(mentee.languages) & set(mentor.languages))

    def levels(code: str) -> str:
        return f"{mentee.languages[code]} and {mentor.languages[code]}"

    def weaker(code: str) -> int:
        return min(level_rank(mentee.languages[code]), level_rank(mentor.languages[code]))

    usable = sorted((c for c in shared if weaker(c) >= CONVERSATION_LEVEL),
                    key=lambda c: (-weaker(c), -level_rank(mentor.languages[c]), c))
    if not usable:
        if shared:
            named = ", ".join(f"{language_name(c)} only at {levels(c)}" for c in shared)
            return 0.0, f"no shared language at B1 or above ({named})"
        return 0.0, "no shared language at B1 or above"
    best, others = usable[0], usable[1:]
    reason = f"both speak {language_name(best)} ({levels(best)})"
    if others:
        reason += "; also " + ", ".join(f"{language_name(c)} ({levels(c)})" for c in others)
    return 1.0, reason


def _distance(mentee: Mentee, mentor: Mentor) -> tuple[float, str]:
    a, b = mentee.postcode_area, mentor.postcode_area
    km = area_distance_km(a, b)
    if a == b:
        return distance_fit(km), f"both in {a}"
    if not (known_area(a) and known_area(b)):
        return distance_fit(km), f"distance between {a} and {b} unknown, counted as far"
    about = "less than 1 km" if km < 0.5 else f"about {round(km)} km"
    reason = f"{about} apart ({a} and {b})"
    if km >= DISTANCE_LIMIT_KM:
        reason += ", too far for a weekly meeting"
    return distance_fit(km), reason


def _availability(mentee: Mentee, mentor: Mentor) -> tuple[float, str]:
    shared = sorted(mentee.availability & mentor.availability, key=SLOTS.index)
    fit = min(len(shared), ENOUGH_SLOTS) / ENOUGH_SLOTS
    if not shared:
        return fit, "no weekly slot in common"
    unit = "slot" if len(shared) == 1 else "slots"
    return fit, f"{len(shared)} weekly {unit} in common ({', '.join(shared)})"


def _support_label(kind: str) -> str:
    return SUPPORT_LABELS.get(kind, kind.replace("_", " "))


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _preferences(mentee: Mentee, mentor: Mentor) -> tuple[float, str]:
    wanted = sorted(mentee.support_wanted)
    if not wanted:
        return 1.0, "no specific support asked for"
    offered = [_support_label(k) for k in wanted if k in mentor.support_offered]
    missing = [_support_label(k) for k in wanted if k not in mentor.support_offered]
    parts = []
    if offered:
        parts.append(f"offers {_and(offered)}, as asked")
    if missing:
        parts.append(f"does not offer {_and(missing)}, which was asked")
    return len(offered) / len(wanted), "; ".join(parts)
