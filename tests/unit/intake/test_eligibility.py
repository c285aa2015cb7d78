"""Intake's eligibility rules: who may join, and the reasons a coordinator reads when someone may not."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, strategies as st

from services.intake.domain.eligibility import check_mentee, check_mentor
from services.intake.domain.applications import Language, MenteeApplication, MentorApplication
from tests.unit.intake.initial import BRANCHES, rules_for

TODAY = date(2026, 11, 25)
BRUSSELS = rules_for("brussels")


def mentee(**changes) -> MenteeApplication:
    base = MenteeApplication(
        birth_date=date(2002, 3, 14), country="BE", postcode="1030",
        languages=(Language("ar", "native"), Language("fr", "B1")), availability=frozenset({"mon-eve"}),
        consent=True, target_sectors=("logistics",), education_level="secondary",
        employment_service_registered=True, migration_background="self", right_to_work=True)
    return replace(base, **changes)


def mentor(**changes) -> MentorApplication:
    base = MentorApplication(
        birth_date=date(1961, 6, 1), country="BE", postcode="1000", languages=(Language("fr", "native"),),
        availability=frozenset({"mon-eve"}), consent=True, experience=(("logistics", 30),), volunteer=True)
    return replace(base, **changes)


def rules_of(refusals) -> set[str]:
    return {r.rule for r in refusals}


def test_an_eligible_mentee_and_mentor_pass():
    assert check_mentee(mentee(), BRUSSELS, TODAY) == []
    assert check_mentor(mentor(), BRUSSELS, TODAY) == []


@pytest.mark.parametrize("birth_date, ok", [
    (date(2008, 11, 25), True),    # 18 today
    (date(2008, 11, 26), False),   # 18 tomorrow
    (date(1992, 11, 26), True),    # 33, turns 34 tomorrow
    (date(1992, 11, 25), False),   # 34 today
])
def test_mentee_age_range_edges(birth_date, ok):
    refusals = check_mentee(mentee(birth_date=birth_date), BRUSSELS, TODAY)
    assert ("mentee.age_range" not in rules_of(refusals)) is ok


def test_age_range_is_configurable_per_branch():
    wider = replace(BRUSSELS, mentee_max_age=35)
    assert check_mentee(mentee(birth_date=date(1991, 1, 1)), wider, TODAY) == []
    assert "mentee.age_range" in rules_of(check_mentee(mentee(birth_date=date(1991, 1, 1)), BRUSSELS, TODAY))


def test_every_failed_rule_is_reported_at_once_with_its_field():
    refusals = check_mentee(mentee(consent=False, right_to_work=False, employment_service_registered=False,
                                   migration_background="none", postcode="12"), BRUSSELS, TODAY)
    assert rules_of(refusals) == {"consent.required", "mentee.right_to_work", "mentee.employment_service",
                                  "mentee.migration_background", "address.postcode"}
    assert all(r.field and r.message for r in refusals)


def test_a_working_language_is_needed_at_the_branch_minimum():
    only_arabic = (Language("ar", "native"), Language("fr", "A1"))
    refusals = check_mentee(mentee(languages=only_arabic), BRUSSELS, TODAY)
    assert rules_of(refusals) == {"language.working_language"}
    assert "French or Dutch" in refusals[0].message or "Dutch or French" in refusals[0].message
    assert check_mentee(mentee(languages=(Language("nl", "A2"),)), BRUSSELS, TODAY) == []


def test_country_must_be_the_branch_country():
    assert rules_of(check_mentee(mentee(country="FR", postcode="75011"), BRUSSELS, TODAY)) == {"address.country"}
    assert check_mentee(mentee(country="FR", postcode="75011"), rules_for("paris"), TODAY) == []


def test_mentor_rules():
    assert rules_of(check_mentor(mentor(birth_date=date(1980, 1, 1)), BRUSSELS, TODAY)) == {"mentor.min_age"}
    assert rules_of(check_mentor(mentor(volunteer=False), BRUSSELS, TODAY)) == {"mentor.volunteer"}
    assert rules_of(check_mentor(mentor(languages=(Language("fr", "B1"),)), BRUSSELS, TODAY)) == {
        "language.working_language"}


@given(consent=st.booleans(), right=st.booleans(), registered=st.booleans(),
       background=st.sampled_from(["self", "parent", "grandparent", "none"]),
       branch=st.sampled_from(BRANCHES))
def test_refusals_match_exactly_the_broken_conditions(consent, right, registered, background, branch):
    rules = rules_for(branch)
    postcode = {"BE": "1030", "FR": "75011", "NL": "1012 AB"}[rules.country]
    language = Language(sorted(rules.working_languages)[0], "B2")
    application = mentee(consent=consent, right_to_work=right, employment_service_registered=registered,
                         migration_background=background, country=rules.country, postcode=postcode,
                         languages=(language,))
    expected = set()
    if not consent:
        expected.add("consent.required")
    if not right:
        expected.add("mentee.right_to_work")
    if not registered:
        expected.add("mentee.employment_service")
    if background == "none":
        expected.add("mentee.migration_background")
    assert rules_of(check_mentee(application, rules, TODAY)) == expected


@pytest.mark.parametrize("check, person", [(check_mentee, mentee), (check_mentor, mentor)])
@pytest.mark.parametrize("birth_date, rule", [(date(2030, 3, 14), "birth_date.future"),
                                              (TODAY, "birth_date.future"),
                                              (date(1, 1, 1), "birth_date.implausible"),
                                              (date(1915, 11, 24), "birth_date.implausible")])
def test_an_impossible_birth_date_is_refused_on_its_field_without_an_age_rule(check, person, birth_date, rule):
    refusals = check(person(birth_date=birth_date), BRUSSELS, TODAY)
    assert [(r.rule, r.field) for r in refusals] == [(rule, "birth_date")]


def test_the_oldest_plausible_birth_date_is_judged_by_the_age_rules():
    assert check_mentor(mentor(birth_date=date(1916, 11, 25)), BRUSSELS, TODAY) == []
