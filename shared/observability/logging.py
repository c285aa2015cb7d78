"""JSON logs, one object per line, each with the service and the correlation id.

Log calls pass ids and counts only; never names, addresses or free text about a person.
"""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

from shared.observability import correlation

_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": correlation.current(),
        }
        # Structured extras (event ids, counts) given with `extra=`.
        entry.update({k: v for k, v in record.__dict__.items() if k not in _RESERVED})
        if record.exc_info and record.exc_info[0] is not None:
            # The class name only: an exception's text can echo the personal data it was given.
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, default=str)


def configure(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiokafka", "uvicorn.access", "pymongo", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # FastStream gives its loggers a coloured text handler of their own; send them through ours.
    faststream = logging.getLogger("faststream")
    faststream.handlers[:] = []
    faststream.propagate = True
