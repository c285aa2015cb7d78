"""bench.load's verdicts against the issue's targets, on hand-made phase results."""
from __future__ import annotations

from collections import Counter

from bench.load import (TARGET_HTTP_P99_MS, TARGET_POOL_S, commands_per_registration, highest_holding,
                        shortfalls)


def phase(rate: float, **changes) -> dict:
    row = {"rate": rate, "offered": 300, "accepted": 300, "http_p99": 120.0, "kafka_p99": 400.0,
           "pool_after_s": 1.5, "commands": None}
    row.update(changes)
    return row


def test_a_phase_within_every_bound_holds():
    assert shortfalls(phase(30)) == []


def test_each_missed_bound_is_named():
    missed = shortfalls(phase(30, accepted=290, http_p99=TARGET_HTTP_P99_MS, kafka_p99=float("nan"),
                              pool_after_s=TARGET_POOL_S + 0.1))
    assert len(missed) == 4
    assert missed[0] == "10 not accepted"
    assert shortfalls(phase(30, pool_after_s=None)) == ["pool not complete"]


def test_highest_holding_rate_ignores_the_baseline_and_failed_phases():
    rows = [phase(2, baseline=True), phase(30), phase(50, http_p99=900.0), phase(40)]
    assert highest_holding(rows) == 40
    assert highest_holding([phase(2, baseline=True), phase(50, pool_after_s=None)]) is None


def test_commands_per_registration_total_and_per_service():
    row = phase(30, accepted=100, commands=Counter({"intake": 300, "matching": 250, "notify": 450}))
    per = commands_per_registration(row)

    assert per["total"] == 10.0
    assert (per["intake"], per["matching"], per["followup"], per["notify"]) == (3.0, 2.5, 0.0, 4.5)
    assert commands_per_registration(phase(30, commands=Counter())) is None
