"""Optimal assignment of a whole waiting pool against the greedy baseline, on synthetic branches.

Run: uv run --no-sync python -m bench.matching_assignment [--sizes 500,2000,5000]

For each pool size (mentors = 60% of mentees, fixed seed) it times propose_round (scoring
included) and greedy_round (scoring included too, so the two are comparable), then reruns
each under tracemalloc for peak memory. Times and memory are measured in separate runs, since
tracing slows Python code. tracemalloc sees Python and NumPy allocations, not the C++
working memory inside scipy's linear_sum_assignment.
"""
from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable

from services.matching.domain.assignment import greedy_round, propose_round, total_score
from services.matching.domain.scoring import Weights, score_matrix
from synthetic.branches import generate_branch

MENTOR_RATIO = 0.6
SEED = 2025


def _timed(run: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


def _peak_mb(run: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def measure(size: int, branch: str, minimum: float) -> dict[str, float]:
    pool = generate_branch(branch, mentees=size, mentor_ratio=MENTOR_RATIO, seed=SEED)
    weights = Weights()
    args = (pool.mentees, pool.mentors, weights, minimum)
    _, scoring_s = _timed(lambda: score_matrix(pool.mentees, pool.mentors, weights))
    optimal, optimal_s = _timed(lambda: propose_round(*args))
    greedy, greedy_s = _timed(lambda: greedy_round(*args))
    optimal_total, greedy_total = total_score(optimal), total_score(greedy)
    return {
        "mentees": size, "mentors": len(pool.mentors), "capacity": sum(o.capacity for o in pool.mentors),
        "scoring_s": scoring_s, "optimal_s": optimal_s, "greedy_s": greedy_s,
        "optimal_mb": _peak_mb(lambda: propose_round(*args)), "greedy_mb": _peak_mb(lambda: greedy_round(*args)),
        "optimal_pairs": len(optimal), "greedy_pairs": len(greedy),
        "optimal_total": optimal_total, "greedy_total": greedy_total,
        "gain_pct": 100 * (optimal_total - greedy_total) / greedy_total if greedy_total else 0.0,
    }


COLUMNS = (
    ("mentees", "{:>7}", "mentees"), ("mentors", "{:>7}", "mentors"), ("capacity", "{:>8}", "capacity"),
    ("scoring_s", "{:>9.2f}", "score s"), ("optimal_s", "{:>9.2f}", "optimal s"), ("greedy_s", "{:>8.2f}", "greedy s"),
    ("optimal_mb", "{:>10.1f}", "optimal MB"), ("greedy_mb", "{:>9.1f}", "greedy MB"),
    ("optimal_pairs", "{:>9}", "opt pairs"), ("greedy_pairs", "{:>9}", "grd pairs"),
    ("optimal_total", "{:>11.1f}", "opt total"), ("greedy_total", "{:>11.1f}", "grd total"),
    ("gain_pct", "{:>+7.2f}", "gain %"),
)


def _header() -> str:
    widths = [len(fmt.format(0)) for _, fmt, _ in COLUMNS]
    return " | ".join(title.rjust(max(w, len(title))) for (_, _, title), w in zip(COLUMNS, widths))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,2000,5000", help="mentees per pool, comma separated")
    parser.add_argument("--branch", default="brussels")
    parser.add_argument("--minimum", type=float, default=50.0, help="minimum score of a proposal")
    options = parser.parse_args(argv)
    sizes = [int(s) for s in options.sizes.split(",") if s.strip()]
    print(f"branch {options.branch}, seed {SEED}, mentors = {MENTOR_RATIO:.0%} of mentees, "
          f"minimum score {options.minimum:g}, default weights; times include scoring")
    generate_branch(options.branch, mentees=50, seed=SEED)  # warm up imports and BLAS before timing
    header = _header()
    print(header)
    print("-" * len(header))
    for size in sizes:
        values = measure(size, options.branch, options.minimum)
        # Align each value under its header cell.
        cells = [fmt.format(values[key]).strip().rjust(max(len(fmt.format(0)), len(title)))
                 for key, fmt, title in COLUMNS]
        print(" | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
