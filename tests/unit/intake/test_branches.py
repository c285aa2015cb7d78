"""A branch's rules as versions with effective dates: which version judges a day, and what a change may do."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, strategies as st

from services.intake.domain.branches import Branch
from shared.branch_rules import RuleVersion, in_force, in_force_during
from shared.rules import RuleBroken
from tests.unit.intake.initial import INITIAL

TODAY = date(2026, 11, 25)


def namur() -> Branch:
    return Branch.open("namur", {**INITIAL.defaults, "country": "BE", "working_languages": ["fr"]}, TODAY, TODAY)


def refused_rules(call) -> set[str]:
    with pytest.raises(RuleBroken) as refused:
        call()
    return {r.rule for r in refused.value.refusals}


def test_a_change_applies_from_its_date_and_what_came_before_keeps_its_version():
    branch = namur()
    changed_on = TODAY + timedelta(days=10)
    version = branch.change_rules({"mentee_max_age": 30, "matching_weights": {"distance": 40}}, changed_on, TODAY)
    assert version.version == 2 and version.effective_from == changed_on
    assert version.rules["matching_weights"] == {**INITIAL.defaults["matching_weights"], "distance": 40}
    assert branch.rules_on(changed_on - timedelta(days=1)).mentee_max_age == 33
    assert branch.rules_on(changed_on - timedelta(days=1)).version == 1
    assert branch.rules_on(changed_on).mentee_max_age == 30 and branch.rules_on(changed_on).version == 2
    # A registration judged by version 1 is still judged by version 1.
    assert branch.rules_version(1).mentee_max_age == 33


def test_a_change_cannot_reach_into_the_past_or_before_a_scheduled_version():
    branch = namur()
    assert refused_rules(lambda: branch.change_rules({"mentee_max_age": 30}, TODAY - timedelta(days=1), TODAY)) == {
        "rules.effective_from_past"}
    branch.change_rules({"mentee_max_age": 30}, TODAY + timedelta(days=30), TODAY)
    assert refused_rules(lambda: branch.change_rules({"mentee_max_age": 29}, TODAY + timedelta(days=5), TODAY)) == {
        "rules.effective_from_order"}


def test_rules_that_disagree_with_themselves_are_refused_naming_each_field():
    branch = namur()
    with pytest.raises(RuleBroken) as refused:
        branch.change_rules({"mentee_min_age": 30, "mentee_max_age": 25, "working_languages": ["fr", "fr"],
                             "matching_weights": {name: 0 for name in INITIAL.defaults["matching_weights"]}},
                            TODAY, TODAY)
    assert {(r.rule, r.field) for r in refused.value.refusals} == {
        ("rules.mentee_age_range", "mentee_max_age"), ("rules.working_languages_repeated", "working_languages"),
        ("rules.matching_weights", "matching_weights")}
    assert len(branch.versions) == 1  # nothing half-written


def test_the_same_rules_again_are_no_change():
    assert refused_rules(lambda: namur().change_rules({"max_active_duos": 1}, TODAY, TODAY)) == {"rules.unchanged"}


def test_a_closed_branch_refuses_registrations_and_changes_but_keeps_its_rules():
    branch = namur()
    branch.close(TODAY)
    assert refused_rules(branch.require_open_for_registration) == {"branch.closed"}
    assert refused_rules(lambda: branch.change_rules({"max_active_duos": 2}, TODAY, TODAY)) == {"branch.closed"}
    assert refused_rules(lambda: branch.close(TODAY)) == {"branch.closed"}
    assert branch.rules_on(TODAY).working_languages == frozenset({"fr"})


def test_the_version_in_force_is_the_latest_begun():
    v1, v2, v3 = (RuleVersion(1, date(2026, 1, 1), {}), RuleVersion(2, date(2026, 6, 1), {}),
                  RuleVersion(3, date(2026, 6, 1), {}))
    versions = [v1, v2, v3]
    assert in_force(versions, date(2025, 12, 31)) is None
    assert in_force(versions, date(2026, 5, 31)) == v1
    assert in_force(versions, date(2026, 6, 1)) == v3  # v2 was replaced before it applied to any day
    assert in_force_during(versions, date(2026, 1, 1), date(2026, 12, 31)) == [v1, v3]
    assert in_force_during(versions, date(2026, 7, 1), date(2026, 12, 31)) == [v3]


@given(gaps=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=6),
       offset=st.integers(min_value=-10, max_value=400))
def test_every_day_is_judged_by_exactly_the_version_begun_last(gaps, offset):
    start, versions, day = date(2026, 1, 1), [], date(2026, 1, 1)
    for number, gap in enumerate(gaps, start=1):
        day += timedelta(days=gap)
        versions.append(RuleVersion(number, day, {}))
    asked = start + timedelta(days=offset)
    found = in_force(versions, asked)
    begun = [v for v in versions if v.effective_from <= asked]
    assert found == (begun[-1] if begun else None)
    assert (found in in_force_during(versions, asked, asked)) if found else in_force_during(versions, asked, asked) == []
