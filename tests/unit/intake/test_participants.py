"""A participant's life in intake: training modules and withdrawal, each refusal with its reason."""
from __future__ import annotations

from datetime import date

import pytest

from services.intake.domain.branches import DEFAULT_TRAINING_MODULES
from services.intake.domain.participants import Participant
from shared.rules import RuleBroken
from tests.unit.intake.initial import rules_for

TODAY = date(2026, 11, 25)
RULES = rules_for("brussels")


def a_mentor() -> Participant:
    return Participant("m1", "brussels", "mentor", registered_on=date(2026, 10, 1))


def test_training_completes_with_the_last_of_eight_modules():
    mentor = a_mentor()
    completions = [mentor.record_training(m, TODAY, TODAY, RULES) for m in DEFAULT_TRAINING_MODULES]
    assert completions == [False] * 7 + [True]
    assert mentor.trained(RULES)


@pytest.mark.parametrize("module, on, rule", [
    ("juggling", TODAY, "training.unknown_module"),
    ("active-listening", date(2026, 11, 26), "training.in_future"),
])
def test_training_refusals(module, on, rule):
    mentor = a_mentor()
    with pytest.raises(RuleBroken) as refused:
        mentor.record_training(module, on, TODAY, RULES)
    assert refused.value.refusals[0].rule == rule
    assert mentor.training == {}


def test_a_module_is_recorded_once_and_mentees_have_no_training():
    mentor = a_mentor()
    mentor.record_training("active-listening", TODAY, TODAY, RULES)
    with pytest.raises(RuleBroken, match="already recorded"):
        mentor.record_training("active-listening", TODAY, TODAY, RULES)
    mentee = Participant("e1", "brussels", "mentee", registered_on=TODAY)
    with pytest.raises(RuleBroken, match="Only mentors"):
        mentee.record_training("active-listening", TODAY, TODAY, RULES)


def test_withdrawal_once_and_within_dates():
    mentor = a_mentor()
    with pytest.raises(RuleBroken):
        mentor.withdraw(date(2026, 9, 30), TODAY)
    mentor.withdraw(TODAY, TODAY)
    assert mentor.status == "withdrawn"
    with pytest.raises(RuleBroken) as refused:
        mentor.withdraw(TODAY, TODAY)
    assert refused.value.refusals[0].rule == "participant.not_registered"
    with pytest.raises(RuleBroken):
        mentor.record_training("active-listening", TODAY, TODAY, RULES)
