"""bench.load's reader of the services' store command log, on small hand-made files in the log's format."""
from __future__ import annotations

import json

from bench.load_probes import StoreCommandLog


def line(service: str, pid: int, t, collection: str = "participants") -> str:
    return json.dumps({"service": service, "pid": pid, "t": t, "command": "find", "collection": collection,
                       "filter": {"_id": "x"}, "sender": "services/intake/adapters/participants.py:40"}) + "\n"


def test_counts_the_lines_timed_within_the_phase_per_service(tmp_path):
    (tmp_path / "intake-11.jsonl").write_text(line("intake", 11, 99.5) + line("intake", 11, 100.0)
                                              + line("intake", 11, 150.0) + line("intake", 11, 200.01))
    # an ISO time (UTC without a zone, and with one) counts like epoch seconds
    (tmp_path / "notify-12.jsonl").write_text(line("notify", 12, "1970-01-01T00:01:50") +
                                              line("notify", 12, "1970-01-01T00:03:20+00:00"))
    log = StoreCommandLog(tmp_path)

    assert log.between(100.0, 200.0) == {"intake": 2, "notify": 2}
    assert log.between(0.0, 100.0) == {"intake": 2}


def test_a_line_still_being_written_waits_for_the_next_read(tmp_path):
    path = tmp_path / "matching-7.jsonl"
    whole = line("matching", 7, 10.0)
    path.write_text(line("matching", 7, 9.0) + whole[:20])
    log = StoreCommandLog(tmp_path)

    assert log.between(0.0, 20.0) == {"matching": 1}
    with open(path, "a") as f:
        f.write(whole[20:] + line("matching", 7, 11.0))
    assert log.between(0.0, 20.0) == {"matching": 3}
    assert log.unreadable == 0


def test_skips_unreadable_lines_and_excluded_processes(tmp_path):
    (tmp_path / "followup-3.jsonl").write_text("not json\n" + json.dumps({"service": "followup"}) + "\n"
                                                + line("followup", 3, 5.0))
    (tmp_path / "bench-4.jsonl").write_text(line("bench", 4, 5.0))
    log = StoreCommandLog(tmp_path, exclude_pids=[4])

    assert log.between(0.0, 10.0) == {"followup": 1}
    assert log.unreadable == 2


def test_an_empty_or_missing_log_counts_nothing(tmp_path):
    assert StoreCommandLog(tmp_path / "never-written").between(0.0, 1e12) == {}
