"""Who may join: every rule a coordinator would check, each refusal in words they can pass on."""
from __future__ import annotations

from datetime import date

from shared.rules import Refusal
from shared.vocabulary import LANGUAGE_NAMES, age_on, level_rank, postcode_area
from services.intake.domain.branches import BranchRules
from services.intake.domain.applications import Language, MenteeApplication, MentorApplication, Person

MIGRATION_BACKGROUNDS = frozenset({"self", "parent", "grandparent"})
OLDEST_PLAUSIBLE_AGE = 110  # a birth date further back is a typing error, not a person


def check_mentee(application: MenteeApplication, rules: BranchRules, registered_on: date) -> list[Refusal]:
    refusals = _common(application, rules, registered_on, rules.mentee_min_level)
    age = _age(refusals, application, registered_on)
    if age is not None and not rules.mentee_min_age <= age <= rules.mentee_max_age:
        refusals.append(Refusal("mentee.age_range",
                                f"Mentees are {rules.mentee_min_age} to {rules.mentee_max_age} years old when they "
                                f"register; this person is {age}.", "birth_date"))
    if not application.employment_service_registered:
        refusals.append(Refusal("mentee.employment_service",
                                "Mentees must be registered as job seekers with the public employment service.",
                                "employment_service.registered"))
    if application.migration_background not in MIGRATION_BACKGROUNDS:
        refusals.append(Refusal("mentee.migration_background",
                                "The programme is for young people born outside the EU, or with a parent or "
                                "grandparent who was.", "migration_background"))
    if not application.right_to_work:
        refusals.append(Refusal("mentee.right_to_work", "Mentees must have the right to stay and work.",
                                "right_to_work"))
    return refusals


def check_mentor(application: MentorApplication, rules: BranchRules, registered_on: date) -> list[Refusal]:
    refusals = _common(application, rules, registered_on, rules.mentor_min_level)
    age = _age(refusals, application, registered_on)
    if age is not None and age < rules.mentor_min_age:
        refusals.append(Refusal("mentor.min_age", f"Mentors are {rules.mentor_min_age} or older; this person is {age}.",
                                "birth_date"))
    if not application.volunteer:
        refusals.append(Refusal("mentor.volunteer", "Mentors take part as volunteers.", "volunteer"))
    if not application.experience:
        refusals.append(Refusal("mentor.experience", "Give at least one sector of professional experience.",
                                "experience"))
    return refusals


def _age(refusals: list[Refusal], person: Person, registered_on: date) -> int | None:
    """The age on registration, or None when the birth date itself was refused (no age to judge)."""
    if any(r.field == "birth_date" for r in refusals):
        return None
    return age_on(person.birth_date, registered_on)


def _common(person: Person, rules: BranchRules, registered_on: date, min_level: str) -> list[Refusal]:
    refusals: list[Refusal] = []
    if not person.consent:
        refusals.append(Refusal("consent.required",
                                "The person must consent to the processing of their data before registration.",
                                "consent"))
    if person.birth_date >= registered_on:
        refusals.append(Refusal("birth_date.future", "The birth date must be in the past.", "birth_date"))
    elif age_on(person.birth_date, registered_on) > OLDEST_PLAUSIBLE_AGE:
        refusals.append(Refusal("birth_date.implausible", f"A birth date more than {OLDEST_PLAUSIBLE_AGE} years ago "
                                "is not plausible; check the year.", "birth_date"))
    refusals += check_address(person.country, person.postcode, rules)
    refusals += check_languages(person.languages, rules, min_level)
    return refusals


def check_address(country: str, postcode: str, rules: BranchRules) -> list[Refusal]:
    """The branch's country and a postcode of that country: at registration and on a correction."""
    if country != rules.country:
        return [Refusal("address.country", f"Branch {rules.branch} registers people living in {rules.country}.",
                        "country")]
    try:
        postcode_area(country, postcode)
    except ValueError as error:
        return [Refusal("address.postcode", str(error), "postcode")]
    return []


def check_languages(languages: tuple[Language, ...], rules: BranchRules, min_level: str) -> list[Refusal]:
    """A working language of the branch at the role's minimum level: at registration and on a correction."""
    if any(lang.code in rules.working_languages and level_rank(lang.level) >= level_rank(min_level)
           for lang in languages):
        return []
    names = " or ".join(sorted(LANGUAGE_NAMES.get(code, code) for code in rules.working_languages))
    return [Refusal("language.working_language",
                    f"The person must speak {names} at level {min_level} or above.", "languages")]
