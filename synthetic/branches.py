"""Synthetic branches shaped like the real ones: regional postcodes, the languages young
newcomers and volunteer mentors actually bring, sectors, weekly availability, support wishes.

Records look like matching's pool documents and also carry protected attributes (nationality,
origin, religion, gender, name, birth date) so tests can show that scoring ignores them.
The same (branch, seed) always gives the same data.
"""
from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from services.matching.domain.candidates import Mentee, Mentor, mentee_from_facts, mentor_from_facts
from shared.vocabulary import SLOTS, age_band, postcode_area

REFERENCE_DAY = date(2025, 3, 1)  # fixed, so output does not depend on when it runs


@dataclass(frozen=True)
class BranchProfile:
    country: str
    areas: dict[str, int]  # area prefix -> weight (share of residents)
    working: dict[str, int]  # working language -> weight


BRANCHES = {
    "brussels": BranchProfile("BE", {"10": 5, "11": 3, "12": 2}, {"fr": 4, "nl": 1}),
    "antwerp": BranchProfile("BE", {"20": 6, "21": 4, "22": 1, "23": 1, "24": 1, "25": 1, "26": 2,
                                    "28": 2, "29": 1}, {"nl": 1}),
    "liege": BranchProfile("BE", {"40": 6, "41": 2, "42": 1, "43": 1, "44": 1, "45": 1, "46": 1,
                                  "48": 2, "49": 1}, {"fr": 1}),
    "paris": BranchProfile("FR", {"75": 4, "93": 4, "92": 2, "94": 2, "95": 2, "91": 1, "77": 1,
                                  "78": 1}, {"fr": 1}),
    "lille": BranchProfile("FR", {"59": 4, "62": 1}, {"fr": 1}),
    "marseille": BranchProfile("FR", {"13": 5, "83": 1, "84": 1}, {"fr": 1}),
    "lyon": BranchProfile("FR", {"69": 5, "01": 1, "38": 2, "42": 1}, {"fr": 1}),
    "rotterdam": BranchProfile("NL", {"30": 3, "31": 2}, {"nl": 1}),
    "amsterdam": BranchProfile("NL", {"10": 3, "11": 2}, {"nl": 1}),
}

# Mother tongue -> (weight, countries of origin). Origins are protected: they only go into the
# record, never into a candidate.
MENTEE_LANGUAGES = {
    "ar": (22, ("Syria", "Morocco", "Sudan", "Iraq", "Algeria", "Yemen")), "prs": (10, ("Afghanistan",)),
    "ps": (7, ("Afghanistan",)), "ti": (9, ("Eritrea",)), "so": (6, ("Somalia",)), "tr": (8, ("Turkey",)),
    "uk": (10, ("Ukraine",)), "fa": (4, ("Iran",)), "ku": (4, ("Iraq", "Syria", "Turkey")),
    "am": (3, ("Ethiopia",)), "ber": (3, ("Morocco", "Algeria")), "ln": (3, ("DR Congo",)),
    "ff": (2, ("Guinea",)), "wo": (2, ("Senegal",)), "bm": (2, ("Mali",)), "ru": (3, ("Russia", "Georgia")),
    "es": (2, ("Venezuela", "Colombia")), "pt": (2, ("Brazil", "Angola")), "ur": (2, ("Pakistan",)),
    "bn": (1, ("Bangladesh",)), "sq": (2, ("Albania",)), "sw": (1, ("Burundi",)), "om": (1, ("Ethiopia",)),
}
# Where French is taught at school: these mentees tend to speak it better.
FRANCOPHONE_ORIGINS = {"ln", "wo", "ff", "bm", "ber"}
SECOND_LANGUAGE = {"uk": ("ru", 0.7), "ti": ("am", 0.3), "so": ("ar", 0.3), "ber": ("ar", 0.6), "ku": ("ar", 0.4),
                   "prs": ("fa", 0.5), "ps": ("prs", 0.4), "om": ("am", 0.5)}

MENTEE_SECTORS = {"logistics": 10, "construction": 9, "healthcare": 10, "hospitality": 10, "retail": 9, "it": 7,
                  "administration": 6, "education": 4, "engineering": 4, "finance": 2, "cleaning": 6,
                  "transport": 8, "manufacturing": 6, "social_work": 5, "agriculture": 2}
# Mentors are 50+ with long careers: more office, teaching and engineering, less cleaning.
MENTOR_SECTORS = {"logistics": 6, "construction": 6, "healthcare": 9, "hospitality": 4, "retail": 6, "it": 6,
                  "administration": 11, "education": 10, "engineering": 9, "finance": 8, "cleaning": 1,
                  "transport": 5, "manufacturing": 7, "social_work": 7, "agriculture": 2}
