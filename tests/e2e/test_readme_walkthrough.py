"""The README's curl walk-through, run as written against the four services as processes."""
from __future__ import annotations

import asyncio
import os
import re
import subprocess

from tests.e2e.test_thin_flow import suite  # noqa: F401 - the same running suite fixture
from tests.processes import REPO
from tests.suite import token


def walkthrough() -> str:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Walk-through", 1)[1]
    return re.search(r"```bash\n(.*?)```", section, re.S).group(1)


async def test_the_readme_walkthrough_works_as_written(suite, smtp_sink):  # noqa: F811
    env = {**os.environ, "INTAKE": suite["intake"].url, "MATCHING": suite["matching"].url,
           "FOLLOWUP": suite["followup"].url, "NOTIFY": suite["notify"].url,
           "TOKEN": token("coordinator", ("brussels",))}
    script = "set -euo pipefail\n" + walkthrough()
    done = await asyncio.to_thread(subprocess.run, ["bash", "-c", script], cwd=REPO, env=env,
                                   capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    lines = done.stdout.splitlines()
    assert "True" in lines and "formed" in lines and "sent" in lines and "2.0" in lines, done.stdout
    assert any("logistics" in line for line in lines), done.stdout
    assert "'rule': 'missing'" in lines[-1] and "'field': 'last_name'" in lines[-1], lines[-1]
