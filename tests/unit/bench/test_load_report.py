"""bench.load's verdicts against the issue's targets, on hand-made phase results."""
from __future__ import annotations

from collections import Counter

from bench.load import (TARGET_HTTP_P99_MS, TARGET_POOL_S, commands_per_registration, highest_holding, report,
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
    assert commands_per_registration(phase(30, accepted=0, commands=Counter({"intake": 40}))) is None


def sized_phase(rate: float, participants: int, accepted: int, store_cpu_s: float | None, **changes) -> dict:
    nan = float("nan")
    row = phase(rate, offered=60, accepted=accepted, size=participants, participants=participants,
                http_p50=nan if not accepted else 80.0, http_p99=nan if not accepted else 120.0,
                kafka_p50=nan, kafka_p99=nan if not accepted else 400.0, pool_p50=nan, pool_p99=nan,
                backed_up=False, end_to_end=accepted / 30, drained=True, refused=0, unanswered=60 - accepted,
                missing_on_kafka=0, left=0, carried=0, store_cpu_s=store_cpu_s,
                store_cpu_ms=None if store_cpu_s is None else (store_cpu_s * 1000 / accepted if accepted else nan),
                cpu={"store": 0.2, "intake": 0.05}, wall=30.0, store_ops={"insert": 60, "query": 600},
                commands=Counter({"intake": 10 * accepted, "notify": 20 * accepted}))
    row.update(changes)
    return row


def test_the_report_compares_each_size_with_the_first(capsys):
    idle = {"rate": 0, "cpu": {"store": 0.01, "intake": 0.01}}
    report(1, [idle, phase(2, baseline=True, **{k: v for k, v in sized_phase(2, 0, 20, 1.0).items()
                                                 if k not in ("size", "participants", "rate")}),
               sized_phase(30, 1000, 60, 6.0), sized_phase(30, 10_000, 60, 7.2), sized_phase(30, 50_000, 60, 9.0)], 30)
    out = capsys.readouterr().out

    assert "at 30/s, 50,000 participants: 1.50 x the figure at 1,000 (NOT met: target <= 1.25 x)" in out
    assert "(a 30s phase: the target's is 60s)" in out


def test_a_size_where_none_was_accepted_has_no_figure_and_misses_the_target(capsys):
    idle = {"rate": 0, "cpu": {"store": 0.01, "intake": 0.01}}
    report(1, [idle, sized_phase(2, 1000, 60, 6.0), sized_phase(2, 10_000, 0, 40.0)], 30)
    out = capsys.readouterr().out

    assert "at 2/s, 10,000 participants: no figure to compare (none accepted at one size): NOT met" in out


def test_without_a_store_of_ours_the_report_says_its_cpu_was_not_measured(capsys):
    idle = {"rate": 0, "cpu": {"intake": 0.01}}
    rows = [sized_phase(30, 1000, 60, None), sized_phase(30, 10_000, 60, None)]
    for row in rows:
        row["cpu"] = {"intake": 0.05}
    report(1, [idle, *rows], 60)

    assert "store CPU: not measured (an external MongoDB" in capsys.readouterr().out