SUPPORT_WEIGHTS = {"cv_and_letters": 5, "interview_practice": 5, "professional_network": 3,
                   "language_practice": 4, "job_search_strategy": 4, "digital_skills": 2, "workplace_culture": 2}
NATIONALITY = {"BE": "Belgian", "FR": "French", "NL": "Dutch"}
OTHER_NATIONALITIES = ("Moroccan", "Turkish", "Italian", "Spanish", "Portuguese")
RELIGIONS = ("none", "islam", "christianity", "judaism", "buddhism", "hinduism", "undisclosed")
GENDERS = ("female", "male", "non-binary")
GIVEN_NAMES = ("Amal", "Yonas", "Sara", "Ahmad", "Olena", "Karim", "Fatima", "Idris", "Nour", "Luc", "Anne",
               "Marc", "Els", "Jan", "Sophie", "Pierre", "Hanna", "Dirk", "Martine", "Omar", "Mariam", "Ali")


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _sample(rng: random.Random, weights: dict[str, float], k: int) -> list[str]:
    """k distinct items drawn with probability proportional to weight."""
    pool, chosen = dict(weights), []
    for _ in range(min(k, len(pool))):
        item = _pick(rng, pool)
        chosen.append(item)
        del pool[item]
    return chosen


# Relative chance of a slot being free: (weekday am/pm, weekday eve, weekend am/pm, weekend eve).
_WORKING_SLOTS = (0.3, 4.0, 2.5, 1.0)
_DAYTIME_SLOTS = (3.0, 1.0, 0.8, 0.8)


def _slot_weights(working: bool) -> dict[str, float]:
    """Mentors still in work are free in the evening and at weekends; others mostly in daytime."""
    table = _WORKING_SLOTS if working else _DAYTIME_SLOTS
    return {slot: table[2 * slot.startswith(("sat", "sun")) + slot.endswith("-eve")] for slot in SLOTS}


def _postcode(rng: random.Random, country: str, prefix: str) -> str:
    if country == "BE":
        return prefix + f"{rng.randrange(100):02d}"
    if country == "FR":
        return prefix + f"{rng.randrange(1000):03d}"
    return prefix + f"{rng.randrange(100):02d} " + "".join(rng.choice("ABCDEGHJKLMNPRTVWXZ") for _ in range(2))


def _birth_date(rng: random.Random, youngest: int, oldest: int) -> date:
    return REFERENCE_DAY - timedelta(days=rng.randint(youngest * 365 + 5, oldest * 365 + 360))


def _mentee_record(rng: random.Random, branch: str, profile: BranchProfile, number: int) -> dict[str, Any]:
    mother = _pick(rng, {code: w for code, (w, _) in MENTEE_LANGUAGES.items()})
    languages = {mother: "native"}
    second = SECOND_LANGUAGE.get(mother)
    if second and rng.random() < second[1]:
        languages[second[0]] = _pick(rng, {"B1": 2, "B2": 3, "C1": 2, "native": 1})
    if rng.random() < 0.35:
        languages.setdefault("en", _pick(rng, {"A2": 3, "B1": 4, "B2": 2}))
    working = _pick(rng, profile.working)
    fluent = working == "fr" and mother in FRANCOPHONE_ORIGINS
    languages[working] = _pick(rng, {"B1": 2, "B2": 4, "C1": 3} if fluent else {"A2": 2, "B1": 3.5, "B2": 3, "C1": 1.5})
    birth = _birth_date(rng, 18, 33)
    return {
        "_id": f"{branch}-mentee-{number:05d}",
        "role": "mentee",
        "status": "waiting",
        "branch": branch,
        "registered_on": (REFERENCE_DAY - timedelta(days=rng.randrange(120))).isoformat(),
        "languages": [{"code": c, "level": lvl} for c, lvl in languages.items()],
        "sectors": _sample(rng, MENTEE_SECTORS, rng.choices((1, 2, 3), weights=(50, 35, 15))[0]),
        "postcode_area": postcode_area(profile.country, _postcode(rng, profile.country, _pick(rng, profile.areas))),
        "availability": _sample(rng, _slot_weights(working=False), rng.randint(2, 8)),
        "support_wanted": _sample(rng, SUPPORT_WEIGHTS, rng.choices((0, 1, 2, 3), weights=(20, 35, 30, 15))[0]),
        "education_level": _pick(rng, {"primary": 1, "secondary": 4, "vocational": 3, "bachelor": 2, "master": 1}),
        "age_band": age_band(birth, REFERENCE_DAY),
        # Protected characteristics: present in the record, absent from every score.
        "birth_date": birth.isoformat(),
        "nationality": rng.choice(MENTEE_LANGUAGES[mother][1]),
        "origin": rng.choice(MENTEE_LANGUAGES[mother][1]),
        "religion": rng.choice(RELIGIONS),
        "gender": rng.choice(GENDERS),
        "name": rng.choice(GIVEN_NAMES),
    }


