"""`python -m infra.provision`: fetch or build everything the local runs and tests need, into the
cache (`$DUO_CACHE_DIR` or ~/.cache/duo-suite), and say how long each took. Cached parts cost
nothing. `make test` runs it first so a fresh machine's downloads are reported on their own.
"""
from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from infra.compose_schema import schema_path
from infra.kafka_broker import kafka_libs
from infra.paths import cache_dir
from infra.proc import InfraError
from infra.store import store_version


def _timed(job: Callable[[], object]) -> tuple[object, float]:
    started = time.monotonic()
    return job(), time.monotonic() - started


def main() -> int:
    print(f"provisioning into {cache_dir()}", flush=True)
    say: Callable[[str], None] = lambda line: print(line, flush=True)  # noqa: E731
    jobs = {
        "kafka jars (Maven Central)": lambda: kafka_libs(say),
        "local store (secantusdb from uv.lock)": lambda: f"secantusdb {store_version()}",
        "compose-spec schema (PyPI)": schema_path,
    }
    failed = False
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = {name: pool.submit(_timed, job) for name, job in jobs.items()}
        for name, future in futures.items():
            try:
                path, seconds = future.result()
                print(f"  ok   {name}: {path} ({seconds:.1f}s)", flush=True)
            except InfraError as error:
                failed = True
                print(f"  FAIL {name}: {error}", file=sys.stderr, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
