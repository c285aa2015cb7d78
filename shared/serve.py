"""Run a service's app with uvicorn: the one entry point shape every `python -m services.X` uses."""
from __future__ import annotations

import uvicorn

from shared.settings import ServiceSettings


def serve(app, settings: ServiceSettings) -> None:
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_config=None,
                access_log=False, timeout_graceful_shutdown=10)
