"""Where the infrastructure keeps its downloads (shared between runs) and its run data.

- cache: `$DUO_CACHE_DIR`, else `~/.cache/duo-suite`. Kafka's jars, the
  compose-spec schema and (for make) uv live here, fetched once.
- run data: `$DUO_RUN_DIR`, else `<repo>/.run`. Kafka's log dirs, the store's WiredTiger files,
  the SMTP sink's mail and the processes' logs of `make run`.
"""
from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parent.parent
INFRA = Path(__file__).resolve().parent


def cache_dir() -> Path:
    configured = os.environ.get("DUO_CACHE_DIR")
    path = Path(configured).expanduser() if configured else Path.home() / ".cache" / "duo-suite"
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def run_dir() -> Path:
    configured = os.environ.get("DUO_RUN_DIR")
    path = Path(configured).expanduser() if configured else REPO / ".run"
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


@contextmanager
def cache_lock(name: str) -> Iterator[None]:
    """An exclusive lock on one cache entry, so parallel runs don't fetch or build it twice."""
    locks = cache_dir() / "locks"
    locks.mkdir(exist_ok=True)
    with open(locks / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
