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


class RepeatLimiter(logging.Filter):
    """At most one line per message per interval from a noisy library logger, with a count of the rest.

    While Kafka is down aiokafka logs "Unable connect" in a tight loop (about 145,000 lines in a
    15-second outage in the broker-restart test); one line every 10 seconds says the same.
    """

    def __init__(self, prefixes: tuple[str, ...], interval: float = 10.0) -> None:
        super().__init__()
        self.prefixes, self.interval = prefixes, interval
        self._last: dict[tuple[str, object], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(self.prefixes):
            return True
        key = (record.name, record.msg)
        last, suppressed = self._last.get(key, (0.0, 0))
        if record.created - last < self.interval:
            self._last[key] = (last, suppressed + 1)
            return False
        self._last[key] = (record.created, 0)
        if suppressed:
            record.suppressed_repeats = suppressed
        return True


def configure(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    handler.addFilter(RepeatLimiter(("aiokafka", "kafka")))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiokafka", "uvicorn.access", "pymongo", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # FastStream gives its loggers a coloured text handler of their own; send them through ours.
    faststream = logging.getLogger("faststream")
    faststream.handlers[:] = []
    faststream.propagate = True
