"""A correction of a participant's record: which fields each role has, checked by the registration's own rules,
and where each corrected field lives in the record."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.rules import Refusal
from shared.vocabulary import postcode_area
from services.intake.domain.branches import BranchRules
from services.intake.domain.eligibility import check_address, check_languages
from services.intake.domain.profile import experience, languages

# Reach the person: they travel to notify on the contacts topic only.
CONTACT_FIELDS = ("first_name", "last_name", "email", "preferred_language")
# With the birth date, what identity keys are made of: a change looks again for the same person.
IDENTITY_FIELDS = frozenset({"first_name", "last_name", "email"})
# What matching scores on: a change publishes the new profile (the postcode as its area only).
PROFILE_FIELDS = ("postcode", "languages", "availability", "target_sectors", "experience", "support_wanted",
                  "support_offered")
ROLE_FIELDS = {"mentee": frozenset({"target_sectors", "support_wanted"}),
               "mentor": frozenset({"experience", "support_offered"})}
_PROFILE_PATHS = {"target_sectors": "profile.sectors", "support_wanted": "profile.support_wanted",
                  "support_offered": "profile.support_offered"}


def check_correction(role: str, changes: Mapping[str, Any], country: str, rules: BranchRules) -> list[Refusal]:
    """Every reason to refuse `changes` (field -> new value); the same rules as at registration."""
    other_role = "mentor" if role == "mentee" else "mentee"
    refusals = [Refusal("correction.not_for_role", f"A {role}'s record has no {name}; it is a {other_role}'s.", name)
                for name in changes if name in ROLE_FIELDS[other_role]]
    if "postcode" in changes:
        refusals += check_address(country, changes["postcode"], rules)
    if "languages" in changes:
        min_level = rules.mentee_min_level if role == "mentee" else rules.mentor_min_level
        refusals += check_languages(changes["languages"], rules, min_level)
    return refusals


def corrected_paths(name: str, value: Any, country: str) -> dict[str, Any]:
    """Where a corrected field lives in the record (dotted paths), with the value kept there; the postcode
    also moves the area that other services are told."""
    if name in CONTACT_FIELDS:
        return {f"personal.{name}": value}
    if name == "postcode":
        return {"personal.postcode": value, "profile.postcode_area": postcode_area(country, value)}
    if name == "languages":
        return {"profile.languages": languages(value)}
    if name == "availability":
        return {"profile.availability": sorted(value)}
    if name == "experience":
        return {"profile.experience": experience(value)}
    return {_PROFILE_PATHS[name]: list(value)}
