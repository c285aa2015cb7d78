"""A branch's year of matching under four policies, on the same arrivals: how long mentees wait
for a proposal and for a duo, how many are matched within 15 and 30 days, how long mentors
wait, and the mean score of the duos formed.

Run: uv run --no-sync python -m bench.programme [--branch brussels] [--months 12]
     [--mentees-per-month 15] [--mentors-per-month 5] [--initial-mentors 45]
     [--decline-rate 0.15] [--seed 2025]

The programme promises a match within 15 days to a month of the coordinator's assessment;
here a mentee's clock starts at registration. Days are to the first proposal and to the duo
formed (the coordinator's decision, a few days after the proposal); percentiles count a
mentee still waiting at the end as waiting longest ("never"). Only mentees registered at
least 30 days before the end are counted. The baseline is the service's weekly optimal round.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import time

from synthetic.programme import POLICIES, Settings, arrivals, figures, simulate


def settings_from(argv: list[str] | None, description: str) -> Settings:
    """Command-line options for every Settings field (shared with bench.fairness_audit)."""
    parser = argparse.ArgumentParser(description=description)
    for f in dataclasses.fields(Settings):
        kind = {"int": int, "float": float}.get(str(f.type).split(" |")[0], str)
        parser.add_argument("--" + f.name.replace("_", "-"), type=kind, default=f.default)
    return Settings(**vars(parser.parse_args(argv)))


def days(value: float) -> str:
    return "never" if math.isinf(value) else "-" if math.isnan(value) else f"{value:g}"


def share(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.0%}"


COLUMNS = (("policy", 34), ("proposal d (med/p90)", 20), ("duo d (med/p90)", 16), ("<=15 d", 6), ("<=30 d", 6),
           ("mentor wait d (med/p90)", 23), ("idle mentors", 12), ("duos", 5), ("declined", 8), ("mean score", 10),
           ("run s", 6))


def main(argv: list[str] | None = None) -> None:
    settings = settings_from(argv, __doc__.splitlines()[0])
    known = arrivals(settings)
    print(f"branch {settings.branch}, {settings.months} months, seed {settings.seed}: {len(known.mentees)} mentees "
          f"registered, {settings.initial_mentors} mentors free at the start and {len(known.mentors) - settings.initial_mentors} "
          f"trained during the run; {settings.decline_rate:.0%} of proposals declined, decided after "
          f"{settings.decision_days} days; duos last six months, then {settings.mentor_return_rate:.0%} of mentors "
          f"come back; minimum score {settings.minimum_score:g}")
    header = " | ".join(title.rjust(width) for title, width in COLUMNS)
    print(header)
    print("-" * len(header))
    for policy in POLICIES:
        start = time.perf_counter()
        f = figures(simulate(settings, policy, known))
        cells = [policy, f"{days(f['proposal_median'])} / {days(f['proposal_p90'])}",
                 f"{days(f['duo_median'])} / {days(f['duo_p90'])}", share(f["within_15"]), share(f["within_30"]),
                 f"{days(f['mentor_wait_median'])} / {days(f['mentor_wait_p90'])}", str(f["mentors_idle_at_end"]),
                 str(f["duos"]), str(f["declines"]), f"{f['duo_score_mean']:.1f}", f"{time.perf_counter() - start:.1f}"]
        print(" | ".join(cell.rjust(width) for cell, (_, width) in zip(cells, COLUMNS)), flush=True)


if __name__ == "__main__":
    main()
