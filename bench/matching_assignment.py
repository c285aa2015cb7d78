"""A whole branch pool assigned at once: the service's sparse optimum against the dense optimum
over every pair and against greedy matching, on the same synthetic pools.

Run: uv run --no-sync python -m bench.matching_assignment [--sizes 500,2000,5000] [--per-mentee 24]

For each pool size (mentors = 60% of mentees, fixed seed) it times, scoring included (wall
seconds, and CPU seconds of the one-threaded process, the fairer figure on a shared machine):
propose_round (what the service runs: each mentee's best mentors as a sparse graph, solved
with scipy's min_weight_full_bipartite_matching), dense_round (every pair, scipy's
linear_sum_assignment) and greedy_round. Peak memory is each one's maximum resident set
size (ru_maxrss: Python, NumPy and scipy's native memory alike), measured in a fresh
subprocess per size and method, so one run's memory never hides another's; the pool's
generation is part of that peak and printed alone as "pool MB".
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable

from services.matching.domain.assignment import PER_MENTEE, dense_round, greedy_round, propose_round, total_score
from synthetic.branches import generate_branch

MENTOR_RATIO = 0.6
SEED = 2025
METHODS = ("pool", "sparse", "dense", "greedy")


def _round(method: str, per_mentee: int) -> Callable[..., list]:
    if method == "sparse":
        return lambda *args: propose_round(*args, per_mentee=per_mentee)
    return {"dense": dense_round, "greedy": greedy_round, "pool": lambda *args: []}[method]


def _run(method: str, size: int, branch: str, minimum: float, per_mentee: int) -> dict[str, float]:
    """One method on one pool, in this process: seconds, pairs, total score, peak RSS."""
    from services.matching.domain.scoring import Weights
    pool = generate_branch(branch, mentees=size, mentor_ratio=MENTOR_RATIO, seed=SEED)
    start, cpu = time.perf_counter(), time.process_time()
    pairs = _round(method, per_mentee)(pool.mentees, pool.mentors, Weights(), minimum)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "cpu": cpu, "pairs": len(pairs), "total": total_score(pairs),
            "capacity": sum(o.capacity for o in pool.mentors), "mentors": len(pool.mentors),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measure(size: int, branch: str, minimum: float, per_mentee: int) -> dict[str, float]:
    found = {}
    for method in METHODS:
        command = [sys.executable, "-m", "bench.matching_assignment", "--one", method, "--sizes", str(size),
                   "--branch", branch, "--minimum", str(minimum), "--per-mentee", str(per_mentee)]
        found[method] = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    sparse, dense, greedy = found["sparse"], found["dense"], found["greedy"]
    return {
        "mentees": size, "mentors": sparse["mentors"], "capacity": sparse["capacity"],
        "sparse_s": sparse["seconds"], "dense_s": dense["seconds"], "greedy_s": greedy["seconds"],
        "sparse_cpu": sparse["cpu"], "dense_cpu": dense["cpu"],
        "pool_mb": found["pool"]["peak_mb"], "sparse_mb": sparse["peak_mb"], "dense_mb": dense["peak_mb"],
        "greedy_mb": greedy["peak_mb"], "sparse_total": sparse["total"], "dense_total": dense["total"],
        "greedy_total": greedy["total"], "pairs": sparse["pairs"],
        "gap_pct": 100 * (dense["total"] - sparse["total"]) / dense["total"] if dense["total"] else 0.0,
        "gain_pct": 100 * (sparse["total"] - greedy["total"]) / greedy["total"] if greedy["total"] else 0.0,
    }


COLUMNS = (
    ("mentees", "{:>7}", "mentees"), ("mentors", "{:>7}", "mentors"), ("capacity", "{:>8}", "capacity"),
    ("sparse_s", "{:>8.2f}", "sparse s"), ("sparse_cpu", "{:>8.2f}", "sparse cpu s"),
    ("dense_s", "{:>7.2f}", "dense s"), ("dense_cpu", "{:>7.2f}", "dense cpu s"), ("greedy_s", "{:>8.2f}", "greedy s"),
    ("pool_mb", "{:>7.0f}", "pool MB"), ("sparse_mb", "{:>9.0f}", "sparse MB"), ("dense_mb", "{:>8.0f}", "dense MB"),
    ("greedy_mb", "{:>9.0f}", "greedy MB"), ("pairs", "{:>6}", "pairs"),
    ("sparse_total", "{:>11.1f}", "sparse total"), ("dense_total", "{:>11.1f}", "dense total"),
    ("greedy_total", "{:>11.1f}", "greedy total"), ("gap_pct", "{:>7.3f}", "gap to dense %"),
    ("gain_pct", "{:>+7.2f}", "gain over greedy %"),
)


def _header() -> str:
    widths = [len(fmt.format(0)) for _, fmt, _ in COLUMNS]
    return " | ".join(title.rjust(max(w, len(title))) for (_, _, title), w in zip(COLUMNS, widths))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,2000,5000", help="mentees per pool, comma separated")
    parser.add_argument("--branch", default="brussels")
    parser.add_argument("--minimum", type=float, default=50.0, help="minimum score of a proposal")
    parser.add_argument("--per-mentee", type=int, default=PER_MENTEE, help="mentors kept per mentee (sparse)")
    parser.add_argument("--one", choices=METHODS, help=argparse.SUPPRESS)  # the per-method subprocess
    options = parser.parse_args(argv)
    sizes = [int(s) for s in options.sizes.split(",") if s.strip()]
    if options.one:
        print(json.dumps(_run(options.one, sizes[0], options.branch, options.minimum, options.per_mentee)))
        return
    print(f"branch {options.branch}, seed {SEED}, mentors = {MENTOR_RATIO:.0%} of mentees, minimum score "
          f"{options.minimum:g}, default weights, {options.per_mentee} mentors per mentee in the sparse graph; "
          "times include scoring; MB = peak resident set size of a fresh process (pool MB: the pool alone)")
    header = _header()
    print(header)
    print("-" * len(header))
    for size in sizes:
        values = measure(size, options.branch, options.minimum, options.per_mentee)
        cells = [fmt.format(values[key]).strip().rjust(max(len(fmt.format(0)), len(title)))
                 for key, fmt, title in COLUMNS]
        print(" | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