def _mentor_record(rng: random.Random, branch: str, profile: BranchProfile, number: int) -> dict[str, Any]:
    working = _pick(rng, profile.working)
    languages = {working: "native" if rng.random() < 0.9 else _pick(rng, {"C1": 2, "C2": 1})}
    for other in profile.working:  # Brussels mentors often speak the other working language too
        if other != working and rng.random() < 0.45:
            languages[other] = _pick(rng, {"B1": 2, "B2": 2, "C1": 1})
    for code, chance, levels in (("en", 0.4, {"B1": 2, "B2": 3, "C1": 2}), ("de", 0.1, {"B1": 2, "B2": 1}),
                                 ("es", 0.08, {"B1": 2, "B2": 1, "C1": 1}), ("ar", 0.06, {"B2": 1, "native": 2}),
                                 ("tr", 0.03, {"B2": 1, "native": 2}), ("it", 0.04, {"B2": 1, "native": 1})):
        if code not in languages and rng.random() < chance:
            languages[code] = _pick(rng, levels)
    sectors = _sample(rng, MENTOR_SECTORS, rng.choices((1, 2, 3), weights=(45, 40, 15))[0])
    experience = [{"sector": s, "years": rng.randint(10, 40) if k == 0 else rng.randint(2, 15)}
                  for k, s in enumerate(sectors)]
    birth = _birth_date(rng, 50, 75)
    still_working = (REFERENCE_DAY - birth).days < 65 * 365 and rng.random() < 0.7
    capacity = 2 if rng.random() < 0.15 else 1
    return {
        "_id": f"{branch}-mentor-{number:05d}",
        "role": "mentor",
        "status": "active",
        "trained": True,
        "branch": branch,
        "registered_on": (REFERENCE_DAY - timedelta(days=rng.randrange(30, 720))).isoformat(),
        "languages": [{"code": c, "level": lvl} for c, lvl in languages.items()],
        "experience": experience,
        "postcode_area": postcode_area(profile.country, _postcode(rng, profile.country, _pick(rng, profile.areas))),
        "availability": _sample(rng, _slot_weights(working=still_working), rng.randint(2, 8)),
        "support_offered": _sample(rng, SUPPORT_WEIGHTS, rng.randint(2, 5)),
        "max_active_duos": capacity,
        "age_band": age_band(birth, REFERENCE_DAY),
        "birth_date": birth.isoformat(),
        "nationality": NATIONALITY[profile.country] if rng.random() < 0.9 else rng.choice(OTHER_NATIONALITIES),
        "religion": rng.choice(RELIGIONS),
        "gender": rng.choice(GENDERS[:2]),
        "name": rng.choice(GIVEN_NAMES),
    }


@dataclass(frozen=True)
class SyntheticBranch:
    branch: str
    country: str
    _mentee_records: tuple[dict[str, Any], ...] = field(repr=False)
    _mentor_records: tuple[dict[str, Any], ...] = field(repr=False)
    mentees: list[Mentee] = field(init=False, repr=False)
    mentors: list[Mentor] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mentees", [mentee_from_facts(r) for r in self._mentee_records])
        object.__setattr__(self, "mentors", [mentor_from_facts(r, capacity=r["max_active_duos"])
                                             for r in self._mentor_records])

    def mentee_records(self) -> list[dict[str, Any]]:
        """Fresh copies: a test may change them without touching the branch."""
        return copy.deepcopy(list(self._mentee_records))

    def mentor_records(self) -> list[dict[str, Any]]:
        return copy.deepcopy(list(self._mentor_records))


def generate_branch(branch: str = "brussels", mentees: int = 500, mentor_ratio: float = 0.6,
                    seed: int = 0) -> SyntheticBranch:
    if branch not in BRANCHES:
        raise ValueError(f"no synthetic profile for branch {branch!r}; known: {', '.join(sorted(BRANCHES))}")
    if mentees < 0 or mentor_ratio < 0:
        raise ValueError("the number of mentees and the mentor ratio cannot be negative")
    profile = BRANCHES[branch]
    # Separate streams, so asking for more mentors does not change the mentees.
    mentee_rng = random.Random(f"{branch}:{seed}:mentees")
    mentor_rng = random.Random(f"{branch}:{seed}:mentors")
    mentee_records = tuple(_mentee_record(mentee_rng, branch, profile, i + 1) for i in range(mentees))
    mentor_records = tuple(_mentor_record(mentor_rng, branch, profile, i + 1)
                           for i in range(round(mentees * mentor_ratio)))
    return SyntheticBranch(branch, profile.country, mentee_records, mentor_records)

