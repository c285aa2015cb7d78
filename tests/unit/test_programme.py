"""The programme simulator: reproducible, and it keeps matching's rules while it runs."""
from __future__ import annotations

import dataclasses

import pytest

from synthetic.programme import POLICIES, Settings, arrivals, figures, simulate

SMALL = Settings(months=3, mentees_per_month=12, mentors_per_month=4, initial_mentors=15, seed=7)


def test_same_seed_same_year_and_every_policy_sees_the_same_arrivals():
    assert figures(simulate(SMALL, "weekly round")) == figures(simulate(SMALL, "weekly round"))
    known = arrivals(SMALL)
    registered = {policy: sorted(m.mentee.mentee_id for m in simulate(SMALL, policy, known).mentees)
                  for policy in POLICIES}
    assert len({tuple(ids) for ids in registered.values()}) == 1


@pytest.mark.parametrize("policy", list(POLICIES))
def test_each_policy_keeps_the_rules(policy):
    outcome = simulate(SMALL, policy)
    for life in outcome.mentors:
        assert 0 <= life.load <= life.mentor.capacity
        assert all(wait >= 0 for wait in life.waits)
    for life in outcome.mentees:
        if life.duo_formed is not None:
            assert life.mentee.registered_on <= life.first_proposal <= life.duo_formed
    assert outcome.duo_scores and all(score >= SMALL.minimum_score for score in outcome.duo_scores)
    f = figures(outcome)
    assert 0 <= f["within_15"] <= f["within_30"] <= 1
    assert f["duo_median"] >= f["proposal_median"]


def test_decline_rate_decides_how_many_proposals_become_duos():
    assert simulate(dataclasses.replace(SMALL, decline_rate=0.0), "weekly round").declines == 0
    never = simulate(dataclasses.replace(SMALL, decline_rate=1.0), "weekly round")
    assert never.duo_scores == [] and never.declines == never.proposals > 0


def test_a_rare_language_keeps_only_the_given_share_of_its_mentor_speakers():
    def speakers(settings):
        return sum(any(lang["code"] == "nl" for lang in record["languages"]) for _, record in arrivals(settings).mentors)

    big = dataclasses.replace(SMALL, months=12, initial_mentors=200)
    before = speakers(big)
    assert before > 40
    assert speakers(dataclasses.replace(big, rare_language="nl", rare_language_share=0.0)) == 0
    assert 0 < speakers(dataclasses.replace(big, rare_language="nl", rare_language_share=0.5)) < before
