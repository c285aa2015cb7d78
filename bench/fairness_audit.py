"""Do some groups of mentees wait longer? The fairness audit on a simulated branch year, as
the service computes it live: share matched within 30 days per age band, origin region,
language and postcode area, against the overall share; flagged under four fifths of it;
groups under the minimum cell size suppressed.

Run: uv run --no-sync python -m bench.fairness_audit [--rare-language nl] [--rare-language-share 0.1]
     [--minimum-cell 10] [any option of bench.programme]

It runs the service's policy (weekly optimal round) twice on the same arrivals: the branch as
generated, then with mentors who speak the rare language made rare (only the given share of
them keep it), so the effect on the mentees who speak it shows next to the baseline.
Scores never see origin or age; the audit reads them beside the outcome, as intake does.
"""
from __future__ import annotations

import dataclasses
import sys

from bench.programme import settings_from
from services.intake.domain.fairness import MINIMUM_CELL, FairnessAudit, MenteePath, audit
from synthetic.programme import ORIGIN_REGIONS, Outcome, simulate

POLICY = "weekly round"


def paths(outcome: Outcome) -> list[MenteePath]:
    return [MenteePath(m.mentee.registered_on, m.duo_formed, {
        "age_band": (m.record["age_band"],), "origin_region": (ORIGIN_REGIONS.get(m.record["origin"], "other"),),
        "language": tuple(sorted(lang["code"] for lang in m.record["languages"])),
        "postcode_area": (m.record["postcode_area"],)}) for m in outcome.mentees]


def audited(outcome: Outcome, minimum_cell: int) -> FairnessAudit:
    return audit(paths(outcome), outcome.end, minimum_cell=minimum_cell)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    minimum_cell = MINIMUM_CELL
    if "--minimum-cell" in argv:
        at = argv.index("--minimum-cell")
        minimum_cell = int(argv[at + 1])
        del argv[at:at + 2]
    settings = settings_from(argv, __doc__.splitlines()[0])
    if settings.rare_language is None:
        settings = dataclasses.replace(settings, rare_language="nl", rare_language_share=0.1)
    baseline = dataclasses.replace(settings, rare_language=None)
    for label, run in (("as generated", baseline),
                       (f"mentors speaking {settings.rare_language!r} made rare "
                        f"({settings.rare_language_share:.0%} keep it)", settings)):
        result = audited(simulate(run, POLICY), minimum_cell)
        flagged = [f"{g.attribute}={g.group}" for g in result.lines if g.flagged]
        print(f"== {run.branch}, {run.months} months, seed {run.seed}, {POLICY}; {label}")
        print(result.table())
        print(f"flagged: {', '.join(flagged) or 'none'}; suppressed groups: "
              f"{sum(g.suppressed for g in result.lines)} (under {minimum_cell} mentees)\n", flush=True)


if __name__ == "__main__":
    main()
